import { binaryParser, waitForJob } from '../support/jobs';
import { FakeGenesys } from '../support/fake-genesys';
import { startTestApp, TestApp } from '../support/test-app';
import { createTestDatabase, withClient } from '../support/test-database';

const HANG = { include_filter_resources: ['genesyscloud_user::standin:hang'] };

const bearer = (token: string) => `Bearer ${token}`;

async function countRows(t: TestApp, sql: string): Promise<number> {
  return withClient(t.databaseUrl, async (c) => Number((await c.query(sql)).rows[0].count));
}

describe('verified tokens (GENESYSCLOUD_API_URL set)', () => {
  let genesys: FakeGenesys;
  let t: TestApp;
  let org: string;
  let otherOrg: string;
  let alice: string;
  let bob: string;
  let mallory: string;
  beforeAll(async () => {
    genesys = await FakeGenesys.start();
    org = genesys.addOrganization('Acme');
    otherOrg = genesys.addOrganization('Rival');
    alice = genesys.addUser(org, 'Alice Example');
    bob = genesys.addUser(org, 'Bob Example');
    mallory = genesys.addUser(otherOrg, 'Mallory Rival');
    t = await startTestApp({ env: { GENESYSCLOUD_API_URL: genesys.url, GENESYSCLOUD_TIMEOUT: '1s' } });
  });
  afterAll(async () => {
    await t.dispose();
    await genesys.close();
  });
  afterEach(() => {
    genesys.failWith = 'nothing';
  });

  it('a made-up token gets 401 before any job exists: no job row, no audit row', async () => {
    const jobsBefore = await countRows(t, 'SELECT count(*) FROM export_jobs');
    const eventsBefore = await countRows(t, 'SELECT count(*) FROM job_events');
    for (const token of ['x', 'made-up-token-1234', genesys.userToken(alice).slice(1)]) {
      const res = await t.http.post('/api/v1/exports').set('Authorization', bearer(token)).send({});
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.body.detail).toMatch(/Genesys Cloud did not accept the bearer token \(HTTP 401\)/);
    }
    expect(await countRows(t, 'SELECT count(*) FROM export_jobs')).toBe(jobsBefore);
    expect(await countRows(t, 'SELECT count(*) FROM job_events')).toBe(eventsBefore);
    const metrics = (await t.http.get('/metrics')).text;
    expect(metrics).toMatch(/http_requests_rejected_total\{status="401",reason="unauthenticated"\} [3-9]/);
  });

  it('owns jobs by the user, so a renewed token sees, downloads and cancels the same jobs', async () => {
    const first = genesys.userToken(alice);
    const created = await t.http.post('/api/v1/exports').set('Authorization', bearer(first)).send({});
    expect(created.status).toBe(202);
    const done = await waitForJob(t.http, created.body.job_id, undefined, { auth: bearer(first) });
    expect(done.status).toBe('completed');
    expect(done.owner).toEqual({ kind: 'user', id: alice, name: 'Alice Example', organization_id: org });
    const running = await t.http.post('/api/v1/exports').set('Authorization', bearer(first)).send(HANG);
    expect(running.status).toBe(202);

    // The old token expires; the pipeline's next run logs in again.
    genesys.revoke(first);
    const renewed = genesys.userToken(alice);
    expect(
      (await t.http.get(`/api/v1/exports/${done.job_id}`).set('Authorization', bearer(renewed))).status,
    ).toBe(204);
    const list = await t.http.get('/api/v1/exports').set('Authorization', bearer(renewed));
    expect(list.body.jobs.map((j: { job_id: string }) => j.job_id)).toEqual(
      expect.arrayContaining([done.job_id, running.body.job_id]),
    );
    const zip = await t.http
      .get(`/api/v1/exports/${done.job_id}/download`)
      .set('Authorization', bearer(renewed))
      .buffer(true)
      .parse(binaryParser);
    expect(zip.status).toBe(200);
    expect(zip.body.subarray(0, 2).toString()).toBe('PK');
    const cancel = await t.http
      .delete(`/api/v1/exports/${running.body.job_id}`)
      .set('Authorization', bearer(renewed));
    expect(cancel.status).toBe(200);

    // The audit trail names who did what.
    const events = await t.http
      .get(`/api/v1/exports/${running.body.job_id}/events`)
      .set('Authorization', bearer(renewed));
    const cancelled = events.body.events.find((e: { action: string }) => e.action === 'job.cancelled');
    expect(cancelled).toMatchObject({
      principal: `user:${alice}`,
      principal_name: 'Alice Example',
      organization_id: org,
    });
  });

  it('another user of the organization, and users of other organizations, see nothing (JOB_VISIBILITY=owner)', async () => {
    const mine = await t.http
      .post('/api/v1/exports')
      .set('Authorization', bearer(genesys.userToken(alice)))
      .send({});
    for (const other of [genesys.userToken(bob), genesys.userToken(mallory)]) {
      expect(
        (await t.http.get(`/api/v1/exports/${mine.body.job_id}`).set('Authorization', bearer(other))).status,
      ).toBe(404);
      expect(
        (await t.http.delete(`/api/v1/exports/${mine.body.job_id}`).set('Authorization', bearer(other)))
          .status,
      ).toBe(404);
      const list = await t.http.get('/api/v1/exports').set('Authorization', bearer(other));
      expect(list.body.jobs.map((j: { job_id: string }) => j.job_id)).not.toContain(mine.body.job_id);
    }
  });

  it('a client-credentials token is its OAuth client, and tokens/me tells it apart without users/me', async () => {
    const client = genesys.addClient(org, 'CI pipeline');
    const usersMeBefore = genesys.callsTo('GET /api/v2/users/me');
    const res = await t.http
      .post('/api/v1/exports')
      .set('Authorization', bearer(genesys.clientToken(client.id)))
      .send({});
    expect(res.status).toBe(202);
    const renewed = genesys.clientToken(client.id);
    const job = await waitForJob(t.http, res.body.job_id, undefined, { auth: bearer(renewed) });
    expect(job.owner).toEqual({ kind: 'client', id: client.id, name: 'CI pipeline', organization_id: org });
    expect(genesys.callsTo('GET /api/v2/users/me')).toBe(usersMeBefore);
  });

  it('caches a verified token for a short time: one verification for many requests, concurrent ones included', async () => {
    const token = genesys.userToken(bob);
    const before = genesys.callsTo('GET /api/v2/tokens/me');
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => t.http.get('/api/v1/exports').set('Authorization', bearer(token))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(genesys.callsTo('GET /api/v2/tokens/me')).toBe(before + 1);
  });

  it.each([503, 500, 'hang'] as const)(
    'Genesys Cloud answering %s gives 503 with Retry-After, then recovers',
    async (failure) => {
      const token = genesys.userToken(alice);
      genesys.failWith = failure;
      const jobsBefore = await countRows(t, 'SELECT count(*) FROM export_jobs');
      const res = await t.http.post('/api/v1/exports').set('Authorization', bearer(token)).send({});
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.body.detail).toMatch(/Genesys Cloud could not be asked/);
      expect(await countRows(t, 'SELECT count(*) FROM export_jobs')).toBe(jobsBefore);
      // A failed verification is not cached.
      genesys.failWith = 'nothing';
      expect((await t.http.get('/api/v1/exports').set('Authorization', bearer(token))).status).toBe(200);
    },
  );

  it('Genesys Cloud unreachable (nothing listening) gives 503', async () => {
    const unreachable = await startTestApp({ env: { GENESYSCLOUD_API_URL: 'http://127.0.0.1:9' } });
    try {
      const res = await unreachable.http.get('/api/v1/exports').set('Authorization', bearer('some-token'));
      expect(res.status).toBe(503);
      expect(res.body.detail).toMatch(/could not connect/);
    } finally {
      await unreachable.dispose();
    }
  });

  it('readiness says tokens are verified', async () => {
    const res = await t.http.get('/health/ready');
    expect(res.body.details.authentication).toEqual({ status: 'up', tokens: 'verified' });
  });
});

