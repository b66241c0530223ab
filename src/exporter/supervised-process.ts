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

/** The executable could not be started at all (missing, not executable). */
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
    const child = spawn(run.command, run.args, {
      cwd: run.cwd,
      env: run.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) run.onSpawn?.(child.pid);
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

    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });
    const lines = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => run.onStdoutLine?.(line));

    child.once('error', (error: NodeJS.ErrnoException) => {
      run.signal.removeEventListener('abort', stop);
      if (child.pid === undefined)
        reject(new ExecutableNotRunnableError(run.command, error.code ?? error.message));
    });
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
