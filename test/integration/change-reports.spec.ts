import { waitForJob } from '../support/jobs';
import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';

const PROBLEM = /^application\/problem\+json/;
const QUEUE = 'genesyscloud_routing_queue';
const SKILL = 'genesyscloud_routing_skill';
const USER = 'genesyscloud_user';
const TYPES = { include_filter_resources: [QUEUE, SKILL, USER] };

/*
 * The stand-in's org is changed between two exports by directives (test/fixtures/terraform-standin,
 * "Test directives") carried in replace_with_datasource, where they have no other effect. Both
 * exports set a password on user 1, with different values.
 */
const BEFORE = { ...TYPES, replace_with_datasource: [`${USER}::standin:set=1.password=first-secret`] };
const AFTER = {
  ...TYPES,
  replace_with_datasource: [
    `${SKILL}::standin:extra=1`,
    `${USER}::standin:without=5`,
    `${QUEUE}::standin:set=1.description=Front line queue`,
    `${QUEUE}::standin:rename=2=Billing Queue`,
    `${USER}::standin:set=1.password=second-secret`,
  ],
};

/** What the stand-in was told to change, as a report lists it without ids (no state file). */
const TOLD_CHANGES = [
  { address: `${QUEUE}.Billing_Queue`, type: QUEUE, change: 'added' },
  {
    address: `${QUEUE}.Example_Routing_Queue_1`,
    type: QUEUE,
    change: 'changed',
    attributes: [
      { attribute: 'description', old: 'Routing Queue 1 of the stand-in org', new: 'Front line queue' },
    ],
  },
  { address: `${QUEUE}.Example_Routing_Queue_2`, type: QUEUE, change: 'removed' },
  { address: `${SKILL}.Example_Routing_Skill_3`, type: SKILL, change: 'added' },
  {
    address: `${USER}.Example_User_1`,
    type: USER,
    change: 'changed',
    attributes: [{ attribute: 'password', sensitive: true }],
  },
  { address: `${USER}.Example_User_5`, type: USER, change: 'removed' },
];

const TOLD_TOTALS_BY_TYPE = {
  [QUEUE]: { added: 1, removed: 1, changed: 1, renamed: 0 },
  [SKILL]: { added: 1, removed: 0, changed: 0, renamed: 0 },
  [USER]: { added: 0, removed: 1, changed: 1, renamed: 0 },
};

