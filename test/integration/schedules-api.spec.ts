import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';

const PROBLEM = /^application\/problem\+json/;
const NIGHTLY = {
  name: 'Nightly backup',
  cron: '0 2 * * *',
  time_zone: 'Europe/Berlin',
  keep_runs: 3,
  export: { include_filter_resources: ['genesyscloud_user'], export_format: 'HCL' },
};

describe('schedules API (real HTTP and PostgreSQL)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: ENV_CREDENTIALS });
  });
  afterAll(() => t.dispose());

  async function create(body: object = NIGHTLY, auth?: string): Promise<Record<string, unknown>> {
    const req = t.http.post('/api/v1/schedules').send(body);
    if (auth) req.set('Authorization', auth);
    const res = await req;
    expect(res.status).toBe(201);
    return res.body as Record<string, unknown>;
  }

  describe('create, read, list, delete', () => {
    it('POST answers 201 with the schedule, its next run in its time zone, and a Location', async () => {
      const res = await t.http.post('/api/v1/schedules').send(NIGHTLY);
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`/api/v1/schedules/${res.body.schedule_id}`);
      expect(res.body).toEqual({
        schedule_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Nightly backup',
        cron: '0 2 * * *',
        time_zone: 'Europe/Berlin',
        // The export is stored as POST /api/v1/exports would store it (the format in lower case).
        export: { include_filter_resources: ['genesyscloud_user'], export_format: 'hcl' },
        keep_runs: 3,
        paused: false,
        webhook: null,
        owner: { kind: 'service', id: 'service', name: null, organization_id: null },
        next_run_at: expect.any(String),
        last_run_at: null,
        missed_runs: { count: 0, last_missed_at: null },
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const next = new Date(res.body.next_run_at);
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(next.getTime()).toBeLessThanOrEqual(Date.now() + 25 * 3600_000);
      const berlin = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Berlin',
        hour: '2-digit',
        minute: '2-digit',
      }).format(next);
      expect(berlin).toBe('02:00');
    });

    it('keep_runs defaults to 7; GET answers the schedule as POST did', async () => {
      const { keep_runs: _keepRuns, ...withoutKeep } = NIGHTLY;
      const created = await create(withoutKeep);
      expect(created.keep_runs).toBe(7);
      const res = await t.http.get(`/api/v1/schedules/${String(created.schedule_id)}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(created);
    });

    it('GET /api/v1/schedules pages newest first with next_cursor and a Link, like the export list', async () => {
      const ids = [];
      for (let index = 0; index < 3; index += 1) {
        ids.push((await create({ ...NIGHTLY, name: `paged ${index}` })).schedule_id);
      }
      const first = await t.http.get('/api/v1/schedules?limit=2');
      expect(first.status).toBe(200);
      expect(first.body.schedules.map((s: { schedule_id: string }) => s.schedule_id)).toEqual([
        ids[2],
        ids[1],
      ]);
      expect(first.body).toMatchObject({ limit: 2, has_more: true, next_cursor: expect.any(String) });
      expect(first.headers.link).toBe(`<${first.body.next}>; rel="next"`);
      const second = await t.http.get(first.body.next);
      expect(second.status).toBe(200);
      expect(second.body.schedules[0].schedule_id).toBe(ids[0]);
    });

    it('a cursor this server did not make is a 400 problem', async () => {
      const res = await t.http.get('/api/v1/schedules?cursor=bm90LWEtY3Vyc29y');
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('urn:genesyscloud-export-server:problem:invalid-cursor');
    });

    it('DELETE answers 204; the schedule is gone (404 problem), as is an unknown id', async () => {
      const { schedule_id: id } = await create();
      const deleted = await t.http.delete(`/api/v1/schedules/${String(id)}`);
      expect(deleted.status).toBe(204);
      for (const path of [`/api/v1/schedules/${String(id)}`, '/api/v1/schedules/not-a-uuid']) {
        const res = await t.http.get(path);
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toMatch(PROBLEM);
        expect(res.body.type).toBe('urn:genesyscloud-export-server:problem:schedule-not-found');
      }
      expect((await t.http.get(`/api/v1/schedules/${String(id)}/runs`)).status).toBe(404);
    });

    it('GET /runs of a new schedule is an empty page', async () => {
      const { schedule_id: id } = await create();
      const res = await t.http.get(`/api/v1/schedules/${String(id)}/runs`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ runs: [], limit: 20, has_more: false, next_cursor: null, next: null });
    });
  });

  describe('validation: 400 problems that point at the field', () => {
    it.each([
      ['a cron that never fires', { cron: '0 0 30 2 *' }, '/cron', /never fires/],
      ['a cron croner cannot read', { cron: '61 * * * *' }, '/cron', /not a cron expression.*minute: 61/],
      ['a cron of 7 fields', { cron: '0 0 2 * * * 2030' }, '/cron', /5 fields .* or 6/],
      [
        'more runs an hour than SCHEDULE_MIN_INTERVAL allows',
        { cron: '*/20 * * * * *' },
        '/cron',
        /at least 60 s apart \(SCHEDULE_MIN_INTERVAL\), at most 60 runs an hour/,
      ],
      ['an unknown time zone', { time_zone: 'Mars/Olympus_Mons' }, '/time_zone', /not an IANA time zone/],
      [
        'a time zone that is not an IANA name',
        { time_zone: '+02:00' },
        '/time_zone',
        /not an IANA time zone/,
      ],
      ['keep_runs 0', { keep_runs: 0 }, '/keep_runs', /keep_runs must not be less than 1/],
      ['an empty name', { name: '' }, '/name', /name must be longer than or equal to 1/],
      [
        'an invalid export parameter',
        { export: { export_format: 'yaml' } },
        '/export/export_format',
        /one of/,
      ],
      ['an export that is not an object', { export: [] }, '/export', /export must be an object/],
      ['an unknown field', { colour: 'blue' }, '/colour', /should not exist/],
    ])('%s', async (_case, change, pointer, detail) => {
      const res = await t.http.post('/api/v1/schedules').send({ ...NIGHTLY, ...change });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.type).toBe('urn:genesyscloud-export-server:problem:invalid-request');
      expect(res.body.errors).toEqual([{ pointer, detail: expect.stringMatching(detail) }]);
    });

    it('name, cron, time_zone and export are required', async () => {
      const res = await t.http.post('/api/v1/schedules').send({});
      expect(res.status).toBe(400);
      const pointers = (res.body.errors as { pointer: string }[]).map((error) => error.pointer);
      expect([...new Set(pointers)].sort()).toEqual(['/cron', '/export', '/name', '/time_zone']);
    });
  });

  describe('PATCH: pause, resume, change', () => {
    it('pausing clears the next run; resuming sets it from now', async () => {
      const { schedule_id: id } = await create();
      const paused = await t.http.patch(`/api/v1/schedules/${String(id)}`).send({ paused: true });
      expect(paused.status).toBe(200);
      expect(paused.body).toMatchObject({ paused: true, next_run_at: null });
      const resumed = await t.http.patch(`/api/v1/schedules/${String(id)}`).send({ paused: false });
      expect(resumed.status).toBe(200);
      expect(resumed.body.paused).toBe(false);
      expect(new Date(resumed.body.next_run_at).getTime()).toBeGreaterThan(Date.now());
    });

    it('a new cron and time zone move the next run; other fields change alone', async () => {
      const { schedule_id: id } = await create();
      const res = await t.http
        .patch(`/api/v1/schedules/${String(id)}`)
        .send({ cron: '30 6 * * *', time_zone: 'UTC', name: 'Morning', keep_runs: 1, export: {} });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        cron: '30 6 * * *',
        time_zone: 'UTC',
        name: 'Morning',
        keep_runs: 1,
        export: {},
      });
      expect(res.body.next_run_at).toMatch(/T06:30:00\.000Z$/);
    });

    it('the same validation as POST; null is no value', async () => {
      const { schedule_id: id } = await create();
      for (const [body, pointer] of [
        [{ cron: '0 0 31 4 *' }, '/cron'],
        [{ time_zone: 'Europe/Atlantis' }, '/time_zone'],
        [{ name: null }, '/name'],
        [{ paused: 'yes' }, '/paused'],
      ] as const) {
        const res = await t.http.patch(`/api/v1/schedules/${String(id)}`).send(body);
        expect(res.status).toBe(400);
        expect(res.body.errors[0].pointer).toBe(pointer);
      }
      expect((await t.http.get(`/api/v1/schedules/${String(id)}`)).body.name).toBe('Nightly backup');
    });
  });

  describe('ownership', () => {
    it("another caller's schedule is unknown to it: 404 for GET, PATCH, DELETE and runs; not listed", async () => {
      const { schedule_id: id } = await create(NIGHTLY, 'Bearer owner-token-0123456789');
      expect(
        (
          await t.http
            .get(`/api/v1/schedules/${String(id)}`)
            .set('Authorization', 'Bearer owner-token-0123456789')
        ).status,
      ).toBe(200);
      const other = 'Bearer someone-else-0123456789';
      expect((await t.http.get(`/api/v1/schedules/${String(id)}`).set('Authorization', other)).status).toBe(
        404,
      );
      expect(
        (await t.http.get(`/api/v1/schedules/${String(id)}/runs`).set('Authorization', other)).status,
      ).toBe(404);
      expect(
        (
          await t.http
            .patch(`/api/v1/schedules/${String(id)}`)
            .set('Authorization', other)
            .send({ paused: true })
        ).status,
      ).toBe(404);
      expect(
        (await t.http.delete(`/api/v1/schedules/${String(id)}`).set('Authorization', other)).status,
      ).toBe(404);
      const listed = await t.http.get('/api/v1/schedules').set('Authorization', other);
      expect(listed.body.schedules).toEqual([]);
    });
  });

  describe('a server without client credentials', () => {
    let bare: TestApp;
    beforeAll(async () => {
      bare = await startTestApp();
    });
    afterAll(() => bare.dispose());

    it('refuses to create a schedule with a 409 problem that says why', async () => {
      const res = await bare.http
        .post('/api/v1/schedules')
        .set('Authorization', 'Bearer a-token-0123456789')
        .send(NIGHTLY);
      expect(res.status).toBe(409);
      expect(res.body.type).toBe('urn:genesyscloud-export-server:problem:schedules-need-server-credentials');
      expect(res.body.detail).toMatch(/GENESYSCLOUD_OAUTHCLIENT_ID/);
    });
  });
});
