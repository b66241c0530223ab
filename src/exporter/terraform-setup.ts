import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ExecutableNotRunnableError, runSupervised } from './supervised-process';
import {
  baseTerraformEnvironment,
  describeUnrunnableTerraform,
  TerraformSettings,
} from './terraform-environment';
import { summariseTerraformError } from './terraform-diagnostics';
import { buildProviderRequirement } from './terraform-workspace';
import { compareProviderSchema } from './provider-schema-drift';
import { isDatabaseUnavailable } from '../database/database-errors';
import { DatabaseLocks } from '../jobs/database-locks';

/** The database lock that servers sharing the plugin cache `pluginCacheDir` take turns on for their set-ups. */
export function terraformSetupTurn(pluginCacheDir: string): string {
  return `terraform-setup:${pluginCacheDir}`;
}

export interface ExporterReadiness {
  state: 'checking' | 'ready' | 'unavailable';
  terraformVersion?: string;
  providerVersionConstraint: string;
  /** Why the exporter is unavailable, and what to do about it. */
  detail?: string;
  /** How the installed provider's genesyscloud_tf_export differs from this server's attribute table. */
  schemaDrift?: string[];
}

/** Set-up failed in a way the operator must fix; the message names the cause and the fix. */
class ExporterSetupError extends Error {}

const LOCK_FILE = '.terraform.lock.hcl';
const SETUP_TIMEOUT_MS = 10 * 60_000;

/**
 * Terraform set-up done once per server start instead of once per job: checks that TERRAFORM_BIN
 * runs, and installs the provider into a shared plugin cache through a template workspace whose
 * lock file every job copies, so each job's `terraform init` finds the provider in the cache.
 */