describe('change reports (real HTTP, PostgreSQL and the Terraform stand-in)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: ENV_CREDENTIALS });
  });
  afterAll(() => t.dispose());

  async function completedExport(body: object): Promise<string> {
    const res = await t.http.post('/api/v1/exports').send(body);
    expect(res.status).toBe(202);
    const job = await waitForJob(t.http, res.body.job_id);
    expect(job.status).toBe('completed');
    return job.job_id;
  }

  /** Two exports, before and after the stand-in's org changed, with the same `options`. */
  async function exportPair(options: object): Promise<{ before: string; after: string }> {
    return {
      before: await completedExport({ ...BEFORE, ...options }),
      after: await completedExport({ ...AFTER, ...options }),
    };
  }

  const changesOf = (id: string, query: Record<string, string | number | boolean>) =>
    t.http.get(`/api/v1/exports/${id}/changes`).query(query);

  describe.each([
    ['JSON', {}],
    ['split JSON', { split_files_by_resource: true }],
    ['HCL', { export_format: 'hcl' }],
  ])('between two %s exports', (_name, options) => {
    let pair: { before: string; after: string };
    beforeAll(async () => {
      pair = await exportPair(options);
    });

    it('lists exactly the differences the stand-in was told to make, secrets masked', async () => {
      const res = await changesOf(pair.after, { since: pair.before, force: true });

      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        export_id: pair.after,
        since: pair.before,
        syntax: expect.any(Object),
        ignored_differences: [
          {
            attribute: 'replace_with_datasource',
            reason: expect.any(String),
            export: [...AFTER.replace_with_datasource].sort(),
            since: BEFORE.replace_with_datasource,
          },
        ],
        totals: { added: 2, removed: 2, changed: 2, renamed: 0 },
        totals_by_type: TOLD_TOTALS_BY_TYPE,
        changes: TOLD_CHANGES,
        limit: 20,
        has_more: false,
        next_cursor: null,
        next: null,
      });
      expect(res.headers.link).toBeUndefined();
    });

    it('the other way round, additions are removals and the new values the old', async () => {
      const res = await changesOf(pair.before, { since: pair.after, force: true });

      expect(res.status).toBe(200);
      expect(res.body.totals).toEqual({ added: 2, removed: 2, changed: 2, renamed: 0 });
      expect(res.body.changes).toContainEqual({
        address: `${QUEUE}.Example_Routing_Queue_1`,
        type: QUEUE,
        change: 'changed',
        attributes: [
          { attribute: 'description', old: 'Front line queue', new: 'Routing Queue 1 of the stand-in org' },
        ],
      });
      expect(res.body.changes).toContainEqual({
        address: `${USER}.Example_User_5`,
        type: USER,
        change: 'added',
      });
    });
  });

  it('with the state file in both exports, a new label on the same id is one rename', async () => {
    const pair = await exportPair({ include_state_file: true });
    const res = await changesOf(pair.after, { since: pair.before, force: true });

    expect(res.status).toBe(200);
    expect(res.body.totals).toEqual({ added: 1, removed: 1, changed: 2, renamed: 1 });
    expect(res.body.changes).toEqual([
      {
        address: `${QUEUE}.Billing_Queue`,
        type: QUEUE,
        change: 'renamed',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        previous_address: `${QUEUE}.Example_Routing_Queue_2`,
        attributes: [{ attribute: 'name', old: 'Example Routing Queue 2', new: 'Billing Queue' }],
      },
      { ...TOLD_CHANGES[1], id: expect.any(String) },
      { ...TOLD_CHANGES[3], id: expect.any(String) },
      { ...TOLD_CHANGES[4], id: expect.any(String) },
      { ...TOLD_CHANGES[5], id: expect.any(String) },
    ]);
  });

  describe('paging, refusals and visibility', () => {
    let pair: { before: string; after: string };
    beforeAll(async () => {
      pair = await exportPair({});
    });

    it('pages with limit and an opaque cursor, the Link header naming the next page; totals cover all pages', async () => {
      const seen: unknown[] = [];
      let query: Record<string, string | number | boolean> = { since: pair.before, force: true, limit: 4 };
      for (let page = 0; page < 2; page += 1) {
        const res = await changesOf(pair.after, query);
        expect(res.status).toBe(200);
        expect(res.body.totals_by_type).toEqual(TOLD_TOTALS_BY_TYPE);
        seen.push(...res.body.changes);
        if (page === 0) {
          expect(res.body.changes).toHaveLength(4);
          expect(res.body.has_more).toBe(true);
          expect(res.headers.link).toBe(`<${res.body.next}>; rel="next"`);
          const next = new URL(res.body.next, 'http://x');
          expect(next.pathname).toBe(`/api/v1/exports/${pair.after}/changes`);
          query = Object.fromEntries(next.searchParams);
          expect(query).toEqual({
            since: pair.before,
            limit: '4',
            force: 'true',
            cursor: res.body.next_cursor,
          });
        } else {
          expect(res.body.has_more).toBe(false);
          expect(res.body.next).toBeNull();
          expect(res.headers.link).toBeUndefined();
        }
      }
      expect(seen).toEqual(TOLD_CHANGES);
    });

    it('422 without force=true when the filters differ, naming the attribute', async () => {
      const res = await changesOf(pair.after, { since: pair.before });

      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({
        type: 'urn:genesyscloud-export-server:problem:exports-incomparable',
        status: 422,
        instance: `/api/v1/exports/${pair.after}/changes?since=${pair.before}`,
        incomparable: [{ attribute: 'replace_with_datasource' }],
      });
      expect(res.body.detail).toMatch(/replace_with_datasource differs .*force=true/);
    });

    it('422 between a JSON and an HCL export, saying the format differs', async () => {
      const hcl = await completedExport({ ...AFTER, export_format: 'hcl' });
      const res = await changesOf(hcl, { since: pair.after });

      expect(res.status).toBe(422);
      expect(res.body.incomparable).toEqual([
        { attribute: 'export_format', reason: expect.any(String), export: 'hcl', since: 'json' },
      ]);
    });

    it('compares exports with the same filters without force, written in other layouts', async () => {
      const split = await completedExport({
        ...AFTER,
        split_files_by_resource: true,
        export_format: 'json_hcl',
      });
      const res = await changesOf(split, { since: pair.after });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        syntax: { export: 'json', since: 'json' },
        ignored_differences: [],
        totals: { added: 0, removed: 0, changed: 0, renamed: 0 },
        totals_by_type: {},
        changes: [],
      });
    });

    it('409 while either export is not completed', async () => {
      const running = await t.http
        .post('/api/v1/exports')
        .send({ ...TYPES, replace_with_datasource: [`${USER}::standin:hang`] });
      expect(running.status).toBe(202);
      try {
        for (const [id, since] of [
          [running.body.job_id, pair.before],
          [pair.after, running.body.job_id],
        ]) {
          const res = await changesOf(id, { since, force: true });
          expect(res.status).toBe(409);
          expect(res.headers['content-type']).toMatch(PROBLEM);
          expect(res.body).toMatchObject({
            type: 'urn:genesyscloud-export-server:problem:export-not-completed',
            job_id: running.body.job_id,
            job_status: expect.stringMatching(/^(pending|running)$/),
          });
        }
      } finally {
        await t.http.delete(`/api/v1/exports/${running.body.job_id}`);
      }
    });

    it('404 for an export the caller may not see, as for an unknown one, and 400 for a broken query', async () => {
      const stranger = await changesOf(pair.after, { since: pair.before, force: true }).set(
        'Authorization',
        'Bearer someone-elses-token-0123456789',
      );
      expect(stranger.status).toBe(404);
      expect(stranger.body.type).toBe('urn:genesyscloud-export-server:problem:job-not-found');

      const unknown = await changesOf(pair.after, { since: '00000000-0000-4000-8000-000000000000' });
      expect(unknown.status).toBe(404);

      const noSince = await t.http.get(`/api/v1/exports/${pair.after}/changes`);
      expect(noSince.status).toBe(400);
      expect(noSince.body.errors).toEqual([expect.objectContaining({ pointer: '/since' })]);

      const badCursor = await changesOf(pair.after, {
        since: pair.before,
        force: true,
        cursor: 'bm90LWEtY3Vyc29y',
      });
      expect(badCursor.status).toBe(400);
      expect(badCursor.body.type).toBe('urn:genesyscloud-export-server:problem:invalid-cursor');
    });
  });
});
