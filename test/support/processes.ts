import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Whether a process exists and is not a zombie. A killed process whose parent died stays a zombie
 * until something reaps it, and signal 0 still "reaches" a zombie, so /proc is read instead.
 */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Live processes whose command line contains `needle` (e.g. a job's workspace path). */
export function processesMatching(needle: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      const cwd = safeReadlink(`/proc/${pid}/cwd`);
      if ((cmdline.includes(needle) || cwd.includes(needle)) && isRunning(pid) && pid !== process.pid) {
        found.push({ pid, cmdline });
      }
    } catch {
      // the process ended while being read
    }
  }
  return found;
}

function safeReadlink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}
