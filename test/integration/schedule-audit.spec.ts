import { sleep } from '../support/jobs';
import { startServer, useSharedServerState } from '../support/server-process';
import { withClient } from '../support/test-database';

interface EventBody {
  action: string;
  outcome: string;
  principal: string | null;
  http_status: number | null;
  request_id: string | null;
  detail: Record<string, unknown> | null;
}

interface EventRow {
  action: string;
  job_id: string | null;
  http_status: number;
  request_id: string;
}

/** The server as a process of its own, so its audit log lines can be read as it writes them. */
describe('audit trail of schedules', () => {
  const state = useSharedServerState('schedule-audit');

  /** The schedule's job_events rows, oldest first, once there are `count` of them. */
  async function eventRows(scheduleId: string, count: number): Promise<EventRow[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const rows = await withClient(
        state.database.url,
        async (client) =>
          (
            await client.query<EventRow>(
              `SELECT action, job_id, http_status, request_id FROM job_events
                WHERE schedule_id = $1 ORDER BY occurred_at, id`,
              [scheduleId],
            )
          ).rows,
      );
      if (rows.length >= count || Date.now() > deadline) return rows;
      await sleep(100);
    }
  }

  it('creating, pausing, resuming, changing and deleting a schedule are audit events, as rows and log lines', async () => {
    const server = await startServer({
      env: state.serverEnv({ LOG_LEVEL: 'info' }),
    });
    const created = await server.http
      .post('/api/v1/schedules')
      .set('X-Request-Id', 'schedule-create-1')
      .send({ name: 'Nightly', cron: '0 2 * * *', time_zone: 'UTC', export: {} });
    expect(created.status).toBe(201);
    const id = created.body.schedule_id as string;
    const path = `/api/v1/schedules/${id}`;
    expect((await server.http.patch(path).send({ paused: true })).status).toBe(200);
    expect((await server.http.patch(path).send({ paused: false, keep_runs: 2 })).status).toBe(200);
    expect((await server.http.patch(path).send({ cron: '0 3 * * *', name: 'Later' })).status).toBe(200);
    expect((await server.http.get(path)).status).toBe(200);
    expect((await server.http.get(`${path}/runs`)).status).toBe(200);
    // Someone else asking about it is refused, and that is in the schedule's trail too.
    expect(
      (await server.http.patch(path).set('Authorization', 'Bearer intruder-0123456789').send({})).status,
    ).toBe(404);

    const trail = await server.http.get(`${path}/events`);
    expect(trail.status).toBe(200);
    expect(trail.body.schedule_id).toBe(id);
    const events = trail.body.events as EventBody[];
    expect(events.map((event) => event.action)).toEqual([
      'schedule.created',
      'schedule.paused',
      'schedule.resumed',
      'schedule.changed',
      'schedule.read',
      'schedule.runs_read',
      'request.rejected',
    ]);
    expect(events[0]).toMatchObject({
      outcome: 'success',
      principal: 'service',
      http_status: 201,
      request_id: 'schedule-create-1',
      detail: { name: 'Nightly', cron: '0 2 * * *', time_zone: 'UTC' },
    });
    // A change names the fields given, not their values.
    expect(events.slice(1, 4).map((event) => [event.http_status, event.detail])).toEqual([
      [200, { fields: ['paused'] }],
      [200, { fields: ['keep_runs', 'paused'] }],
      [200, { fields: ['cron', 'name'] }],
    ]);
    expect(events[6]).toMatchObject({
      outcome: 'rejected',
      http_status: 404,
      principal: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    const deleted = await server.http.delete(path).set('X-Request-Id', 'schedule-delete-1');
    expect(deleted.status).toBe(204);
    expect((await server.http.get(`${path}/events`)).status).toBe(404);
    // The schedule is gone, its trail is not: every event names it, none a job. (The read of the
    // trail is written within a second, in a batch.)
    const expected = [
      ...events.map((event) => event.action),
      'schedule.events_read',
      'schedule.deleted',
      'request.rejected',
    ];
    const rows = await eventRows(id, expected.length);
    expect(rows.map((row) => row.action)).toEqual(expected);
    expect(rows.every((row) => row.job_id === null)).toBe(true);
    expect(rows.at(-2)).toMatchObject({ http_status: 204, request_id: 'schedule-delete-1' });

    const logged = server
      .logLines()
      .flatMap((line) => (typeof line.audit === 'object' ? [line.audit as Record<string, unknown>] : []))
      .filter((audit) => audit.scheduleId === id && audit.outcome === 'success');
    expect(logged.map((audit) => audit.action)).toEqual(
      expect.arrayContaining([
        'schedule.created',
        'schedule.paused',
        'schedule.resumed',
        'schedule.changed',
        'schedule.deleted',
      ]),
    );
    expect(logged.find((audit) => audit.action === 'schedule.deleted')).toMatchObject({
      principal: 'service',
      httpStatus: 204,
      requestId: 'schedule-delete-1',
      detail: { name: 'Later' },
    });
  });

  it('keeps a detail exactly as given, whatever characters it holds', async () => {
    const server = await startServer({ env: state.serverEnv() });
    // What the audit insert must carry through its column arrays unchanged.
    const name = 'quote " backslash \\ braces {a,b} NULL, comma ; é ✓ \n new line';
    const created = await server.http
      .post('/api/v1/schedules')
      .send({ name, cron: '0 2 * * *', time_zone: 'UTC', export: {} });
    expect(created.status).toBe(201);
    const trail = await server.http.get(`/api/v1/schedules/${created.body.schedule_id as string}/events`);
    expect(trail.body.events[0]).toMatchObject({ action: 'schedule.created', detail: { name } });
    await server.stop('SIGTERM');
  });
});
