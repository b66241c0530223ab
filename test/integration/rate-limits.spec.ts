import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { ...ENV_CREDENTIALS, RATE_LIMIT_PER_MINUTE: '12', CREATE_RATE_LIMIT_PER_MINUTE: '3' },
    });
  });
  afterAll(() => t.dispose());

  it('limits job creation more strictly than polling, per principal, with 429 problems and Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await t.http
        .post('/api/v1/exports')
        .set('Authorization', 'Bearer creator-a')
        .send({ directory: `rl-${i}` });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(res.body.status).toBe(429);
      }
    }
    expect(statuses).toEqual([202, 202, 202, 429]);

    // Polling still works for the same principal: its own, looser budget.
    expect((await t.http.get('/api/v1/exports').set('Authorization', 'Bearer creator-a')).status).toBe(200);
    // Another principal has a budget of its own.
    expect(
      (await t.http.post('/api/v1/exports').set('Authorization', 'Bearer creator-b').send({})).status,
    ).toBe(202);

    const polls: number[] = [];
    for (let i = 0; i < 13; i++)
      polls.push((await t.http.get('/api/v1/exports').set('Authorization', 'Bearer poller')).status);
    expect(polls.slice(0, 12).every((s) => s === 200)).toBe(true);
    expect(polls[12]).toBe(429);
    // Health probes are never limited.
    for (let i = 0; i < 15; i++) expect((await t.http.get('/health/live')).status).toBe(200);
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
