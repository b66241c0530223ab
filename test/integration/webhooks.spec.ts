import { Response } from 'superagent';
import { RetentionService } from '../../src/retention/retention.service';
import { sleep, waitForJob, waitForPhase } from '../support/jobs';
import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';
import { ReceivedRequest, signatureProblem, WebhookReceiver } from '../support/webhook-receiver';

const SECRET = 'receiver-secret-0123456789abcdef';
/** Short pauses, so retries and giving up happen within seconds. */
const WEBHOOK_ENV = {
  ...ENV_CREDENTIALS,
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  WEBHOOK_TIMEOUT: '2s',
  WEBHOOK_RETRY_DELAY: '200ms',
  WEBHOOK_RETRY_FOR: '3s',
  SCHEDULE_MIN_INTERVAL: '2s',
};

interface AttemptBody {
  attempt: number;
  started_at: string;
  finished_at: string | null;
  status_code: number | null;
  error: string | null;
}

interface DeliveriesBody {
  job_id: string;
  webhook: { url: string; secret_set: boolean } | null;
  deliveries: {
    delivery_id: string;
    event: string;
    state: string;
    next_attempt_at: string | null;
    delivered_at: string | null;
    attempts: AttemptBody[];
  }[];
}

/** An export of its own folder, so no two tests' jobs count as identical (409). */
const exportIn = (directory: string, ...filters: string[]) => ({
  include_filter_resources: ['genesyscloud_user', ...filters],
  directory,
});

