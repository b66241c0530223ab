import { randomUUID } from 'node:crypto';
import { waitForJob } from '../support/jobs';
import { startServer, useSharedServerState } from '../support/server-process';
import { withClient } from '../support/test-database';
import { signatureProblem, WebhookReceiver } from '../support/webhook-receiver';

const JOBS = 8;

/** Two server processes on one database and export folder, both delivering webhooks. */
describe('webhooks with two servers', () => {
  const state = useSharedServerState('webhooks');

  it('each job end is delivered once (its failed first attempt retried once, by either server), and no log line, table or answer holds a secret', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const env = state.serverEnv({
        WEBHOOK_ALLOWED_HOSTS: receiver.host,
        WEBHOOK_RETRY_DELAY: '300ms',
        WEBHOOK_RETRY_FOR: '1m',
        LOG_LEVEL: 'trace',
      });
      const servers = await Promise.all([startServer({ env }), startServer({ env })]);
      const answers: string[] = [];
      const jobs = await Promise.all(
        Array.from({ length: JOBS }, async (_, index) => {
          const path = `/hooks/${index}`;
          const secret = `secret-${index}-${randomUUID()}`;
          receiver.answer(path, [500, 200]);
          const res = await servers[index % 2].http.post('/api/v1/exports').send({
            include_filter_resources: ['genesyscloud_user'],
            directory: `job-${index}`,
            webhook: { url: receiver.url(path), secret },
          });
          answers.push(res.text);
          expect(res.status).toBe(202);
          return { id: res.body.job_id as string, path, secret };
        }),
      );
      for (const job of jobs) await waitForJob(servers[0].http, job.id);
      for (const job of jobs) {
        const requests = await receiver.waitFor(job.path, (seen) =>
          seen.some((request) => request.answered === 200),
        );
        expect(requests.map((request) => request.answered)).toEqual([500, 200]);
        expect(new Set(requests.map((request) => request.headers['webhook-id'])).size).toBe(1);
        for (const request of requests) expect(signatureProblem(request, job.secret)).toBeUndefined();
        expect(JSON.parse(requests[0].body)).toMatchObject({ event: 'job.completed', job_id: job.id });
        const listed = await servers[1].http.get(`/api/v1/exports/${job.id}/webhook-deliveries`);
        answers.push(listed.text);
        expect(listed.body.deliveries).toHaveLength(1);
        expect(listed.body.deliveries[0]).toMatchObject({ state: 'delivered' });
        expect(
          listed.body.deliveries[0].attempts.map((attempt: { status_code: number }) => attempt.status_code),
        ).toEqual([500, 200]);
      }
      expect(receiver.received()).toHaveLength(2 * JOBS);
      await Promise.all(servers.map((server) => server.stop('SIGTERM')));

      const deliveredBy = servers.map(
        (server) =>
          server
            .logLines()
            .filter((line) => typeof line.msg === 'string' && line.msg.includes('delivered at attempt'))
            .length,
      );
      console.log(
        `two servers: ${JOBS} deliveries, ${deliveredBy[0]} by one server and ${deliveredBy[1]} by the other`,
      );
      expect(deliveredBy[0] + deliveredBy[1]).toBe(JOBS);

      const places: [string, string][] = servers.map((server, index) => [
        `server ${index} output`,
        server.output,
      ]);
      places.push(['answers', answers.join('\n')]);
      await withClient(state.database.url, async (client) => {
        const tables = await client.query<{ tablename: string }>(
          "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
        );
        for (const { tablename } of tables.rows) {
          const rows = await client.query(`SELECT row_to_json(t)::text AS row FROM ${tablename} t`);
          places.push([`table ${tablename}`, rows.rows.map((row: { row: string }) => row.row).join('\n')]);
        }
      });
      expect(places.find(([where]) => where === 'table webhook_deliveries')?.[1]).toContain(jobs[0].id);
      const leaks = places
        .filter(([, text]) => jobs.some((job) => text.includes(job.secret)))
        .map(([where]) => where);
      expect(leaks).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
