import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { STANDIN_TERRAFORM } from './standin';

/**
 * The exporters the shared scenarios run through: the CLI stand-in (a fake `terraform` with a fake
 * provider), and the real Terraform CLI running the provider stand-in of
 * test/fixtures/terraform-provider, installed the way README tells an air-gapped user to.
 */
export interface ExporterVariant {
  name: string;
  /** Server settings that select this exporter. */
  env: Record<string, string>;
  /** The Terraform executable (the stand-in, or the real CLI). */
  terraformBin: string;
  /** Settings for the same exporter playing a newer provider whose schema has drifted. */
  driftedEnv: Record<string, string>;
}

/** What both stand-ins read to play a drifted provider (see terraform-standin/lib/schema.js). */
const DRIFT_VARIABLE = 'STANDIN_SCHEMA_DRIFT';

/** Where the real-CLI suite finds Terraform: TEST_TERRAFORM_BIN, else `terraform` on PATH. */
export function findRealTerraform(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.TEST_TERRAFORM_BIN) return env.TEST_TERRAFORM_BIN;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir || '.', 'terraform');
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export async function cliStandinVariant(rootDir: string): Promise<ExporterVariant> {
  const drifted = path.join(rootDir, 'terraform-drifted');
  await writeFile(
    drifted,
    `#!/bin/sh\n${DRIFT_VARIABLE}=1 exec ${JSON.stringify(process.execPath)} ${JSON.stringify(STANDIN_TERRAFORM)} "$@"\n`,
  );
  await chmod(drifted, 0o755);
  return {
    name: 'CLI stand-in',
    env: { TERRAFORM_BIN: STANDIN_TERRAFORM },
    terraformBin: STANDIN_TERRAFORM,
    driftedEnv: { TERRAFORM_BIN: drifted },
  };
}

const PROVIDER_SERVER = path.resolve(__dirname, '../fixtures/terraform-provider/server.js');
const PROVIDER_PACKAGE = 'registry.terraform.io/mypurecloud/genesyscloud/1.84.1/linux_amd64';
const README = path.resolve(__dirname, '../../README.md');

/**
 * A filesystem mirror holding the provider stand-in. The package is one small wrapper (absolute
 * node, one require of the server outside the mirror), so its bytes, and the lock file's hash of
 * them, stay the same for as long as this checkout does.
 */
export async function createProviderMirror(mirrorDir: string, { drifted = false } = {}): Promise<void> {
  const packageDir = path.join(mirrorDir, PROVIDER_PACKAGE);
  await mkdir(packageDir, { recursive: true });
  const executable = path.join(packageDir, 'terraform-provider-genesyscloud_v1.84.1');
  const drift = drifted ? `process.env.${DRIFT_VARIABLE} = '1';\n` : '';
  await writeFile(
    executable,
    `#!${process.execPath}\n${drift}require(${JSON.stringify(PROVIDER_SERVER)});\n`,
  );
  await chmod(executable, 0o755);
}

/** A mirror and README's CLI configuration for it, in `dir`; returns the configuration file. */
async function airGappedSetup(dir: string, drifted: boolean): Promise<string> {
  const mirrorDir = path.join(dir, 'providers');
  await createProviderMirror(mirrorDir, { drifted });
  const cliConfigFile = path.join(dir, 'terraformrc');
  await writeFile(cliConfigFile, readmeCliConfig(mirrorDir));
  return cliConfigFile;
}

/** README's CLI configuration for an air-gapped machine, with its mirror path replaced by `mirrorDir`. */
export function readmeCliConfig(mirrorDir: string): string {
  const readme = readFileSync(README, 'utf8');
  const block = /```hcl\n(# \/etc\/export-server\/terraformrc\n[\s\S]*?)```/.exec(readme)?.[1];
  if (!block || !block.includes('/opt/terraform/providers')) {
    throw new Error('README.md no longer shows the air-gapped terraformrc this suite follows');
  }
  return block.replace('/opt/terraform/providers', mirrorDir);
}

/** The real CLI with the provider stand-in, set up in `rootDir` as README describes. */
export async function realTerraformVariant(terraformBin: string, rootDir: string): Promise<ExporterVariant> {
  const driftedDir = path.join(rootDir, 'drifted');
  await mkdir(driftedDir);
  return {
    name: 'real Terraform CLI',
    env: { TERRAFORM_BIN: terraformBin, TF_CLI_CONFIG_FILE: await airGappedSetup(rootDir, false) },
    terraformBin,
    driftedEnv: { TERRAFORM_BIN: terraformBin, TF_CLI_CONFIG_FILE: await airGappedSetup(driftedDir, true) },
  };
}