describe('JOB_VISIBILITY=organization', () => {
  let genesys: FakeGenesys;
  let t: TestApp;
  beforeAll(async () => {
    genesys = await FakeGenesys.start();
    t = await startTestApp({ env: { GENESYSCLOUD_API_URL: genesys.url, JOB_VISIBILITY: 'organization' } });
  });
  afterAll(async () => {
    await t.dispose();
    await genesys.close();
  });

  it("every identity of the organization reads and cancels the org's jobs; other organizations see nothing", async () => {
    const org = genesys.addOrganization('Platform team org');
    const rival = genesys.addOrganization('Elsewhere');
    const owner = genesys.userToken(genesys.addUser(org, 'Olivia Owner'));
    const colleague = genesys.userToken(genesys.addUser(org, 'Carl Colleague'));
    const pipeline = genesys.clientToken(genesys.addClient(org, 'Nightly export').id);
    const outsider = genesys.userToken(genesys.addUser(rival, 'Oscar Outsider'));

    const job = await t.http.post('/api/v1/exports').set('Authorization', bearer(owner)).send(HANG);
    expect(job.status).toBe(202);
    const id = job.body.job_id;
    for (const token of [colleague, pipeline]) {
      expect((await t.http.get(`/api/v1/exports/${id}`).set('Authorization', bearer(token))).status).toBe(
        200,
      );
      const list = await t.http.get('/api/v1/exports').set('Authorization', bearer(token));
      expect(list.body.jobs.map((j: { job_id: string }) => j.job_id)).toContain(id);
    }
    expect((await t.http.get(`/api/v1/exports/${id}`).set('Authorization', bearer(outsider))).status).toBe(
      404,
    );
    expect((await t.http.get('/api/v1/exports').set('Authorization', bearer(outsider))).body.jobs).toEqual(
      [],
    );

    expect(
      (await t.http.delete(`/api/v1/exports/${id}`).set('Authorization', bearer(colleague))).status,
    ).toBe(200);
    const events = (await t.http.get(`/api/v1/exports/${id}/events`).set('Authorization', bearer(owner))).body
      .events;
    expect(events.find((e: { action: string }) => e.action === 'job.created')).toMatchObject({
      principal_name: 'Olivia Owner',
    });
    expect(events.find((e: { action: string }) => e.action === 'job.cancelled')).toMatchObject({
      principal_name: 'Carl Colleague',
      organization_id: org,
    });
  });
});

