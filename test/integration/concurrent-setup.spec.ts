import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { terraformSetupTurn } from '../../src/exporter/terraform-setup';
import {
  cliStandinVariant,
  ExporterVariant,
  findRealTerraform,
  realTerraformVariant,
} from '../support/exporters';
import { sleep, waitForJob } from '../support/jobs';
import { ServerProcess, startServer, useSharedServerState } from '../support/server-process';
import { TcpProxy } from '../support/tcp-proxy';

const SERVERS = 4;

/**
 * Servers sharing a database and an export folder, started at the same moment (as an orchestrator
 * starts replicas): each sets Terraform up in the folder's one template workspace and plugin cache.
 * They take turns there, so every one becomes ready and runs jobs.
 */
const realTerraform = findRealTerraform();

const variants: { name: string; make: (root: string) => Promise<ExporterVariant> }[] = [
  { name: 'the Terraform stand-in', make: (root) => cliStandinVariant(root) },
  ...(realTerraform
    ? [{ name: 'the real Terraform CLI', make: (root: string) => realTerraformVariant(realTerraform, root) }]
    : []),
];

describe.each(variants)('servers sharing a folder, started together, with $name', ({ make }) => {
  const state = useSharedServerState('concurrent-setup');
  let root: string;
  let variant: ExporterVariant;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'concurrent-setup-'));
    variant = await make(root);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('all set Terraform up, one after the other, and each runs a job', async () => {
    const servers: ServerProcess[] = await Promise.all(
      Array.from({ length: SERVERS }, () => startServer({ env: state.serverEnv(variant.env) })),
    );
    try {
      for (const server of servers)
        expect(await exporterSetUp(server)).toEqual({ setUp: 'ready', detail: undefined });
      const ids = await Promise.all(
        servers.map(async (server, index) => {
          const res = await server.http
            .post('/api/v1/exports')
            .send({ include_filter_resources: ['genesyscloud_user'], directory: `server-${index}` });
          expect(res.status).toBe(202);
          return res.body.job_id as string;
        }),
      );
      for (const id of ids) expect((await waitForJob(servers[0].http, id)).status).toBe('completed');
    } finally {
      await Promise.all(servers.map((server) => server.stop('SIGTERM')));
    }
  });
});

describe('a server waiting for its turn to set Terraform up when the database goes away', () => {
  const state = useSharedServerState('setup-outage');
  let proxy: TcpProxy;
  beforeAll(async () => {
    const url = new URL(state.database.url);
    proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
  });
  afterAll(() => proxy.close());

  it('sets up on its own rather than not at all, and becomes ready', async () => {
    // Another server's set-up holds the turn, and keeps it for the whole test.
    const otherServer = new Client({ connectionString: state.database.url });
    await otherServer.connect();
    await otherServer.query('BEGIN');
    await otherServer.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      terraformSetupTurn(path.join(state.exportBaseDir, '.terraform-plugin-cache')),
    ]);
    try {
      const server = await startServer({
        env: state.serverEnv({ DATABASE_URL: proxy.route(state.database.url), LOG_LEVEL: 'info' }),
      });
      const waitingForTurn = async () =>
        (
          await otherServer.query<{ waiting: number }>(
            "SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
          )
        ).rows[0].waiting;
      for (let i = 0; i < 100 && (await waitingForTurn()) === 0; i++) await sleep(100);
      expect(await waitingForTurn()).toBe(1);
      expect((await server.http.get('/health/ready')).body.details.exporter.state).toBe('checking');

      proxy.cut();
      await sleep(500);
      proxy.restore();

      expect(await exporterSetUp(server)).toEqual({ setUp: 'ready', detail: undefined });
      expect(server.output).toContain("Setting up Terraform without waiting for other servers' set-ups");
    } finally {
      await otherServer.query('ROLLBACK');
      await otherServer.end();
    }
  });
});

/** The server's exporter set-up once it is no longer being checked; the detail says why it failed, if it did. */
async function exporterSetUp(server: ServerProcess): Promise<{ setUp?: string; detail?: string }> {
  let exporter: { state?: string; detail?: string } | undefined;
  for (let i = 0; i < 300; i++) {
    exporter = (await server.http.get('/health/ready')).body?.details?.exporter;
    if (exporter?.state !== 'checking') break;
    await sleep(100);
  }
  return { setUp: exporter?.state, detail: exporter?.detail };
}