describe('webhooks (real HTTP, PostgreSQL, the Terraform stand-in and a receiver on 127.0.0.1)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  /** Every answer the tests got, to look for the secret in. */
  const answers: string[] = [];
  const seen = (res: Response): Response => {
    answers.push(`${JSON.stringify(res.headers)}\n${res.text}`);
    return res;
  };

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await startTestApp({ env: WEBHOOK_ENV });
  });
  afterAll(async () => {
    await t.dispose();
    await receiver.close();
  });

  async function createExport(body: object, path: string, secret = SECRET): Promise<string> {
    const res = seen(
      await t.http.post('/api/v1/exports').send({ ...body, webhook: { url: receiver.url(path), secret } }),
    );
    expect(res.status).toBe(202);
    expect(res.body.webhook).toEqual({ url: receiver.url(path), secret_set: true });
    return res.body.job_id as string;
  }

  async function deliveriesOf(jobId: string): Promise<DeliveriesBody> {
    const res = seen(await t.http.get(`/api/v1/exports/${jobId}/webhook-deliveries`));
    expect(res.status).toBe(200);
    return res.body as DeliveriesBody;
  }

  /** Polls the job's deliveries (bounded) until the delivery is in `state`. */
  async function waitForDelivery(jobId: string, state: string, timeoutMs = 30_000): Promise<DeliveriesBody> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const body = await deliveriesOf(jobId);
      if (body.deliveries[0]?.state === state) return body;
      if (Date.now() > deadline)
        throw new Error(`delivery of ${jobId} not ${state}: ${JSON.stringify(body)}`);
      await sleep(100);
    }
  }

  const payloadOf = (request: ReceivedRequest) => JSON.parse(request.body) as Record<string, unknown>;

  it("a completed job's end is POSTed once, signed over the timestamp and the body, and listed on the job", async () => {
    const id = await createExport(exportIn('completed'), '/completed');
    const job = await waitForJob(t.http, id);
    expect(job.status).toBe('completed');
    const delivered = await waitForDelivery(id, 'delivered');
    const [request] = receiver.received('/completed');
    expect(receiver.received('/completed')).toHaveLength(1);
    expect(signatureProblem(request, SECRET)).toBeUndefined();
    expect(signatureProblem(request, 'another-secret-0123456789')).toMatch(/does not match/);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-id']).toBe(delivered.deliveries[0].delivery_id);
    expect(payloadOf(request)).toEqual({
      event: 'job.completed',
      delivery_id: delivered.deliveries[0].delivery_id,
      job_id: id,
      status: 'completed',
      error: null,
      ended_at: job.completed_at,
      schedule_id: null,
      changes: null,
      links: {
        job: `/api/v1/exports/${id}`,
        results: `/api/v1/exports/${id}/results`,
        download: `/api/v1/exports/${id}/download`,
      },
    });
    expect(delivered).toEqual({
      job_id: id,
      webhook: { url: receiver.url('/completed'), secret_set: true },
      deliveries: [
        {
          delivery_id: expect.any(String),
          event: 'job.completed',
          state: 'delivered',
          next_attempt_at: null,
          delivered_at: expect.any(String),
          attempts: [
            {
              attempt: 1,
              started_at: expect.any(String),
              finished_at: expect.any(String),
              status_code: 200,
              error: null,
            },
          ],
        },
      ],
    });
  });

  it("a failed job's end carries its error; a cancelled job's its cancellation; neither links to results", async () => {
    const failing = await createExport(exportIn('failed', 'genesyscloud_group::standin:fail'), '/failed');
    const failed = await waitForJob(t.http, failing);
    expect(failed.status).toBe('failed');
    await waitForDelivery(failing, 'delivered');
    const [failure] = receiver.received('/failed');
    expect(signatureProblem(failure, SECRET)).toBeUndefined();
    expect(payloadOf(failure)).toMatchObject({
      event: 'job.failed',
      job_id: failing,
      status: 'failed',
      error: failed.error,
      ended_at: failed.completed_at,
      links: { job: `/api/v1/exports/${failing}` },
    });
    expect(failed.error).toBeTruthy();
    expect(payloadOf(failure).links).not.toHaveProperty('download');

    const hanging = await createExport(
      exportIn('cancelled', 'genesyscloud_group::standin:hang'),
      '/cancelled',
    );
    await waitForPhase(t.http, hanging, 'exporting');
    expect(seen(await t.http.delete(`/api/v1/exports/${hanging}`)).status).toBe(200);
    const cancelled = await waitForJob(t.http, hanging);
    await waitForDelivery(hanging, 'delivered');
    expect(payloadOf(receiver.received('/cancelled')[0])).toMatchObject({
      event: 'job.cancelled',
      status: 'cancelled',
      error: null,
      ended_at: cancelled.cancelled_at,
    });
  });

  it('a receiver answering 500 twice and then 200 gets three attempts of the same delivery, each recorded', async () => {
    receiver.answer('/flaky', [500, 500, 200]);
    const id = await createExport(exportIn('flaky'), '/flaky');
    await waitForJob(t.http, id);
    const { deliveries } = await waitForDelivery(id, 'delivered');
    const requests = receiver.received('/flaky');
    expect(requests.map((request) => request.answered)).toEqual([500, 500, 200]);
    for (const request of requests) expect(signatureProblem(request, SECRET)).toBeUndefined();
    // The same delivery each time: one id, one body; only the timestamp (and so the signature) is new.
    expect(new Set(requests.map((request) => request.headers['webhook-id'])).size).toBe(1);
    expect(new Set(requests.map((request) => request.body)).size).toBe(1);
    expect(
      deliveries[0].attempts.map(({ attempt, status_code, error }) => ({ attempt, status_code, error })),
    ).toEqual([
      { attempt: 1, status_code: 500, error: 'answered 500' },
      { attempt: 2, status_code: 500, error: 'answered 500' },
      { attempt: 3, status_code: 200, error: null },
    ]);
    for (const attempt of deliveries[0].attempts) expect(attempt.finished_at).not.toBeNull();
  });

  it('a redirect is not followed: its target is never called, each 302 is a failed attempt, and after WEBHOOK_RETRY_FOR the delivery failed', async () => {
    receiver.answer('/moved', [302], { Location: receiver.url('/moved-here') });
    const id = await createExport(exportIn('moved'), '/moved');
    await waitForJob(t.http, id);
    const { deliveries } = await waitForDelivery(id, 'failed');
    expect(receiver.received('/moved-here')).toEqual([]);
    expect(deliveries[0].attempts.length).toBeGreaterThan(1);
    expect(deliveries[0].attempts.length).toBe(receiver.received('/moved').length);
    for (const attempt of deliveries[0].attempts) {
      expect(attempt).toMatchObject({
        status_code: 302,
        error: 'answered 302, a redirect: redirects are not followed',
      });
    }
    expect(deliveries[0]).toMatchObject({ state: 'failed', next_attempt_at: null, delivered_at: null });
  });

  it('a webhook whose host is not in WEBHOOK_ALLOWED_HOSTS is refused at once, naming the host and the setting; so are URLs that are not http(s) or carry credentials', async () => {
    const before = (await t.http.get('/api/v1/exports?limit=100')).body.jobs.length as number;
    const port = receiver.host.split(':')[1];
    const outside = { url: `http://localhost:${port}/outside`, secret: SECRET };
    const refused = seen(
      await t.http.post('/api/v1/exports').send({ ...exportIn('outside'), webhook: outside }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      type: 'urn:genesyscloud-export-server:problem:webhook-host-not-allowed',
      host: `localhost:${port}`,
      detail: expect.stringContaining(
        `localhost:${port} is not one this server may call (WEBHOOK_ALLOWED_HOSTS)`,
      ),
    });
    const schedule = seen(
      await t.http.post('/api/v1/schedules').send({
        name: 'outside',
        cron: '0 2 * * *',
        time_zone: 'UTC',
        export: exportIn('outside'),
        webhook: outside,
      }),
    );
    expect(schedule.status).toBe(400);
    expect(schedule.body.type).toBe('urn:genesyscloud-export-server:problem:webhook-host-not-allowed');

    const invalid: [object, string, RegExp][] = [
      [{ url: 'ftp://127.0.0.1/hook', secret: SECRET }, '/webhook/url', /http or https/],
      [{ url: `http://user:pw@${receiver.host}/hook`, secret: SECRET }, '/webhook/url', /credentials/],
      [{ url: 'not a url', secret: SECRET }, '/webhook/url', /absolute http or https URL/],
      [{ url: receiver.url('/hook'), secret: 'too-short' }, '/webhook/secret', /16 to 256 characters/],
      [{ url: receiver.url('/hook') }, '/webhook/secret', /must be a string/],
    ];
    for (const [webhook, pointer, detail] of invalid) {
      const res = seen(await t.http.post('/api/v1/exports').send({ ...exportIn('invalid'), webhook }));
      expect([res.status, res.body.type]).toEqual([
        400,
        'urn:genesyscloud-export-server:problem:invalid-request',
      ]);
      expect(res.body.errors).toEqual([{ pointer, detail: expect.stringMatching(detail) }]);
    }
    expect((await t.http.get('/api/v1/exports?limit=100')).body.jobs).toHaveLength(before);
    expect(receiver.received('/outside')).toEqual([]);
  });

  it("a scheduled run's end is delivered with the schedule's id and the run's change summary", async () => {
    const schedulePath = '/scheduled';
    const created = seen(
      await t.http.post('/api/v1/schedules').send({
        name: 'every two seconds, with a webhook',
        cron: '*/2 * * * * *',
        time_zone: 'UTC',
        keep_runs: 10,
        export: exportIn('scheduled', 'genesyscloud_group'),
        webhook: { url: receiver.url(schedulePath), secret: SECRET },
      }),
    );
    expect(created.status).toBe(201);
    expect(created.body.webhook).toEqual({ url: receiver.url(schedulePath), secret_set: true });
    const scheduleId = created.body.schedule_id as string;
    // Two completed runs: the second has a change summary against the first.
    await receiver.waitFor(
      schedulePath,
      (requests) => requests.filter((request) => payloadOf(request).status === 'completed').length >= 2,
      60_000,
    );
    const paused = seen(
      await t.http.patch(`/api/v1/schedules/${scheduleId}`).send({ paused: true, webhook: null }),
    );
    expect([paused.status, paused.body.webhook]).toEqual([200, null]);
    const runs = seen(await t.http.get(`/api/v1/schedules/${scheduleId}/runs?limit=100`)).body.runs as {
      job_id: string | null;
      changes: Record<string, unknown> | null;
    }[];
    for (const run of runs) if (run.job_id) await waitForJob(t.http, run.job_id);

    const delivered = receiver.received(schedulePath);
    for (const request of delivered) expect(signatureProblem(request, SECRET)).toBeUndefined();
    // One delivery per run's job, each with what the run recorded.
    expect(new Set(delivered.map((request) => payloadOf(request).job_id)).size).toBe(delivered.length);
    for (const payload of delivered.map(payloadOf)) {
      const run = runs.find((candidate) => candidate.job_id === payload.job_id);
      expect(run).toBeDefined();
      expect(payload).toMatchObject({
        event: 'job.completed',
        schedule_id: scheduleId,
        changes: run!.changes,
      });
    }
    // The first run has nothing to compare with; the next compare with the run before (the same fake org).
    expect(delivered.map((request) => payloadOf(request).changes)).toEqual(
      expect.arrayContaining([null, {}]),
    );
  });

  it("an expired job's deliveries go with its files", async () => {
    const id = await createExport(exportIn('expiring'), '/expiring');
    await waitForJob(t.http, id);
    await waitForDelivery(id, 'delivered');
    await t.app.get(RetentionService).cleanUp(new Date(Date.now() + 30 * 24 * 3600 * 1000));
    const after = await deliveriesOf(id);
    expect(after).toEqual({ job_id: id, webhook: null, deliveries: [] });
  });

  it('no answer ever showed the secret', () => {
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((text) => text.includes(SECRET))).toEqual([]);
  });
});

