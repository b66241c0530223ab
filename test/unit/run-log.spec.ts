import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunLog } from '../../src/exporter/run-log';

describe('a job log file', () => {
  it('writes each line to its file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'run-log-'));
    try {
      const errors: Error[] = [];
      const log = new RunLog(path.join(dir, 'terraform.log'), (error) => errors.push(error));
      log.write('first');
      log.write('second');
      await log.end();
      expect(await readFile(path.join(dir, 'terraform.log'), 'utf8')).toBe('first\nsecond\n');
      expect(errors).toEqual([]);
      expect(log.failure).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // /dev/full answers every write with ENOSPC: the device a full disk looks like to a writer.
  (existsSync('/dev/full') ? it : it.skip)(
    'on a full disk stops, reports ENOSPC once, and never throws',
    async () => {
      const errors: Error[] = [];
      const log = new RunLog('/dev/full', (error) => errors.push(error));
      for (let i = 0; i < 1000; i++) log.write(`line ${i} `.repeat(100));
      await log.end();
      log.write('after the end');
      await log.end();
      expect(errors).toHaveLength(1);
      expect(errors[0].message).toMatch(/ENOSPC/);
      expect(log.failure).toBe(errors[0]);
    },
  );
});
