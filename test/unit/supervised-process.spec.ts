import * as os from 'node:os';
import { ExecutableNotRunnableError, runSupervised } from '../../src/exporter/supervised-process';

/** Real child processes: a shell parent with a `sleep` grandchild, as Terraform has its provider. */
function run(script: string, signal: AbortSignal = new AbortController().signal, stopGraceMs = 500) {
  const lines: string[] = [];
  const done = runSupervised({
    command: '/bin/sh',
    args: ['-c', script],
    cwd: os.tmpdir(),
    env: { PATH: process.env.PATH },
    signal,
    stopGraceMs,
    onStdoutLine: (line) => lines.push(line),
  });
  return { done, lines };
}

import { isRunning } from '../support/processes';

const alive = isRunning;

/** A SIGKILLed process closes its pipes a moment before it is gone from /proc: wait (bounded) for that. */
const goneSoon = async (pid: number) => {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 10));
  return !alive(pid);
};

const waitForLine = async (lines: string[]) => {
  for (let i = 0; i < 100 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  return Number(lines[0]);
};

describe('runSupervised', () => {
  it('reports the exit code, stdout lines and the end of stderr', async () => {
    const { done, lines } = run('echo one; echo two; echo oops >&2; exit 3');
    const result = await done;
    expect(result).toMatchObject({ exitCode: 3, signal: null, stopped: false });
    expect(result.stderrTail).toBe('oops\n');
    expect(lines).toEqual(['one', 'two']);
  });

  it('stops gracefully with SIGINT to the parent only', async () => {
    const controller = new AbortController();
    // The parent exits cleanly on INT; the grandchild would survive a parent-only signal if not cleaned up.
    const { done, lines } = run(
      'sleep 30 & echo $!; trap "exit 0" INT; while true; do sleep 0.05; done',
      controller.signal,
    );
    const grandchild = await waitForLine(lines);
    controller.abort();
    const result = await done;
    expect(result).toMatchObject({ exitCode: 0, stopped: true });
    expect(alive(grandchild)).toBe(false);
  });

  it('kills the whole group when the parent ignores SIGINT past the grace period', async () => {
    const controller = new AbortController();
    const { done, lines } = run(
      'trap "" INT; sleep 30 & echo $!; while true; do sleep 0.05; done',
      controller.signal,
      300,
    );
    const grandchild = await waitForLine(lines);
    const started = Date.now();
    controller.abort();
    const result = await done;
    expect(result).toMatchObject({ signal: 'SIGKILL', stopped: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await goneSoon(grandchild)).toBe(true);
  });

  it('leaves no orphan behind when the parent exits on its own', async () => {
    const { done, lines } = run('sleep 30 & echo $!; exit 0');
    const grandchild = await waitForLine(lines);
    await done;
    await new Promise((r) => setTimeout(r, 50));
    expect(alive(grandchild)).toBe(false);
  });

  it('says when the executable cannot be run', async () => {
    const attempt = runSupervised({
      command: '/nonexistent/terraform',
      args: [],
      cwd: os.tmpdir(),
      env: {},
      signal: new AbortController().signal,
      stopGraceMs: 100,
    });
    await expect(attempt).rejects.toBeInstanceOf(ExecutableNotRunnableError);
    await expect(attempt).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