describe('a delivery outlives its server', () => {
  it('a delivery the receiver refused is made by the next server started on the database', async () => {
    const receiver = await WebhookReceiver.start();
    receiver.answer('/later', [503]);
    const first = await startTestApp({
      env: { ...WEBHOOK_ENV, WEBHOOK_RETRY_FOR: '1h', WEBHOOK_RETRY_DELAY: '1s' },
    });
    try {
      const created = await first.http
        .post('/api/v1/exports')
        .send({ ...exportIn('restart'), webhook: { url: receiver.url('/later'), secret: SECRET } });
      expect(created.status).toBe(202);
      await waitForJob(first.http, created.body.job_id);
      await receiver.waitFor('/later', (requests) => requests.length >= 1);
      await first.close();
      receiver.answer('/later', [200]);
      const second = await startTestApp({
        env: WEBHOOK_ENV,
        database: first.database,
        exportBaseDir: first.exportBaseDir,
      });
      try {
        await receiver.waitFor('/later', (requests) => requests.some((request) => request.answered === 200));
        const requests = receiver.received('/later');
        expect(new Set(requests.map((request) => request.headers['webhook-id'])).size).toBe(1);
        for (const request of requests) expect(signatureProblem(request, SECRET)).toBeUndefined();
      } finally {
        await second.dispose();
      }
    } finally {
      await first.dispose();
      await receiver.close();
    }
  });
});

