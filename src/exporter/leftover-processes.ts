import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Kills what is left of an exporter whose server died (SIGKILL, crash): its process group, found by
 * the group id recorded at spawn. A group id can be reused after a reboot, so the group is killed
 * only if one of its processes still works inside the job's workspace. Returns how many processes
 * the group had. Needs /proc (Linux); elsewhere nothing is killed.
 */
export function killLeftoverExporter(processGroup: number, workspaceDirectory: string): number {
  if (!existsSync('/proc')) return 0;
  const members = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => processGroupOf(pid) === processGroup);
  const ours = members.some((pid) => isInside(cwdOf(pid), workspaceDirectory));
  if (!ours) return 0;
  try {
    process.kill(-processGroup, 'SIGKILL');
  } catch {
    // gone in the meantime
  }
  return members.length;
}

function processGroupOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? null : Number(fields[2]);
  } catch {
    return null;
  }
}

function cwdOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}

function isInside(candidate: string, directory: string): boolean {
  return candidate === directory || candidate.startsWith(directory + path.sep);
}
