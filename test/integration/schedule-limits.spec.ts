import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';

const LIMITED_ENV = { ...ENV_CREDENTIALS, MAX_SCHEDULES_PER_OWNER: '3' };
const SCHEDULE = { name: 'Nightly', cron: '0 2 * * *', time_zone: 'UTC', export: {} };

describe('MAX_SCHEDULES_PER_OWNER (two servers, one database)', () => {
  let one: TestApp;
  let two: TestApp;
  beforeAll(async () => {
    one = await startTestApp({ env: LIMITED_ENV });
    two = await startTestApp({ env: LIMITED_ENV, database: one.database, exportBaseDir: one.exportBaseDir });
  });
  afterAll(async () => {
    await two.close();
    await one.dispose();
  });

  const post = (app: TestApp, auth?: string) => {
    const req = app.http.post('/api/v1/schedules').send(SCHEDULE);
    return auth ? req.set('Authorization', auth) : req;
  };
  const listed = async (auth?: string) => {
    const req = one.http.get('/api/v1/schedules?limit=100');
    if (auth) req.set('Authorization', auth);
    return ((await req).body.schedules as { schedule_id: string }[]).map((schedule) => schedule.schedule_id);
  };

  it('concurrent creates on both servers never exceed it: the rest are a 409 problem that names the setting', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, (_, index) => post(index % 2 ? one : two)));
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses).toEqual([201, 201, 201, 409, 409, 409, 409, 409, 409, 409]);
    const refused = answers.find((res) => res.status === 409)!;
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      type: 'urn:genesyscloud-export-server:problem:too-many-schedules',
      status: 409,
      detail: expect.stringMatching(
        /You already have 3 schedules.*\(MAX_SCHEDULES_PER_OWNER\); delete one first/,
      ),
      limit: 3,
    });
    expect(await listed()).toHaveLength(3);
  });

  it('it is per owner; deleting a schedule makes room for one more', async () => {
    // Another caller (its own bearer token) has its own three.
    const other = 'Bearer another-owner-0123456789';
    for (let index = 0; index < 3; index += 1) expect((await post(two, other)).status).toBe(201);
    expect((await post(one, other)).status).toBe(409);
    expect(await listed(other)).toHaveLength(3);

    const [oldest] = (await listed()).slice(-1);
    expect((await two.http.delete(`/api/v1/schedules/${oldest}`)).status).toBe(204);
    const [again, beyond] = [await post(one), await post(two)];
    expect([again.status, beyond.status]).toEqual([201, 409]);
  });
});
