import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeZip, ZipSource } from '../../src/files/zip-archive';
import { readZipEntries } from '../support/jobs';

const STORED = 0;
const DEFLATED = 8;

/** Info-ZIP's unzip, when installed, as a second, independent reader. */
function unzipBinary(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v unzip'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

describe('writeZip (real files, read back with yauzl and unzip)', () => {
  let dir: string;
  let sources: ZipSource[];
  const text = 'resource "genesyscloud_user" "u" {\n  name = "someone"\n}\n'.repeat(2000);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'zip-archive-test-'));
    await mkdir(path.join(dir, 'genesyscloud', 'assets'), { recursive: true });
    const files: [string, Buffer][] = [
      ['genesyscloud/genesyscloud.tf', Buffer.from(text)],
      ['genesyscloud/assets/prompt.wav.gz', gzipSync(Buffer.from(text))],
      ['genesyscloud/assets/logo.PNG', randomBytes(20_000)],
      // Random bytes with no known suffix: deflating them would grow them, so they are stored too.
      ['genesyscloud/assets/blob.bin', randomBytes(30_000)],
      // Over the in-memory limit: streamed, with a data descriptor.
      ['genesyscloud/big.tf.json', Buffer.from(text.repeat(60))],
      ['genesyscloud/ünïcode name.tf', Buffer.from('x')],
      ['genesyscloud/empty.txt', Buffer.alloc(0)],
    ];
    sources = [];
    for (const [name, content] of files) {
      await writeFile(path.join(dir, name), content);
      sources.push({ path: path.join(dir, name), name, size: content.length });
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function zipAt(level: number) {
    const target = path.join(dir, `out-${level}.zip`);
    await writeZip(target, sources, { level });
    return { target, entries: await readZipEntries(await readFile(target)) };
  }

  it('holds every file, byte for byte, and deflates text while storing compressed formats', async () => {
    const { target, entries } = await zipAt(6);
    expect([...entries.keys()]).toEqual(sources.map((source) => source.name));
    for (const source of sources) {
      expect(entries.get(source.name)!.content.equals(await readFile(source.path))).toBe(true);
    }
    const method = (name: string) => entries.get(`genesyscloud/${name}`)!.compressionMethod;
    expect(method('genesyscloud.tf')).toBe(DEFLATED);
    expect(method('big.tf.json')).toBe(DEFLATED);
    expect(method('assets/prompt.wav.gz')).toBe(STORED);
    expect(method('assets/logo.PNG')).toBe(STORED);
    expect(method('assets/blob.bin')).toBe(STORED);
    expect((await stat(target)).size).toBeLessThan(sources.reduce((sum, source) => sum + source.size, 0) / 4);
    const unzip = unzipBinary();
    if (unzip)
      expect(execFileSync(unzip, ['-t', target], { encoding: 'utf8' })).toMatch(/No errors detected/);
  });

  it('level 0 stores everything', async () => {
    const { entries } = await zipAt(0);
    for (const [name, entry] of entries) expect([name, entry.compressionMethod]).toEqual([name, STORED]);
    expect(entries.get('genesyscloud/big.tf.json')!.content.length).toBe(text.length * 60);
  });

  it('a higher level gives a smaller zip of the same files', async () => {
    const fast = await zipAt(1);
    const best = await zipAt(9);
    expect((await stat(best.target)).size).toBeLessThan((await stat(fast.target)).size);
  });

  it('refuses a file that was swapped for a symbolic link, rather than following it', async () => {
    const link = path.join(dir, 'link.tf');
    await symlink('/etc/hostname', link);
    await expect(
      writeZip(path.join(dir, 'refused.zip'), [{ path: link, name: 'link.tf', size: 10 }], { level: 6 }),
    ).rejects.toThrow(/ELOOP|symbolic/);
  });
});
