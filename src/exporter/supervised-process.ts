import { spawn } from 'node:child_process';
import * as readline from 'node:readline';

export interface SupervisedRun {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborting stops the process: SIGINT first, SIGKILL to its whole group after `stopGraceMs`. */
  signal: AbortSignal;
  stopGraceMs: number;
  onStdoutLine?: (line: string) => void;
  /**
   * Each line of stderr. Returning true means the line was consumed (a log line): it is left out of
   * `stderrTail`, which is kept for error messages.
   */
  onStderrLine?: (line: string) => boolean;
  /** Called once the process exists, with its pid (which is also its process group id). */
  onSpawn?: (pid: number) => void;
}

export interface SupervisedResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last few KB of stderr, for error messages. */
  stderrTail: string;
  stopped: boolean;
}

/**
 * The executable could not be started: missing or not executable, or the system is out of
 * resources for a new process (EMFILE, ENFILE, EAGAIN, ENOMEM).
 */
export class ExecutableNotRunnableError extends Error {
  constructor(
    readonly command: string,
    readonly code: string,
  ) {
    super(`${command}: ${code}`);
  }
}

const STDERR_TAIL_BYTES = 8192;

/**
 * Runs a command in its own process group. Terraform expects SIGINT for a graceful stop (sent to
 * Terraform alone: a group-wide SIGINT kills its provider at once); whatever is left after the grace
 * period, or after Terraform exits, is killed as a group so no provider process outlives the job.
 */
export function runSupervised(run: SupervisedRun): Promise<SupervisedResult> {
  return new Promise((resolve, reject) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(run.command, run.args, {
        cwd: run.cwd,
        env: run.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      // Out of descriptors, spawn can throw before a process object exists.
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      reject(new ExecutableNotRunnableError(run.command, code));
      return;
    }
    const { stdout, stderr } = child;
    if (child.pid === undefined || !stdout || !stderr) {
      // Nothing started (ENOENT, EACCES, EMFILE...): the 'error' event, due next, says why.
      child.once('error', (error: NodeJS.ErrnoException) =>
        reject(new ExecutableNotRunnableError(run.command, error.code ?? error.message)),
      );
      return;
    }
    try {
      run.onSpawn?.(child.pid);
    } catch (error) {
      // The caller could not record the process (e.g. a full disk): stop it rather than lose track.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    let stderrTail = '';
    let stopped = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const stop = () => {
      stopped = true;
      child.kill('SIGINT');
      killTimer = setTimeout(killGroup, run.stopGraceMs);
    };

    // A pipe error (the child's end closed oddly) ends the stream; it must not reach the process.
    stdout.on('error', () => undefined);
    stderr.on('error', () => undefined);
    readline.createInterface({ input: stderr, crlfDelay: Infinity }).on('line', (line) => {
      if (run.onStderrLine?.(line)) return;
      stderrTail = (stderrTail + line + '\n').slice(-STDERR_TAIL_BYTES);
    });
    readline
      .createInterface({ input: stdout, crlfDelay: Infinity })
      .on('line', (line) => run.onStdoutLine?.(line));

    // After a successful spawn, errors are about signalling the child; 'close' still comes.
    child.on('error', () => undefined);
    child.once('exit', () => {
      // Terraform has exited; its provider must not linger as an orphan.
      killGroup();
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(killTimer);
      run.signal.removeEventListener('abort', stop);
      resolve({ exitCode, signal, stderrTail, stopped });
    });

    if (run.signal.aborted) stop();
    else run.signal.addEventListener('abort', stop, { once: true });
  });
}
