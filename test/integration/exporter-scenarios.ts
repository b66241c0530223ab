import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXPORTABLE_RESOURCE_TYPES } from '../../src/exports/exportable-resource-types';
import { ExporterVariant } from '../support/exporters';
import {
  binaryParser,
  JobBody,
  readZip,
  sleep,
  waitForJob,
  waitForPhase,
  waitForRemoval,
} from '../support/jobs';
import { processesMatching } from '../support/processes';
import { startServer, useSharedServerState } from '../support/server-process';
import { ENV_CREDENTIALS, startTestApp, TestApp, TEST_TOKEN } from '../support/test-app';

/**
 * The scenarios every exporter must pass with the same outcomes, files, phases and error texts:
 * run once through the CLI stand-in and once through the real Terraform CLI with the provider
 * stand-in. Where the two differ, the real CLI is right.
 */
/** Real Terraform starts four provider processes per apply; on a busy machine a scenario takes a while. */
const SCENARIO_TIMEOUT_MS = 240_000;

/** The end of a job that should complete; if it did not, the failure shows its error and log tail. */
async function completedJob(t: TestApp, id: string, auth?: string): Promise<JobBody> {
  const job = await waitForJob(t.http, id, undefined, { timeoutMs: 180_000, auth });
  if (job.status !== 'completed') {
    const req = t.http.get(`/api/v1/exports/${id}/logs`);
    if (auth) req.set('Authorization', auth);
    const log = (await req).text ?? '';
    throw new Error(
      `job ${id} ${job.status}: ${job.error}\n--- last lines of its log ---\n${log.split('\n').slice(-80).join('\n')}`,
    );
  }
  return job;
}

