import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../src/database/embedded-postgres';
import { waitForJob } from '../support/jobs';
import { killStartedServers, spawnServer } from '../support/server-process';
import { createTestDatabase } from '../support/test-database';
import { ENV_CREDENTIALS, startTestApp, TestApp } from '../support/test-app';

const QUICK = { include_filter_resources: ['genesyscloud_user'] };
const HANG = { include_filter_resources: ['genesyscloud_user', 'genesyscloud_group::standin:hang'] };

/** Polls readiness until the exporter set-up has an outcome (bounded; the set-up runs at start). */
async function exporterReadiness(t: TestApp): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const res = await t.http.get('/health/ready');
    const exporter = res.body.details?.exporter as Record<string, unknown> | undefined;
    if (exporter && exporter.state !== 'checking') return exporter;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the exporter set-up did not finish');
}

/** The real Terraform CLI when it is on PATH (CI puts one there), else undefined. */
function realTerraform(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

afterAll(() => killStartedServers());

describe('an exporter known to be unavailable', () => {
  it('Terraform missing: POST answers 503 naming the cause and the fix, and creates no job', async () => {
    const t = await startTestApp({ env: { ...ENV_CREDENTIALS, TERRAFORM_BIN: '/nonexistent/terraform' } });
    try {
      const exporter = await exporterReadiness(t);
      expect(exporter.state).toBe('unavailable');
      const res = await t.http.post('/api/v1/exports').send(QUICK);
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.body.type).toBe('urn:genesyscloud-export-server:problem:exporter-unavailable');
      expect(res.body.detail).toMatch(/TERRAFORM_BIN "\/nonexistent\/terraform" could not be run/);
      expect(res.body.detail).toMatch(/set TERRAFORM_BIN to the full path/);
      expect((await t.http.get('/api/v1/exports')).body.jobs).toEqual([]);
    } finally {
      await t.dispose();
    }
  });

  it("template init failed: readiness and the 503 carry Terraform's own diagnostic, summary and detail", async () => {
    // The stand-in, like Terraform, finds no release for this constraint.
    const t = await startTestApp({ env: { ...ENV_CREDENTIALS, GENESYSCLOUD_PROVIDER_VERSION: '>= 9.0' } });
    try {
      const exporter = await exporterReadiness(t);
      expect(exporter.state).toBe('unavailable');
      expect(exporter.detail).toMatch(
        /^terraform init failed: Failed to query available provider packages: Could not retrieve the list of available versions for provider mypurecloud\/genesyscloud: no available releases match the given constraints >= 9\.0\. /,
      );
      const res = await t.http.post('/api/v1/exports').send(QUICK);
      expect(res.status).toBe(503);
      expect(res.body.detail).toContain(String(exporter.detail));
      expect(res.body.detail).toMatch(/TF_CLI_CONFIG_FILE/);
    } finally {
      await t.dispose();
    }
  });

  const terraform = realTerraform();
  (terraform ? it : it.skip)(
    'real Terraform without the provider: the summary is not cut off (skipped when terraform is not on PATH)',
    async () => {
      const mirror = await mkdtemp(path.join(os.tmpdir(), 'export-server-empty-mirror-'));
      const cliConfig = path.join(mirror, 'terraformrc');
      await writeFile(
        cliConfig,
        `provider_installation {\n  filesystem_mirror {\n    path = "${mirror}"\n  }\n}\n`,
      );
      const t = await startTestApp({ env: { TERRAFORM_BIN: terraform!, TF_CLI_CONFIG_FILE: cliConfig } });
      try {
        const exporter = await exporterReadiness(t);
        expect(exporter.state).toBe('unavailable');
        expect(exporter.detail).toMatch(
          /^terraform init failed: Failed to query available provider packages: Could not retrieve the list of available versions for provider mypurecloud\/genesyscloud: /,
        );
      } finally {
        await t.dispose();
        await rm(mirror, { recursive: true, force: true });
      }
    },
  );
});

describe('GENESYSCLOUD_REGION unset', () => {
  it('readiness says bearer-token exports cannot run', async () => {
    const t = await startTestApp({ env: { GENESYSCLOUD_REGION: '' } });
    try {
      const res = await t.http.get('/health/ready');
      expect(res.body.details.genesys).toEqual({
        status: 'up',
        region: null,
        detail: expect.stringMatching(
          /GENESYSCLOUD_REGION is not set: exports with a bearer token cannot run/,
        ),
      });
    } finally {
      await t.dispose();
    }
  });

  it('the server warns at start, as a JSON log line', async () => {
    const database = await createTestDatabase();
    try {
      const server = await spawnServer({ env: { DATABASE_URL: database.url, LOG_LEVEL: 'info' } });
      await server.waitForOutput(/GENESYSCLOUD_REGION is not set/);
      const warning = server
        .logLines()
        .find((line) => /GENESYSCLOUD_REGION is not set/.test(String(line.msg)));
      expect(warning?.level).toBe(40);
      await server.stop();
    } finally {
      await database.drop();
    }
  });
});

describe('readiness while the server drains', () => {
  it('answers 503 from the moment shutdown begins, while a running export is still given its grace', async () => {
    const t = await startTestApp({ env: { ...ENV_CREDENTIALS, SHUTDOWN_GRACE: '60s' } });
    try {
      expect((await exporterReadiness(t)).state).toBe('ready');
      expect((await t.http.get('/health/ready')).status).toBe(200);
      const created = await t.http.post('/api/v1/exports').send(HANG);
      const id = created.body.job_id as string;
      await waitForJob(t.http, id, ['running']);
      const closing = t.app.close();
      let ready = await t.http.get('/health/ready');
      for (let attempt = 0; attempt < 100 && ready.status === 200; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        ready = await t.http.get('/health/ready');
      }
      expect(ready.status).toBe(503);
      expect(ready.body.details.server).toEqual({ status: 'down', state: 'draining' });
      // The export still runs; cancelling it lets the shutdown finish.
      expect((await t.http.delete(`/api/v1/exports/${id}`)).status).toBe(200);
      await closing;
    } finally {
      await t.dispose();
    }
  });
});

describe('DATABASE_URL in start-up errors', () => {
  it('an invalid DATABASE_URL is named with its password masked', async () => {
    const server = await spawnServer({
      env: { DATABASE_URL: 'mysql://exports:s3cret-pw@db.example/exports' },
    });
    const exit = await server.exited;
    expect(exit.code).toBe(1);
    expect(server.stderr).toContain('DATABASE_URL="mysql://exports:***@db.example/exports"');
    expect(server.output).not.toContain('s3cret-pw');
  });

  it('a database that cannot be reached ends the start naming the cause, without the password', async () => {
    const port = await freePort();
    const server = await spawnServer({
      env: { DATABASE_URL: `postgres://exports:s3cret-pw@127.0.0.1:${port}/exports`, LOG_LEVEL: 'info' },
    });
    const exit = await server.exited;
    expect(exit.code).toBe(1);
    expect(server.stderr.trim().split('\n').at(-1)).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(server.output).not.toContain('s3cret-pw');
  });
});
