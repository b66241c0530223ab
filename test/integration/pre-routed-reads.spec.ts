import { sleep, waitForJob } from '../support/jobs';
import { ServerProcess, startServer, useSharedServerState } from '../support/server-process';
import { TEST_CLIENT_SECRET } from '../support/test-app';

/**
 * Status polls and list pages are answered ahead of Express (src/common/http/pre-router.ts). Seen from outside,
 * nothing may differ from the other routes: the request's log line, its id, metrics, the audit
 * trail, rate limits and problem documents. A server process, so its real log output is read.
 */
describe('status polls and list pages, as clients and operators see them', () => {
  const state = useSharedServerState('status-poll');
  let server: ServerProcess;
  let jobId: string;

  beforeAll(async () => {
    server = await startServer({
      env: state.serverEnv({ LOG_LEVEL: 'info', POLL_RATE_LIMIT_PER_MINUTE: '30' }),
    });
    const created = await server.http
      .post('/api/v1/exports')
      .send({ include_filter_resources: ['genesyscloud_user'] });
    expect(created.status).toBe(202);
    jobId = created.body.job_id as string;
    await waitForJob(server.http, jobId);
  });

  /** The request's log line(s), once one was written (pino writes it when the answer is finished). */
  async function requestLines(requestId: string): Promise<Record<string, unknown>[]> {
    const lines = () =>
      server
        .logLines()
        .filter(
          (line) =>
            (line.req as { id?: string } | undefined)?.id === requestId && line.msg === 'request completed',
        );
    for (let i = 0; i < 50 && lines().length === 0; i++) await sleep(100);
    return lines();
  }

  it('logs each poll once, with its request id, status and headers, and never the server secret', async () => {
    const poll = await server.http.get(`/api/v1/exports/${jobId}`).set('X-Request-Id', 'poll-logged-1');
    expect(poll.status).toBe(204);
    expect(poll.headers['x-request-id']).toBe('poll-logged-1');
    expect(poll.headers['job-status']).toBe('completed');
    const [line, ...more] = await requestLines('poll-logged-1');
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      level: 30,
      req: { method: 'GET', url: `/api/v1/exports/${jobId}`, params: { id: jobId } },
      res: { statusCode: 204, headers: { 'x-request-id': 'poll-logged-1', 'job-status': 'completed' } },
    });
    expect(typeof line.responseTime).toBe('number');
    expect(server.output).not.toContain(TEST_CLIENT_SECRET);
  });

  it('answers 304 to the current ETag and 200 with the job to Prefer: return=representation, as documented', async () => {
    const full = await server.http.get(`/api/v1/exports/${jobId}`).set('Prefer', 'return=representation');
    expect(full.status).toBe(200);
    expect(full.headers['preference-applied']).toBe('return=representation');
    expect(full.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(full.body).toMatchObject({ job_id: jobId, status: 'completed' });
    const same = await server.http.get(`/api/v1/exports/${jobId}`).set('If-None-Match', full.headers.etag);
    expect(same.status).toBe(304);
    expect(same.headers.etag).toBe(full.headers.etag);
    // A query string or an upper-case id reach the same job.
    const upper = await server.http.get(`/api/v1/exports/${jobId.toUpperCase()}?ignored=1`);
    expect(upper.status).toBe(204);
  });

  it('records each poll in the job’s audit trail with its request id', async () => {
    await server.http.get(`/api/v1/exports/${jobId}`).set('X-Request-Id', 'poll-audited-1');
    const events = (await server.http.get(`/api/v1/exports/${jobId}/events`)).body.events as {
      action: string;
      request_id: string | null;
      http_status: number | null;
    }[];
    expect(events.filter((event) => event.request_id === 'poll-audited-1')).toEqual([
      expect.objectContaining({ action: 'job.read', http_status: 204 }),
    ]);
  });

  it('refuses with problem documents as every route does: unknown job, bad token, spent budget', async () => {
    const unknown = await server.http.get('/api/v1/exports/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(unknown.headers['x-request-id']).toBeDefined();

    const badToken = await server.http.get(`/api/v1/exports/${jobId}`).set('Authorization', 'Basic abc');
    expect(badToken.status).toBe(401);
    expect(badToken.headers['www-authenticate']).toContain('Bearer');

    // POLL_RATE_LIMIT_PER_MINUTE is 30: the budget runs out within 40 polls, then 429 with Retry-After.
    let refused;
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await server.http.get(`/api/v1/exports/${jobId}`);
      if (res.status === 429) refused = res;
    }
    expect(refused?.body).toMatchObject({ status: 429 });
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('logs a list page once and counts it under its route, and refuses a bad query as the route does', async () => {
    const page = await server.http.get('/api/v1/exports?limit=1').set('X-Request-Id', 'list-logged-1');
    expect(page.status).toBe(200);
    expect(page.body.jobs.map((job: { job_id: string }) => job.job_id)).toEqual([jobId]);
    expect(await requestLines('list-logged-1')).toEqual([
      expect.objectContaining({ res: expect.objectContaining({ statusCode: 200 }) }),
    ]);
    const refused = await server.http.get('/api/v1/exports?limit=0');
    expect(refused.status).toBe(400);
    const metrics = (await server.http.get('/metrics')).text;
    expect(metrics).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/exports",status_code="200"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/exports",status_code="400"\} 1/,
    );
  });
});