@Injectable()
export class TerraformSetup implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TerraformSetup.name);
  private status: ExporterReadiness;
  private done: Promise<void> = Promise.resolve();
  /** Stops a set-up still running at shutdown (a first provider download can be slow). */
  private readonly stopping = new AbortController();
  /** Attributes the installed provider lacks; requests that use them are refused. */
  private missingAttributes: ReadonlySet<string> = new Set();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly locks: DatabaseLocks,
  ) {
    this.status = { state: 'checking', providerVersionConstraint: config.providerVersion };
  }

  onApplicationBootstrap(): void {
    // In the background: a first provider download can take a while, and the API need not wait.
    this.done = this.prepare();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.done;
  }

  readiness(): ExporterReadiness {
    return { ...this.status };
  }

  get pluginCacheDir(): string {
    return (
      this.config.terraformPluginCacheDir ?? path.join(this.config.exportBaseDir, '.terraform-plugin-cache')
    );
  }

  /**
   * Gives a job's workspace the template's lock file, when the set-up produced one. A job that
   * starts while the set-up still runs waits for it: without the lock file Terraform (1.4 and
   * newer) does not use the plugin cache, and would install the provider again for that job.
   */
  async seedWorkspace(workspaceDirectory: string): Promise<void> {
    await this.done;
    if (this.status.state !== 'ready') return;
    await copyFile(
      path.join(this.templateDirectory, LOCK_FILE),
      path.join(workspaceDirectory, LOCK_FILE),
    ).catch(() => undefined);
  }

  private get templateDirectory(): string {
    return path.join(this.config.exportBaseDir, '.terraform-template');
  }

  private async prepare(): Promise<void> {
    try {
      await this.inTurnWithOtherServers(() => this.setUp());
    } catch (error) {
      this.status = { ...this.status, state: 'unavailable', detail: (error as Error).message };
      this.logger.warn(`Exporter not ready: ${this.status.detail}`);
    }
  }

  /**
   * Servers sharing the export folder (and so the template workspace and the plugin cache) set
   * up one at a time: Terraform's plugin cache is not safe for installs at the same moment, and
   * an orchestrator starts replicas together. The turn is a database lock; with the database
   * unreachable at start the set-up goes ahead on its own rather than not at all.
   */
  private async inTurnWithOtherServers(setUp: () => Promise<void>): Promise<void> {
    let turn = 'waiting' as 'waiting' | 'taken' | 'done';
    try {
      await this.locks.runInTurn(terraformSetupTurn(this.pluginCacheDir), async () => {
        turn = 'taken';
        await setUp();
        turn = 'done';
      });
    } catch (error) {
      // Ending the lock's transaction failed after a set-up that succeeded: that is no failure.
      if (turn === 'done') return;
      if (turn === 'taken' || !isDatabaseUnavailable(error)) throw error;
      this.logger.warn(`Setting up Terraform without waiting for other servers' set-ups: ${String(error)}`);
      await setUp();
    }
  }

  private async setUp(): Promise<void> {
    await mkdir(this.pluginCacheDir, { recursive: true });
    await mkdir(this.templateDirectory, { recursive: true, mode: 0o700 });
    const version = await this.run(['version', '-json']);
    const terraformVersion = (JSON.parse(version) as { terraform_version?: string }).terraform_version;
    // Known even if installing the provider fails below.
    this.status = { ...this.status, terraformVersion };
    await writeFile(
      path.join(this.templateDirectory, 'main.tf.json'),
      JSON.stringify({ terraform: buildProviderRequirement(this.config.providerVersion) }, null, 2),
    );
    await this.run(['init', '-input=false', '-no-color']).catch((error: unknown) => {
      if (!(error instanceof ExporterSetupError)) throw error;
      throw new ExporterSetupError(
        `${error.message.replace(/\.$/, '')}. Let this server reach the provider registry, or point TF_CLI_CONFIG_FILE at a ` +
          'provider mirror (README: Running real exports), then restart it.',
      );
    });
    const schemaDrift = await this.checkProviderSchema();
    this.status = { ...this.status, state: 'ready', schemaDrift };
    this.logger.log(`Terraform ${terraformVersion} ready; provider cached in ${this.pluginCacheDir}`);
  }

  /** Attributes of the request that the installed provider does not have. */
  unsupportedAttributes(names: string[]): string[] {
    return names.filter((name) => this.missingAttributes.has(name));
  }

  /**
   * `~> 1.84` lets Terraform install a newer provider than the one this server's attribute table
   * describes: its schema is compared with the table, and differences are logged and reported.
   */
  private async checkProviderSchema(): Promise<string[]> {
    let drift;
    try {
      drift = compareProviderSchema(JSON.parse(await this.run(['providers', 'schema', '-json'])));
    } catch (error) {
      const problem = `could not read the installed provider's schema: ${(error as Error).message}`;
      this.logger.warn(problem);
      return [problem];
    }
    this.missingAttributes = new Set(drift.missing);
    for (const difference of drift.differences) {
      this.logger.warn(`Provider schema drift in genesyscloud_tf_export: ${difference}`);
    }
    return drift.differences;
  }

  private async run(args: string[]): Promise<string> {
    const output: string[] = [];
    const result = await runSupervised({
      command: this.config.terraformBin,
      args,
      cwd: this.templateDirectory,
      env: baseTerraformEnvironment(this.settings()),
      signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(SETUP_TIMEOUT_MS)]),
      stopGraceMs: this.config.stopGraceMs,
      onStdoutLine: (line) => output.push(line),
    }).catch((error: unknown) => {
      if (error instanceof ExecutableNotRunnableError) {
        throw new ExporterSetupError(describeUnrunnableTerraform(error.command, error.code));
      }
      throw error;
    });
    if (result.exitCode !== 0) {
      const stderr = result.stderrTail.trim();
      const cause =
        summariseTerraformError(stderr) ??
        (stderr.split('\n').at(-1) || output.slice(-1)[0] || `exit code ${result.exitCode}`);
      throw new ExporterSetupError(`terraform ${args[0]} failed: ${cause}`);
    }
    return output.join('\n');
  }

  /** Where Terraform finds its CLI configuration and provider cache; shared by every run. */
  settings(): TerraformSettings {
    return {
      serverEnv: process.env,
      cliConfigFile: this.config.terraformCliConfigFile,
      pluginCacheDir: this.pluginCacheDir,
    };
  }
}
