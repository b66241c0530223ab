import { readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Who runs an export in a workspace, kept in the workspace while it runs: a server that starts
 * later on the same host can tell whether that server process is dead and kill what it left.
 */
export interface RunRecord {
  serverId: string;
  host: string;
  serverPid: number;
  /** The server process's start time (/proc), so a reused pid is not taken for the same process. */
  serverStartTime: string | null;
  /** Process group of the Terraform command running now, once spawned. */
  processGroup?: number;
}

const RUN_RECORD_FILE = 'exporter-run.json';

/** This process's start time, read once: it never changes. */
let ownStartTime: string | null | undefined;

export function thisServerRecord(serverId: string): RunRecord {
  ownStartTime ??= startTimeOf(process.pid);
  return { serverId, host: os.hostname(), serverPid: process.pid, serverStartTime: ownStartTime };
}

export function writeRunRecord(workspaceDirectory: string, record: RunRecord): void {
  writeFileSync(path.join(workspaceDirectory, RUN_RECORD_FILE), JSON.stringify(record), { mode: 0o600 });
}

export function readRunRecord(workspaceDirectory: string): RunRecord | null {
  try {
    const record = JSON.parse(
      readFileSync(path.join(workspaceDirectory, RUN_RECORD_FILE), 'utf8'),
    ) as RunRecord;
    return typeof record.serverId === 'string' && Number.isInteger(record.serverPid) ? record : null;
  } catch {
    return null;
  }
}

/**
 * True when the record's server process is known dead: it ran on this host and no process with its
 * pid and start time exists. A record from another host (a shared export folder) is never "dead"
 * here: its server is for its own host, or the lease, to judge.
 */
export function isDeadServerOnThisHost(record: RunRecord): boolean {
  if (record.host !== os.hostname()) return false;
  const startTime = startTimeOf(record.serverPid);
  return startTime === null || (record.serverStartTime !== null && startTime !== record.serverStartTime);
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null when there is no such process. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? null : fields[19];
  } catch {
    return null;
  }
}
