import { ExporterCredentials } from '../credentials/exporter-credentials';

export interface TerraformSettings {
  /** The server's environment; only PATH and HOME are taken from it. */
  serverEnv: NodeJS.ProcessEnv;
  cliConfigFile?: string;
  pluginCacheDir?: string;
}

export interface TerraformEnvironmentInput extends TerraformSettings {
  credentials: ExporterCredentials;
  /** Provider feature toggles this job needs (environment variables the provider only tests for). */
  featureToggles?: string[];
}

/**
 * What every Terraform command gets. Built from nothing rather than copied from the server, so the
 * database URL and other server settings never reach Terraform or its provider.
 */
export function baseTerraformEnvironment(settings: TerraformSettings): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_INPUT: '0' };
  for (const name of ['PATH', 'HOME'] as const) {
    if (settings.serverEnv[name] !== undefined) env[name] = settings.serverEnv[name];
  }
  if (settings.cliConfigFile) env.TF_CLI_CONFIG_FILE = settings.cliConfigFile;
  if (settings.pluginCacheDir) env.TF_PLUGIN_CACHE_DIR = settings.pluginCacheDir;
  return env;
}

/**
 * An export's environment: the base, the provider log settings and this job's credentials only.
 * No TF_LOG_PATH: the provider log comes on Terraform's stderr, so it is scrubbed in memory before
 * anything of it is written (a log file would hold the provider's raw lines, credentials included).
 */
export function buildTerraformEnvironment(input: TerraformEnvironmentInput): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...baseTerraformEnvironment(input),
    TF_LOG_PROVIDER: 'INFO',
    GENESYSCLOUD_REGION: input.credentials.region,
  };
  for (const name of input.featureToggles ?? []) env[name] = 'true';
  if (input.credentials.kind === 'access_token') {
    env.GENESYSCLOUD_ACCESS_TOKEN = input.credentials.accessToken;
  } else {
    env.GENESYSCLOUD_OAUTHCLIENT_ID = input.credentials.clientId;
    env.GENESYSCLOUD_OAUTHCLIENT_SECRET = input.credentials.clientSecret;
  }
  return env;
}

/** Spawn errors that say the system is short of resources, not that Terraform is missing. */
const RESOURCE_SHORTAGE: Record<string, string> = {
  EMFILE: 'too many open files in the server process',
  ENFILE: 'too many open files on the system',
  EAGAIN: 'no more processes can be started now',
  ENOMEM: 'not enough memory',
};

/** What to tell an operator when TERRAFORM_BIN cannot be started at all. */
export function describeUnrunnableTerraform(command: string, code: string): string {
  const shortage = RESOURCE_SHORTAGE[code];
  if (shortage) {
    return (
      `Terraform could not be started: the server is out of resources (${code}: ${shortage}). ` +
      'Nothing was exported; submit the export again once the server is less busy.'
    );
  }
  return (
    `TERRAFORM_BIN "${command}" could not be run (${code}). Install Terraform or OpenTofu on this ` +
    'server and put it on PATH, or set TERRAFORM_BIN to the full path of the executable.'
  );
}
