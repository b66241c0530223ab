import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  cliStandinVariant,
  ExporterVariant,
  findRealTerraform,
  realTerraformVariant,
} from '../support/exporters';
import { waitForJob } from '../support/jobs';
import { ServerProcess, startServer, useSharedServerState } from '../support/server-process';

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
      for (const server of servers) {
        let ready;
        for (let i = 0; i < 300; i++) {
          ready = await server.http.get('/health/ready');
          if (ready.body?.details?.exporter?.state !== 'checking') break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const { state: setUp, detail } = ready?.body?.details?.exporter ?? {};
        // The detail says why a set-up failed, if one did.
        expect({ setUp, detail }).toEqual({ setUp: 'ready', detail: undefined });
      }
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
