import { request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { FakeGenesys } from '../support/fake-genesys';
import { binaryParser, sleep } from '../support/jobs';
import { rawContractError } from '../support/openapi-contract';
import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';
import { withClient } from '../support/test-database';

/** The limits a server has when nothing is set (the test app raises them for other tests). */
const DEFAULT_LIMITS = {
  RATE_LIMIT_PER_MINUTE: '300',
  CREATE_RATE_LIMIT_PER_MINUTE: '20',
  POLL_RATE_LIMIT_PER_MINUTE: '600',
};

const randomToken = () =>
  `made-up-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

/** Sends `count` creates, each with a fresh made-up token, `parallel` at a time; counts the statuses. */
async function burstOfRandomTokenCreates(t: TestApp, count: number, parallel = 10) {
  const statuses: Record<number, number> = {};
  const retryAfters: number[] = [];
  const started = Date.now();
  for (let sent = 0; sent < count; sent += parallel) {
    const answers = await Promise.all(
      Array.from({ length: Math.min(parallel, count - sent) }, () =>
        t.http.post('/api/v1/exports').set('Authorization', `Bearer ${randomToken()}`).send({}),
      ),
    );
    for (const res of answers) {
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status === 429) {
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.status).toBe(429);
        retryAfters.push(Number(res.headers['retry-after']));
      }
    }
  }
  return { statuses, retryAfters, elapsedMs: Date.now() - started };
}

/** At 20 creates a minute a token comes back every 3 s: the most a burst may get through. */
const mostAdmitted = (elapsedMs: number) => 20 + Math.floor(elapsedMs / 3000) + 1;

async function rejectedAuditRows(t: TestApp): Promise<number> {
  return withClient(t.databaseUrl, async (c) =>
    Number(
      (await c.query("SELECT count(*) FROM job_events WHERE action = 'request.rejected'")).rows[0].count,
    ),
  );
}

describe('throttle before trust: 200 creates with random tokens from one address', () => {
  it('unverified tokens: throttled like one client (20 then 429 with a short Retry-After), no audit row each', async () => {
    const t = await startTestApp({ env: DEFAULT_LIMITS });
    try {
      const { statuses, retryAfters, elapsedMs } = await burstOfRandomTokenCreates(t, 200);
      console.log(
        `unverified, 200 random-token creates from one address: ${JSON.stringify(statuses)} in ${elapsedMs} ms`,
      );
      expect(statuses[202]).toBeGreaterThanOrEqual(20);
      expect(statuses[202]).toBeLessThanOrEqual(mostAdmitted(elapsedMs));
      expect(statuses[429]).toBe(200 - statuses[202]);
      expect(Math.max(...retryAfters)).toBeLessThanOrEqual(3);
      expect(await rejectedAuditRows(t)).toBe(0);
      expect((await t.http.get('/metrics')).text).toContain(
        `http_requests_rejected_total{status="429",reason="rate-limited"} ${statuses[429]}`,
      );
    } finally {
      await t.dispose();
    }
  });

  it('verified tokens: 401 for those admitted, 429 for the rest, no job and no audit row', async () => {
    const genesys = await FakeGenesys.start();
    const t = await startTestApp({ env: { ...DEFAULT_LIMITS, GENESYSCLOUD_API_URL: genesys.url } });
    try {
      const { statuses, elapsedMs } = await burstOfRandomTokenCreates(t, 200);
      console.log(
        `verified, 200 random-token creates from one address: ${JSON.stringify(statuses)} in ${elapsedMs} ms`,
      );
      expect(statuses[401]).toBeGreaterThanOrEqual(20);
      expect(statuses[401]).toBeLessThanOrEqual(mostAdmitted(elapsedMs));
      expect(statuses[429]).toBe(200 - statuses[401]);
      // Throttled requests never reach Genesys Cloud.
      expect(genesys.callsTo('GET /api/v2/tokens/me')).toBe(statuses[401]);
      const jobs = await withClient(
        t.databaseUrl,
        async (c) => (await c.query('SELECT count(*) FROM export_jobs')).rows[0],
      );
      expect(Number(jobs.count)).toBe(0);
      expect(await rejectedAuditRows(t)).toBe(0);
    } finally {
      await t.dispose();
      await genesys.close();
    }
  });
});

describe('budgets', () => {
  it('a client that starts 20 jobs at once and follows Retry-After on each never sees 429 (defaults)', async () => {
    const genesys = await FakeGenesys.start();
    const t = await startTestApp({ env: { ...DEFAULT_LIMITS, GENESYSCLOUD_API_URL: genesys.url } });
    try {
      const auth = `Bearer ${genesys.userToken(genesys.addUser(genesys.addOrganization('CI org'), 'Pipeline user'))}`;
      const statuses: number[] = [];
      const created = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          t.http
            .post('/api/v1/exports')
            .set('Authorization', auth)
            .send({ directory: `job-${i}` }),
        ),
      );
      statuses.push(...created.map((res) => res.status));
      const follow = async (id: string) => {
        for (let poll = 0; poll < 60; poll++) {
          const res = await t.http.get(`/api/v1/exports/${id}`).set('Authorization', auth);
          statuses.push(res.status);
          if (res.status !== 200) return;
          await sleep(Number(res.headers['retry-after']) * 1000);
        }
      };
      await Promise.all(created.filter((res) => res.status === 202).map((res) => follow(res.body.job_id)));
      for (const res of created) {
        statuses.push(
          (await t.http.get(`/api/v1/exports/${res.body.job_id}/results`).set('Authorization', auth)).status,
        );
        const zip = await t.http
          .get(`/api/v1/exports/${res.body.job_id}/download`)
          .set('Authorization', auth)
          .buffer(true)
          .parse(binaryParser);
        statuses.push(zip.status);
      }
      expect(statuses.filter((s) => s === 429)).toEqual([]);
      expect(created.map((res) => res.status)).toEqual(Array(20).fill(202));
    } finally {
      await t.dispose();
      await genesys.close();
    }
  });

  it('a 429 blocks briefly (Retry-After of the next token), and only the budget that ran out', async () => {
    const t = await startTestApp({ env: { ...ENV_CREDENTIALS, CREATE_RATE_LIMIT_PER_MINUTE: '60' } });
    try {
      const auth = 'Bearer creator';
      const statuses: number[] = [];
      let refused;
      for (let i = 0; i < 300 && !refused; i++) {
        const res = await t.http
          .post('/api/v1/exports')
          .set('Authorization', auth)
          .send({ directory: `b-${i}` });
        statuses.push(res.status);
        if (res.status === 429) refused = res;
      }
      expect(refused).toBeDefined();
      expect(statuses.filter((s) => s === 202).length).toBeGreaterThanOrEqual(60);
      // 60 a minute: the next create is possible within a second, not after a minute.
      expect(refused?.headers['retry-after']).toBe('1');
      // Polls and other requests of the same caller are not blocked.
      expect((await t.http.get('/api/v1/exports').set('Authorization', auth)).status).toBe(200);
      await sleep(1000);
      expect(
        (await t.http.post('/api/v1/exports').set('Authorization', auth).send({ directory: 'after' })).status,
      ).toBe(202);
      // Health probes are never limited.
      for (let i = 0; i < 5; i++) expect((await t.http.get('/health/live')).status).toBe(200);
    } finally {
      await t.dispose();
    }
  });

  it('per-principal budgets follow the principal across client addresses', async () => {
    const t = await startTestApp({ env: { ...ENV_CREDENTIALS, CREATE_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const port = (t.app.getHttpServer().address() as AddressInfo).port;
      const createFrom = (localAddress: string, i: number) =>
        new Promise<number>((resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port,
              localAddress,
              method: 'POST',
              path: '/api/v1/exports',
              headers: { Authorization: 'Bearer roaming', 'Content-Type': 'application/json' },
            },
            (res) => {
              res.resume();
              const error = rawContractError({ method: 'POST', path: '/api/v1/exports' }, res, undefined);
              if (error) reject(error);
              else resolve(res.statusCode!);
            },
          );
          req.on('error', reject);
          req.end(JSON.stringify({ directory: `roam-${i}` }));
        });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push(await createFrom(i % 2 === 0 ? '127.0.0.2' : '127.0.0.3', i));
      // Each address alone has budget left; the principal's is spent.
      expect(statuses).toEqual([202, 202, 202, 429]);
      expect(await createFrom('127.0.0.4', 9)).toBe(429);
    } finally {
      await t.dispose();
    }
  });
});

describe('ALLOW_ENV_CREDENTIALS=false', () => {
  it('refuses requests without a bearer token even though the server has credentials', async () => {
    const t = await startTestApp({ env: { ...ENV_CREDENTIALS, ALLOW_ENV_CREDENTIALS: 'false' } });
    try {
      const res = await t.http.post('/api/v1/exports').send({});
      expect(res.status).toBe(401);
      expect(res.body.detail).toMatch(/ALLOW_ENV_CREDENTIALS=false/);
      expect((await t.http.post('/api/v1/exports').set('Authorization', 'Bearer tok').send({})).status).toBe(
        202,
      );
    } finally {
      await t.dispose();
    }
  });
});