describe('webhooks off (WEBHOOK_ALLOWED_HOSTS empty)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: ENV_CREDENTIALS });
  });
  afterAll(() => t.dispose());

  it('a request naming a webhook is refused with a problem saying why; one without is served', async () => {
    const webhook = { url: 'http://127.0.0.1:9/hook', secret: SECRET };
    const exported = await t.http.post('/api/v1/exports').send({ ...exportIn('off'), webhook });
    expect(exported.status).toBe(422);
    expect(exported.body).toMatchObject({
      type: 'urn:genesyscloud-export-server:problem:webhooks-disabled',
      detail: expect.stringContaining('WEBHOOK_ALLOWED_HOSTS is empty'),
    });
    const scheduled = await t.http
      .post('/api/v1/schedules')
      .send({ name: 'off', cron: '0 2 * * *', time_zone: 'UTC', export: exportIn('off'), webhook });
    expect([scheduled.status, scheduled.body.type]).toEqual([
      422,
      'urn:genesyscloud-export-server:problem:webhooks-disabled',
    ]);
    const plain = await t.http.post('/api/v1/exports').send(exportIn('off'));
    expect(plain.status).toBe(202);
    expect(plain.body).not.toHaveProperty('webhook');
    await waitForJob(t.http, plain.body.job_id);
    expect((await t.http.get(`/api/v1/exports/${plain.body.job_id}/webhook-deliveries`)).body).toEqual({
      job_id: plain.body.job_id,
      webhook: null,
      deliveries: [],
    });
  });
});
