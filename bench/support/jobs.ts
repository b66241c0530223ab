import * as path from 'node:path';

/** The test stand-in for Terraform and the provider (test/fixtures/terraform-standin). */
export const STANDIN_TERRAFORM = path.resolve(
  __dirname,
  '../../../test/fixtures/terraform-standin/terraform',
);

/** The service's environment in the benches: its defaults, the stand-in, the server's own credentials. */
export function serviceEnv(databaseUrl: string, exportBaseDir: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    EXPORT_BASE_DIR: exportBaseDir,
    TERRAFORM_BIN: STANDIN_TERRAFORM,
    GENESYSCLOUD_OAUTHCLIENT_ID: 'bench-client',
    GENESYSCLOUD_OAUTHCLIENT_SECRET: 'bench-secret',
    GENESYSCLOUD_REGION: 'us-east-1',
  };
}

/** Creates an export through the API and waits until it completed; returns its id. */
export async function completedJobVia(baseUrl: string, includeFilter: string[]): Promise<string> {
  const created = await fetch(`${baseUrl}/api/v1/exports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ include_filter_resources: includeFilter }),
  });
  if (created.status !== 202)
    throw new Error(`POST /api/v1/exports answered ${created.status}: ${await created.text()}`);
  const { job_id: jobId } = (await created.json()) as { job_id: string };
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const poll = await fetch(`${baseUrl}/api/v1/exports/${jobId}`, {
      headers: { prefer: 'return=representation' },
    });
    const job = (await poll.json()) as { status: string; error?: string };
    if (job.status === 'completed') return jobId;
    if (job.status !== 'pending' && job.status !== 'running')
      throw new Error(`bench job ${job.status}: ${job.error}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the bench job did not complete within 5 minutes');
}
