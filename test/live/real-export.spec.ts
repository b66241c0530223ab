import { spawnSync } from 'node:child_process';
import { binaryParser, readZip, waitForJob } from '../support/jobs';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * One small real export: real Terraform, the real provider from the registry (or your mirror), and
 * a real Genesys Cloud org. Needs `terraform` (or TERRAFORM_BIN) and GENESYSCLOUD_REGION with either
 * GENESYSCLOUD_ACCESS_TOKEN or GENESYSCLOUD_OAUTHCLIENT_ID + GENESYSCLOUD_OAUTHCLIENT_SECRET.
 */
function skipReason(): string | null {
  const terraform = process.env.TERRAFORM_BIN ?? 'terraform';
  if (spawnSync(terraform, ['version'], { stdio: 'ignore' }).status !== 0) {
    return `${terraform} is not installed or does not run (set TERRAFORM_BIN)`;
  }
  const {
    GENESYSCLOUD_REGION,
    GENESYSCLOUD_ACCESS_TOKEN,
    GENESYSCLOUD_OAUTHCLIENT_ID,
    GENESYSCLOUD_OAUTHCLIENT_SECRET,
  } = process.env;
  if (!GENESYSCLOUD_REGION) return 'GENESYSCLOUD_REGION is not set';
  if (!GENESYSCLOUD_ACCESS_TOKEN && !(GENESYSCLOUD_OAUTHCLIENT_ID && GENESYSCLOUD_OAUTHCLIENT_SECRET)) {
    return 'no Genesys Cloud credentials (GENESYSCLOUD_ACCESS_TOKEN, or GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET)';
  }
  return null;
}

const reason = skipReason();
if (reason) console.log(`skipped: live export test: ${reason}`);

(reason ? describe.skip : describe)('a real export against Genesys Cloud', () => {
  let t: TestApp;
  beforeAll(async () => {
    const pass = (name: string) => (process.env[name] ? { [name]: process.env[name] } : {});
    t = await startTestApp({
      env: {
        TERRAFORM_BIN: process.env.TERRAFORM_BIN ?? 'terraform',
        JOB_TIMEOUT: '20m',
        ...pass('GENESYSCLOUD_REGION'),
        ...pass('GENESYSCLOUD_API_URL'),
        ...pass('GENESYSCLOUD_OAUTHCLIENT_ID'),
        ...pass('GENESYSCLOUD_OAUTHCLIENT_SECRET'),
        ...pass('GENESYSCLOUD_PROVIDER_VERSION'),
        ...pass('TF_CLI_CONFIG_FILE'),
        ...pass('TF_PLUGIN_CACHE_DIR'),
      },
    });
  });
  afterAll(() => t?.dispose());

  it('exports the routing wrap-up codes as HCL and downloads them', async () => {
    const token = process.env.GENESYSCLOUD_ACCESS_TOKEN;
    const auth = token ? `Bearer ${token}` : undefined;
    const post = t.http.post('/api/v1/exports');
    if (auth) post.set('Authorization', auth);
    const res = await post.send({
      include_filter_resources: ['genesyscloud_routing_wrapupcode'],
      export_format: 'hcl',
    });
    expect(res.status).toBe(202);
    const job = await waitForJob(t.http, res.body.job_id, undefined, { timeoutMs: 20 * 60_000, auth });
    expect(job.error).toBeNull();
    expect(job.status).toBe('completed');
    const download = t.http.get(`/api/v1/exports/${job.job_id}/download`).buffer(true).parse(binaryParser);
    if (auth) download.set('Authorization', auth);
    const entries = await readZip((await download).body);
    expect([...entries.keys()]).toContain('genesyscloud/genesyscloud.tf');
  });
});
