import { withClient } from '../support/test-database';
import { waitForJob } from '../support/jobs';
import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';

const SLOW = { include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:sleep=1500'] };

describe('idempotency and conflicting jobs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: ENV_CREDENTIALS });
  });
  afterAll(() => t.dispose());

  const post = (body: object, key?: string, token?: string) => {
    const req = t.http.post('/api/v1/exports');
    if (key) req.set('Idempotency-Key', key);
    if (token) req.set('Authorization', `Bearer ${token}`);
    return req.send(body);
  };

  it('the same key and body replay the first answer, creating no second job', async () => {
    const first = await post({ ...SLOW, directory: 'idem' }, 'key-1');
    expect(first.status).toBe(202);
    // Same parameters, spelled differently: another key order and an explicit null.
    const again = await post({ directory: './idem', export_format: null, ...SLOW }, 'key-1');
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(first.headers.location);
    const count = await withClient(t.databaseUrl, (c) =>
      c.query("SELECT count(*)::int AS n FROM export_jobs WHERE parameters->>'directory' = 'idem'"),
    );
    expect(count.rows[0].n).toBe(1);
    await waitForJob(t.http, first.body.job_id);
    // Still the same job after it finished.
    expect((await post({ ...SLOW, directory: 'idem' }, 'key-1')).body.job_id).toBe(first.body.job_id);
  });

  it('the same key with another body is 422', async () => {
    await post({ directory: 'k2a' }, 'key-2').expect(202);
    const res = await post({ directory: 'k2b' }, 'key-2');
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('keys are scoped to the principal', async () => {
    const mine = await post({ directory: 'scoped' }, 'shared-key', 'token-one');
    const theirs = await post({ directory: 'scoped' }, 'shared-key', 'token-two');
    expect(mine.status).toBe(202);
    expect(theirs.status).toBe(202);
    expect(theirs.body.job_id).not.toBe(mine.body.job_id);
  });

  it('keys older than 24 h are forgotten', async () => {
    const first = await post({ directory: 'old-key' }, 'key-old');
    await waitForJob(t.http, first.body.job_id);
    await withClient(t.databaseUrl, (c) =>
      c.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'key-old'"),
    );
    const later = await post({ directory: 'old-key' }, 'key-old');
    expect(later.status).toBe(202);
    expect(later.body.job_id).not.toBe(first.body.job_id);
  });

  it('400 for a malformed Idempotency-Key', async () => {
    expect((await post({}, 'x'.repeat(300))).status).toBe(400);
  });

  it('409 naming the job when the same principal already has an identical unfinished export', async () => {
    const first = await post({ ...SLOW, directory: 'dup' });
    const second = await post({ ...SLOW, directory: 'dup' });
    expect(second.status).toBe(409);
    expect(second.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(second.body).toMatchObject({ status: 409, job_id: first.body.job_id });
    expect(second.body.detail).toContain(first.body.job_id);
    // Another principal, or once the first has finished, is fine.
    expect((await post({ ...SLOW, directory: 'dup' }, undefined, 'someone-else')).status).toBe(202);
    await waitForJob(t.http, first.body.job_id);
    expect((await post({ ...SLOW, directory: 'dup' })).status).toBe(202);
  });

  it('concurrent identical requests create exactly one job', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => post({ ...SLOW, directory: 'race' })));
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409, 409, 409, 409, 409]);
  });
});