describe('jobs created before tokens were verified', () => {
  it('stay with the token that created them (their token-hash owner); a renewed token does not see them', async () => {
    const genesys = await FakeGenesys.start();
    const user = genesys.addUser(genesys.addOrganization('Legacy org'), 'Lena Legacy');
    const token = genesys.userToken(user);
    const database = await createTestDatabase();
    let t = await startTestApp({ database });
    const legacy = await t.http.post('/api/v1/exports').set('Authorization', bearer(token)).send({});
    await waitForJob(t.http, legacy.body.job_id, undefined, { auth: bearer(token) });
    await t.close();
    t = await startTestApp({
      database,
      exportBaseDir: t.exportBaseDir,
      env: { GENESYSCLOUD_API_URL: genesys.url },
    });
    try {
      const row = await withClient(
        t.databaseUrl,
        async (c) =>
          (
            await c.query('SELECT owner, owner_kind, owner_id FROM export_jobs WHERE id = $1', [
              legacy.body.job_id,
            ])
          ).rows[0],
      );
      expect(row.owner_kind).toBe('token');
      expect(row.owner).toMatch(/^[0-9a-f]{64}$/);
      const same = await t.http
        .get(`/api/v1/exports/${legacy.body.job_id}`)
        .set('Authorization', bearer(token));
      expect(same.status).toBe(204);
      expect(
        (await t.http.get('/api/v1/exports').set('Authorization', bearer(token))).body.jobs,
      ).toHaveLength(1);
      const renewed = genesys.userToken(user);
      expect(
        (await t.http.get(`/api/v1/exports/${legacy.body.job_id}`).set('Authorization', bearer(renewed)))
          .status,
      ).toBe(404);
    } finally {
      await t.dispose();
      await genesys.close();
    }
  });
});

describe('unverified mode (no GENESYSCLOUD_API_URL)', () => {
  it('accepts any token, owns jobs by its hash, and says so in readiness', async () => {
    const t = await startTestApp();
    try {
      const res = await t.http
        .post('/api/v1/exports')
        .set('Authorization', 'Bearer anything-at-all')
        .send({});
      expect(res.status).toBe(202);
      const job = await waitForJob(t.http, res.body.job_id, undefined, { auth: 'Bearer anything-at-all' });
      expect(job.owner).toEqual({
        kind: 'token',
        id: expect.stringMatching(/^[0-9a-f]{64}$/),
        name: null,
        organization_id: null,
      });
      const ready = await t.http.get('/health/ready');
      expect(ready.body.details.authentication).toEqual({
        status: 'up',
        tokens: 'unverified',
        detail: expect.stringMatching(/GENESYSCLOUD_API_URL is not set/),
      });
      expect(ready.body.details.credentials).toEqual({ status: 'up', state: 'not_checked' });
    } finally {
      await t.dispose();
    }
  });
});
