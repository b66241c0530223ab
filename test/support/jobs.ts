import { existsSync } from 'node:fs';
import { Response } from 'superagent';
import TestAgent from 'supertest/lib/agent';
import * as yauzl from 'yauzl';

export interface JobBody {
  job_id: string;
  status: string;
  progress: number;
  error: string | null;
  [key: string]: unknown;
}

/** Polls a job (asking for a body even when complete) until it reaches one of `statuses`. */
export async function waitForJob(
  http: TestAgent,
  id: string,
  statuses: string[] = ['completed', 'failed', 'cancelled'],
  { timeoutMs = 30_000, auth }: { timeoutMs?: number; auth?: string } = {},
): Promise<JobBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const req = http.get(`/api/v1/exports/${id}`).set('Prefer', 'return=representation');
    if (auth) req.set('Authorization', auth);
    const res = await req;
    if (res.status !== 200) throw new Error(`GET job ${id}: ${res.status} ${res.text}`);
    if (statuses.includes(res.body.status)) return res.body as JobBody;
    if (Date.now() > deadline) {
      throw new Error(
        `job ${id} still ${res.body.status} after ${timeoutMs} ms: ${JSON.stringify(res.body)}`,
      );
    }
    await sleep(100);
  }
}

/** Polls a running job until the exporter's log has taken it to `phase` (see ProgressTracker). */
export async function waitForPhase(
  http: TestAgent,
  id: string,
  phase: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await waitForJob(http, id, ['running'], { timeoutMs });
    if (body.phase === phase) return;
    if (Date.now() > deadline) throw new Error(`job ${id} not in phase ${phase}: ${JSON.stringify(body)}`);
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Collects supertest's response as a Buffer (for zips); superagent hands parsers the raw stream. */
export function binaryParser(res: Response, callback: (error: Error | null, body: Buffer) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
  stream.on('error', (error: Error) => callback(error, Buffer.alloc(0)));
}

/** Opens a zip and returns its entries' names and contents. */
export async function readZip(buffer: Buffer): Promise<Map<string, Buffer>> {
  const entries = await readZipEntries(buffer);
  return new Map([...entries].map(([name, entry]) => [name, entry.content]));
}

export interface ZipEntry {
  content: Buffer;
  /** 0 stored, 8 deflated. */
  compressionMethod: number;
}

/** Opens a zip (checking every entry's CRC as yauzl reads it) and returns its entries by name. */
export function readZipEntries(buffer: Buffer): Promise<Map<string, ZipEntry>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error('not a zip'));
      const entries = new Map<string, ZipEntry>();
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream)
            return reject(streamError ?? new Error(`cannot read ${entry.fileName}`));
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.set(entry.fileName, {
              content: Buffer.concat(chunks),
              compressionMethod: entry.compressionMethod,
            });
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/**
 * Waits (bounded) until none of `paths` exists. A job's files are removed only after its final state
 * is recorded, so they can outlive the answer that reports that state by a moment.
 */
export async function waitForRemoval(paths: string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (paths.some((p) => existsSync(p)) && Date.now() < deadline) {
    await sleep(100);
  }
}
