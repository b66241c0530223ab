import TestAgent from 'supertest/lib/agent';
import { sleep } from './jobs';

/** A run as GET /api/v1/schedules/{id}/runs shows it. */
export interface RunBody {
  run_id: string;
  due_at: string;
  outcome: string;
  job_id: string | null;
  job_status: string | null;
  detail: string | null;
  changes: Record<string, Record<string, number>> | null;
}

export async function runsOf(http: TestAgent, id: string): Promise<RunBody[]> {
  const res = await http.get(`/api/v1/schedules/${id}/runs?limit=100`);
  expect(res.status).toBe(200);
  return res.body.runs as RunBody[];
}

/** Polls the schedule's runs (latest first) until `done` holds; fails after `timeoutMs`. */
export async function waitForRuns(
  http: TestAgent,
  id: string,
  done: (runs: RunBody[]) => boolean,
  timeoutMs = 45_000,
): Promise<RunBody[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await runsOf(http, id);
    if (done(runs)) return runs;
    if (Date.now() > deadline) throw new Error(`runs of ${id} never matched: ${JSON.stringify(runs)}`);
    await sleep(250);
  }
}
