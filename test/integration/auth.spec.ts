import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { waitForJob } from '../support/jobs';
import { ENV_CREDENTIALS, startTestApp, TEST_TOKEN, TestApp } from '../support/test-app';

const ENV_REPORT = {
  include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:env-report'],
};

async function envReport(t: TestApp, jobId: string): Promise<string[]> {
  const file = path.join(t.exportBaseDir, jobId, 'genesyscloud', 'env-report.json');
  return (JSON.parse(await readFile(file, 'utf8')) as { names: string[] }).names;
}

describe('authentication', () => {
  describe('with server credentials configured', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: ENV_CREDENTIALS });
    });
    afterAll(() => t.dispose());

    it("runs a bearer-token export with the caller's token, not the server's client credentials", async () => {
      const res = await t.http
        .post('/api/v1/exports')
        .set('Authorization', `Bearer ${TEST_TOKEN}`)
        .send(ENV_REPORT);
      expect(res.status).toBe(202);
      const job = await waitForJob(t.http, res.body.job_id, undefined, { auth: `Bearer ${TEST_TOKEN}` });
      expect(job.status).toBe('completed');
      const names = await envReport(t, res.body.job_id);
      expect(names).toEqual(expect.arrayContaining(['GENESYSCLOUD_ACCESS_TOKEN', 'GENESYSCLOUD_REGION']));
      expect(names).not.toContain('GENESYSCLOUD_OAUTHCLIENT_SECRET');
      expect(names).not.toContain('DATABASE_URL');
    });

    it("falls back to the server's client credentials without a token", async () => {
      const res = await t.http.post('/api/v1/exports').send(ENV_REPORT);
      expect(res.status).toBe(202);
      const job = await waitForJob(t.http, res.body.job_id);
      expect(job.status).toBe('completed');
      const names = await envReport(t, res.body.job_id);
      expect(names).toEqual(
        expect.arrayContaining([
          'GENESYSCLOUD_OAUTHCLIENT_ID',
          'GENESYSCLOUD_OAUTHCLIENT_SECRET',
          'GENESYSCLOUD_REGION',
        ]),
      );
      expect(names).not.toContain('GENESYSCLOUD_ACCESS_TOKEN');
      expect(names).not.toContain('DATABASE_URL');
    });

    it.each([
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer ',
      'Bearer a b',
      'token abc',
      `Bearer ${'x'.repeat(5000)}`,
    ])('a malformed Authorization header (%s) is 401', async (header) => {
      const res = await t.http.post('/api/v1/exports').set('Authorization', header).send({});
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    });

    it('a job is visible only to the principal that created it', async () => {
      const mine = await t.http
        .post('/api/v1/exports')
        .set('Authorization', 'Bearer token-of-alice')
        .send({});
      const id = mine.body.job_id;
      await waitForJob(t.http, id, undefined, { auth: 'Bearer token-of-alice' });
      const unknown = await t.http.get('/api/v1/exports/00000000-0000-4000-8000-000000000000');
      for (const auth of ['Bearer token-of-bob', undefined]) {
        for (const [method, suffix] of [
          ['get', ''],
          ['delete', ''],
          ['get', '/results'],
          ['get', '/download'],
          ['get', '/logs'],
          ['get', '/events'],
        ] as const) {
          const req = t.http[method](`/api/v1/exports/${id}${suffix}`);
          if (auth) req.set('Authorization', auth);
          const res = await req;
          // Exactly as for an id that does not exist: nothing tells the job exists.
          expect({ route: `${method} ${suffix}`, status: res.status, type: res.body.type }).toEqual({
            route: `${method} ${suffix}`,
            status: 404,
            type: unknown.body.type,
          });
          expect(res.headers['job-status']).toBeUndefined();
        }
      }
      const own = await t.http.get(`/api/v1/exports/${id}`).set('Authorization', 'Bearer token-of-alice');
      expect([200, 204]).toContain(own.status);
      const bobsList = await t.http.get('/api/v1/exports').set('Authorization', 'Bearer token-of-bob');
      expect(bobsList.body.jobs.map((j: { job_id: string }) => j.job_id)).not.toContain(id);
    });
  });

  describe('without server credentials', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        env: { GENESYSCLOUD_OAUTHCLIENT_ID: 'only-the-id', GENESYSCLOUD_REGION: 'us-east-1' },
      });
    });
    afterAll(() => t.dispose());

    it('401 problem when no token is sent and the server credentials are incomplete', async () => {
      for (const [method, url] of [
        ['post', '/api/v1/exports'],
        ['get', '/api/v1/exports'],
        ['get', '/api/v1/exports/x'],
      ] as const) {
        const res = await t.http[method](url).send();
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
        expect(res.body.detail).toMatch(/GENESYSCLOUD_OAUTHCLIENT_SECRET/);
      }
    });

    it('still accepts a bearer token', async () => {
      const res = await t.http.post('/api/v1/exports').set('Authorization', `Bearer ${TEST_TOKEN}`).send({});
      expect(res.status).toBe(202);
    });
  });

  it('401 for a bearer token when the server has no region to go with it', async () => {
    const t = await startTestApp({ env: { GENESYSCLOUD_REGION: '' } });
    try {
      const res = await t.http.post('/api/v1/exports').set('Authorization', `Bearer ${TEST_TOKEN}`).send({});
      expect(res.status).toBe(401);
      expect(res.body.detail).toMatch(/GENESYSCLOUD_REGION/);
    } finally {
      await t.dispose();
    }
  });
});
