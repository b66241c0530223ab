import { FileHandle, open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** How often a followed file is read for new bytes while its writer is still at work. */
const READ_INTERVAL_MS = 250;
const CHUNK_BYTES = 64 * 1024;

export interface FollowOptions {
  /** Resolves when the writer is done (the job ended); already resolved to read the file once. */
  writerDone: Promise<void>;
  /** Aborted when the reader went away: the file is closed and all work stops. */
  signal: AbortSignal;
}

/**
 * Yields a file's contents, then what is appended to it until the writer is done. The file may not
 * exist yet (a pending job has no log): nothing is yielded until it appears. Only the file is read
 * while waiting; nothing else (no database) is asked.
 */
export async function* followFile(
  file: string,
  { writerDone, signal }: FollowOptions,
): AsyncGenerator<Buffer> {
  let done = false;
  void writerDone.then(() => (done = true));
  let handle: FileHandle | null = null;
  let position = 0;
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    while (!signal.aborted) {
      // Decided before reading, so the last bytes written before the end are still read.
      const finished = done;
      handle ??= await open(file, 'r').catch(() => null);
      if (handle) {
        let bytesRead: number;
        do {
          ({ bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, position));
          position += bytesRead;
          if (bytesRead > 0) yield Buffer.from(buffer.subarray(0, bytesRead));
        } while (bytesRead > 0 && !signal.aborted);
      }
      if (finished) return;
      await Promise.race([writerDone, sleep(READ_INTERVAL_MS, undefined, { signal }).catch(() => undefined)]);
    }
  } finally {
    await handle?.close();
  }
}