export function describeExporterScenarios(prepare: (rootDir: string) => Promise<ExporterVariant>): void {
  const USERS_AND_GROUPS = ['genesyscloud_user', 'genesyscloud_group'];
  const HANG = ['genesyscloud_user', 'genesyscloud_group::standin:hang'];
  let rootDir: string;
  let variant: ExporterVariant;

  beforeAll(async () => {
    rootDir = await mkdtemp(path.join(os.tmpdir(), 'export-server-exporter-'));
    variant = await prepare(rootDir);
  });
  afterAll(() => rm(rootDir, { recursive: true, force: true }));

  const exporterProcesses = (t: TestApp, jobId: string) =>
    processesMatching(path.join(t.exportBaseDir, '.runs', jobId));

  async function waitForExporter(t: TestApp, jobId: string): Promise<void> {
    await waitForPhase(t.http, jobId, 'exporting', 180_000);
    for (let i = 0; i < 100 && exporterProcesses(t, jobId).length < 2; i++) await sleep(100);
    expect(exporterProcesses(t, jobId).length).toBeGreaterThanOrEqual(2); // terraform and its provider
  }

  async function waitForNoExporter(t: TestApp, jobId: string): Promise<void> {
    for (let i = 0; i < 100 && exporterProcesses(t, jobId).length > 0; i++) await sleep(100);
    expect(exporterProcesses(t, jobId)).toEqual([]);
  }

  describe('one server', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        env: { ...ENV_CREDENTIALS, ...variant.env, MAX_CONCURRENT_JOBS: '6', EXPORTER_STOP_GRACE: '2s' },
      });
    });
    afterAll(() => t.dispose());

    async function startExport(body: object, auth?: string): Promise<string> {
      const req = t.http.post('/api/v1/exports').send(body);
      if (auth) req.set('Authorization', auth);
      const res = await req;
      expect(res.status).toBe(202);
      return res.body.job_id as string;
    }

    async function fileNames(jobId: string): Promise<string[]> {
      const res = await t.http.get(`/api/v1/exports/${jobId}/results`);
      expect(res.status).toBe(200);
      return (res.body.files as { name: string }[]).map((f) => f.name);
    }

    const ZIP = /^archive_genesyscloud_tf_export[0-9a-f-]{36}\.zip$/;
    const formats: [string, object, (string | RegExp)[]][] = [
      ['json (default)', {}, ['genesyscloud/genesyscloud.tf.json']],
      ['export_as_hcl', { export_as_hcl: true }, ['genesyscloud/genesyscloud.tf']],
      [
        'json_hcl, compressed',
        { export_format: 'json_hcl', compress: true },
        [ZIP, 'genesyscloud/genesyscloud.tf', 'genesyscloud/genesyscloud.tf.json'],
      ],
      [
        'split hcl with state file',
        { export_format: 'hcl', split_files_by_resource: true, include_state_file: true },
        [
          'genesyscloud/genesyscloud_group.tf',
          'genesyscloud/genesyscloud_user.tf',
          'genesyscloud/provider.tf',
          'genesyscloud/terraform.tfstate',
          'genesyscloud/variables.tf',
        ],
      ],
      [
        'split hcl_json with state file, compressed',
        {
          export_format: 'HCL_JSON',
          split_files_by_resource: true,
          include_state_file: true,
          compress: true,
        },
        [
          ZIP,
          'genesyscloud/genesyscloud_group.tf',
          'genesyscloud/genesyscloud_group.tf.json',
          'genesyscloud/genesyscloud_user.tf',
          'genesyscloud/genesyscloud_user.tf.json',
          'genesyscloud/provider.tf',
          'genesyscloud/provider.tf.json',
          'genesyscloud/terraform.tfstate',
          'genesyscloud/variables.tf',
        ],
      ],
      [
        'split json in another directory',
        { split_files_by_resource: true, directory: 'org/main' },
        [
          'org/main/genesyscloud_group.tf.json',
          'org/main/genesyscloud_user.tf.json',
          'org/main/provider.tf.json',
        ],
      ],
    ];

    it(
      'every format, split, state file and compress, as concurrent jobs sharing the plugin cache',
      async () => {
        const ids = await Promise.all(
          formats.map(([, extra]) => startExport({ include_filter_resources: USERS_AND_GROUPS, ...extra })),
        );
        for (const [index, [name, extra, expected]] of formats.entries()) {
          const id = ids[index];
          const job = await completedJob(t, id);
          expect({ name, error: job.error }).toEqual({ name, error: null });
          expect(job).toMatchObject({
            phase: 'packaging',
            counters: {
              types_total: 2,
              types_listed: 2,
              types_done: 2,
              resources_found: 7,
              resources_done: 7,
            },
          });
          // replace-provider leaves Terraform's backup of the state next to it.
          const names = (await fileNames(id)).filter((n) => !n.includes('.backup'));
          expect(names).toHaveLength(expected.length);
          expected.forEach((want, i) =>
            typeof want === 'string' ? expect(names[i]).toBe(want) : expect(names[i]).toMatch(want),
          );
          const zip = await t.http.get(`/api/v1/exports/${id}/download`).buffer(true).parse(binaryParser);
          expect([...(await readZip(zip.body)).keys()].filter((n) => !n.includes('.backup')).sort()).toEqual(
            [...names].sort(),
          );
          if ('include_state_file' in extra) {
            const state = JSON.parse(
              await readFile(path.join(t.exportBaseDir, id, 'genesyscloud', 'terraform.tfstate'), 'utf8'),
            );
            // The provider upgraded its legacy state through `<terraform> state replace-provider`.
            expect(state.version).toBe(4);
            expect(new Set(state.resources.map((r: { provider: string }) => r.provider))).toEqual(
              new Set(['provider["registry.terraform.io/mypurecloud/genesyscloud"]']),
            );
          }
          const log = (await t.http.get(`/api/v1/exports/${id}/logs`)).text;
          // The job's init found the provider the template's init put in the shared cache.
          expect(log).toContain('Using mypurecloud/genesyscloud v1.84.1 from the shared cache directory');
          expect(log).toMatch(/Found 5 resources for type genesyscloud_user/);
        }
        const cached = path.join(
          t.exportBaseDir,
          '.terraform-plugin-cache/registry.terraform.io/mypurecloud/genesyscloud',
        );
        expect(readdirSync(cached)).toEqual(['1.84.1']);
        const ready = await t.http.get('/health/ready');
        expect(ready.status).toBe(200);
      },
      SCENARIO_TIMEOUT_MS,
    );

    it(
      'the deprecated resource_types: the job completes with one deprecation warning',
      async () => {
        const id = await startExport({ resource_types: ['genesyscloud_group'] });
        await completedJob(t, id);
        const results = await t.http.get(`/api/v1/exports/${id}/results`);
        expect(results.body.warnings).toEqual([
          'Argument is deprecated: Use include_filter_resources attribute instead',
        ]);
      },
      SCENARIO_TIMEOUT_MS,
    );

    it(
      'a provider error diagnostic becomes the job’s error',
      async () => {
        const id = await startExport({
          include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:fail'],
        });
        const job = await waitForJob(t.http, id, undefined, { timeoutMs: 180_000 });
        expect(job.status).toBe('failed');
        expect(job.error).toMatch(
          /^Failed to get page of groups: API Error: 500 - Internal Server Error: \{"resourceName":"genesyscloud_group","method":"GET"/,
        );
        await waitForRemoval([path.join(t.exportBaseDir, id)]);
        expect(existsSync(path.join(t.exportBaseDir, id))).toBe(false);
        const log = (await t.http.get(`/api/v1/exports/${id}/logs`)).text;
        expect(log).toContain(
          'Failed to load resources for genesyscloud_group (attempt 2/3). Retrying in 2s.',
        );
      },
      SCENARIO_TIMEOUT_MS,
    );

    it(
      'credentials: the provider gets only the job’s credential variables, and a rejected login fails the job',
      async () => {
        const report = ['genesyscloud_user', 'genesyscloud_group::standin:env-report'];
        const bearer = await startExport({ include_filter_resources: report }, `Bearer ${TEST_TOKEN}`);
        const server = await startExport({ include_filter_resources: report, directory: 'server' });
        const rejected = await startExport({
          include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:auth-fail'],
        });
        const genesysNames = async (id: string, directory: string, auth?: string) => {
          await completedJob(t, id, auth);
          const file = path.join(t.exportBaseDir, id, directory, 'env-report.json');
          const names = (JSON.parse(await readFile(file, 'utf8')) as { names: string[] }).names;
          expect(names).not.toContain('DATABASE_URL');
          return names.filter((n) => n.startsWith('GENESYSCLOUD_'));
        };
        expect(await genesysNames(bearer, 'genesyscloud', `Bearer ${TEST_TOKEN}`)).toEqual([
          'GENESYSCLOUD_ACCESS_TOKEN',
          'GENESYSCLOUD_REGION',
        ]);
        expect(await genesysNames(server, 'server')).toEqual([
          'GENESYSCLOUD_OAUTHCLIENT_ID',
          'GENESYSCLOUD_OAUTHCLIENT_SECRET',
          'GENESYSCLOUD_REGION',
        ]);
        const failed = await waitForJob(t.http, rejected, undefined, { timeoutMs: 180_000 });
        expect(failed).toMatchObject({
          status: 'failed',
          error:
            'failed to authorize Genesys Cloud client credentials: Auth Error: 401 - invalid_client (Invalid client credentials)',
        });
      },
      SCENARIO_TIMEOUT_MS,
    );

    it(
      'standalone exporters: a job naming one in its include filter gets its feature toggle, others keep the default',
      async () => {
        const CGR = 'genesyscloud_routing_queue_conditional_group_routing';
        const named = await startExport({
          include_filter_resources: [CGR, 'genesyscloud_group::standin:env-report'],
        });
        const queues = await startExport({
          include_filter_resources: ['genesyscloud_routing_queue', 'genesyscloud_group::standin:env-report'],
          directory: 'queues',
        });
        const others = EXPORTABLE_RESOURCE_TYPES.filter((type) => ![CGR, 'genesyscloud_user'].includes(type));
        const excluded = await startExport({ exclude_filter_resources: others, directory: 'excluded' });
        const envNames = async (id: string, directory: string) => {
          await completedJob(t, id);
          const file = path.join(t.exportBaseDir, id, directory, 'env-report.json');
          return (JSON.parse(await readFile(file, 'utf8')) as { names: string[] }).names;
        };
        expect((await envNames(named, 'genesyscloud')).filter((n) => n.startsWith('ENABLE_'))).toEqual([
          'ENABLE_STANDALONE_CGR',
        ]);
        const config = JSON.parse(
          await readFile(path.join(t.exportBaseDir, named, 'genesyscloud', 'genesyscloud.tf.json'), 'utf8'),
        ) as { resource: Record<string, object> };
        expect(Object.keys(config.resource[CGR])).toHaveLength(2);
        expect((await envNames(queues, 'queues')).filter((n) => n.startsWith('ENABLE_'))).toEqual([]);

        // Without the toggle the provider skips the type, as an exclude-filtered export shows.
        await completedJob(t, excluded);
        const excludedConfig = JSON.parse(
          await readFile(path.join(t.exportBaseDir, excluded, 'excluded', 'genesyscloud.tf.json'), 'utf8'),
        ) as { resource: Record<string, object> };
        expect(Object.keys(excludedConfig.resource)).toEqual(['genesyscloud_user']);
        const log = (await t.http.get(`/api/v1/exports/${excluded}/logs`)).text;
        expect(log).toContain(
          `Environment variable ENABLE_STANDALONE_CGR not set, skipping exporter for ${CGR}`,
        );
      },
      SCENARIO_TIMEOUT_MS,
    );

    it(
      'a config file the provider failed to write completely fails the job, naming the file',
      async () => {
        const id = await startExport({
          include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:short-config'],
        });
        const job = await waitForJob(t.http, id, undefined, { timeoutMs: 180_000 });
        expect(job).toMatchObject({
          status: 'failed',
          error:
            "The export's configuration file genesyscloud/genesyscloud.tf.json is not valid JSON (it was not written completely).",
        });
        await waitForRemoval([path.join(t.exportBaseDir, id)]);
        expect(existsSync(path.join(t.exportBaseDir, id))).toBe(false);
      },
      SCENARIO_TIMEOUT_MS,
    );

    it(
      'cancel of a running job: SIGINT, Stop, exit; no process of the job left',
      async () => {
        const id = await startExport({ include_filter_resources: HANG });
        await waitForExporter(t, id);
        const res = await t.http.delete(`/api/v1/exports/${id}`);
        expect(res.status).toBe(200);
        await waitForNoExporter(t, id);
        expect((await waitForJob(t.http, id)).status).toBe('cancelled');
        // The job's files go once its exporter has stopped.
        const jobDir = path.join(t.exportBaseDir, id);
        for (let i = 0; i < 50 && existsSync(jobDir); i++) await sleep(100);
        expect(existsSync(jobDir)).toBe(false);
      },
      SCENARIO_TIMEOUT_MS,
    );

    it(
      'a provider that ignores Stop: the stop grace, then the process group is killed',
      async () => {
        const id = await startExport({
          include_filter_resources: [...HANG, 'genesyscloud_team::standin:ignore-sigint'],
        });
        await waitForExporter(t, id);
        await t.http.delete(`/api/v1/exports/${id}`).expect(200);
        // Still there right after the cancel: the exporter ignores it until the grace is over.
        expect(exporterProcesses(t, id).length).toBeGreaterThanOrEqual(1);
        await waitForNoExporter(t, id);
        expect((await waitForJob(t.http, id)).status).toBe('cancelled');
      },
      SCENARIO_TIMEOUT_MS,
    );
  });

  describe('a newer provider whose schema drifted', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { ...ENV_CREDENTIALS, ...variant.driftedEnv } });
    });
    afterAll(() => t.dispose());

    it(
      'is reported in /health/ready, and attributes it lacks are refused',
      async () => {
        let ready = await t.http.get('/health/ready');
        for (let i = 0; i < 300 && ready.body.details?.exporter?.state !== 'ready'; i++) {
          await sleep(100);
          ready = await t.http.get('/health/ready');
        }
        expect(ready.body.details.exporter.schema_drift).toEqual([
          'export_omit_unresolved_refs: not in the installed provider (refused in requests)',
          'export_as_bundle: in the installed provider, unknown to this server (not offered)',
        ]);
        const refused = await t.http
          .post('/api/v1/exports')
          .send({ include_filter_resources: ['genesyscloud_user'], export_omit_unresolved_refs: true });
        expect(refused.status).toBe(400);
        expect(refused.body.errors).toEqual([
          {
            pointer: '/export_omit_unresolved_refs',
            detail:
              'The installed Genesys Cloud provider has no attribute "export_omit_unresolved_refs" (see schema_drift in /health/ready).',
          },
        ]);
        const accepted = await t.http
          .post('/api/v1/exports')
          .send({ include_filter_resources: ['genesyscloud_user'] });
        expect(accepted.status).toBe(202);
        expect(
          (await waitForJob(t.http, accepted.body.job_id as string, undefined, { timeoutMs: 180_000 }))
            .status,
        ).toBe('completed');
      },
      SCENARIO_TIMEOUT_MS,
    );
  });

  describe('JOB_TIMEOUT', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        env: { ...ENV_CREDENTIALS, ...variant.env, JOB_TIMEOUT: '8s', EXPORTER_STOP_GRACE: '1s' },
      });
    });
    afterAll(() => t.dispose());

    it(
      'a job running past JOB_TIMEOUT is stopped and failed, leaving no process',
      async () => {
        const id = (await t.http.post('/api/v1/exports').send({ include_filter_resources: HANG })).body
          .job_id;
        const job = await waitForJob(t.http, id, undefined, { timeoutMs: 180_000 });
        expect(job.status).toBe('failed');
        expect(job.error).toBe(
          'The export was stopped because it ran longer than the job timeout (8 s, JOB_TIMEOUT).',
        );
        // The phase is not asserted: on a loaded machine the timeout can fire while init still runs.
        await waitForNoExporter(t, id);
      },
      SCENARIO_TIMEOUT_MS,
    );
  });

  describe('kill -9 of the server mid-run, then a restart', () => {
    const state = useSharedServerState('crash', SCENARIO_TIMEOUT_MS);

    it(
      'fails the running job, kills its exporter and runs the next one',
      async () => {
        const env = {
          ...ENV_CREDENTIALS,
          ...variant.env,
          DATABASE_URL: state.database.url,
          EXPORT_BASE_DIR: state.exportBaseDir,
          MAX_CONCURRENT_JOBS: '1',
        };
        const first = await startServer({ env });
        const running = (await first.http.post('/api/v1/exports').send({ include_filter_resources: HANG }))
          .body.job_id;
        await waitForPhase(first.http, running, 'exporting', 180_000);
        const pending = (
          await first.http.post('/api/v1/exports').send({ include_filter_resources: ['genesyscloud_team'] })
        ).body.job_id;
        const workspace = path.join(state.exportBaseDir, '.runs', running, 'workspace');
        for (let i = 0; i < 100 && processesMatching(workspace).length < 2; i++) await sleep(100);
        expect(processesMatching(workspace).length).toBeGreaterThanOrEqual(2);

        await first.kill();
        expect(processesMatching(workspace).length).toBeGreaterThanOrEqual(2);

        const second = await startServer({ env });
        const interrupted = await waitForJob(second.http, running, undefined, { timeoutMs: 180_000 });
        expect(interrupted.status).toBe('failed');
        expect(interrupted.error).toBe(
          'The export was interrupted: the server running it stopped. Submit it again.',
        );
        expect(processesMatching(workspace)).toEqual([]);
        expect(existsSync(workspace)).toBe(false);
        expect((await waitForJob(second.http, pending, undefined, { timeoutMs: 180_000 })).status).toBe(
          'completed',
        );
      },
      SCENARIO_TIMEOUT_MS,
    );
  });
}
