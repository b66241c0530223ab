import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { TerraformSetup } from './terraform-setup';
import { exportDirectoryOf, ExportParameters } from '../export-parameters/export-parameters';
import { ExporterCredentials, secretValues } from '../credentials/exporter-credentials';
import { createScrubber } from './log-scrubber';
import { ExecutableNotRunnableError, runSupervised, SupervisedResult } from './supervised-process';
import { buildTerraformEnvironment, describeUnrunnableTerraform } from './terraform-environment';
import { describeDiagnostic, parseDiagnosticLine, TerraformDiagnostic } from './terraform-diagnostics';
import { buildWorkspaceConfig } from './terraform-workspace';
import { findExportConfigProblem } from './export-config-check';
import { standaloneExporterToggles } from './standalone-exporters';
import { killLeftoverExporter } from './leftover-processes';
import { readRunRecord, RunRecord, thisServerRecord, writeRunRecord } from './run-record';

export interface ExporterRun {
  parameters: ExportParameters;
  credentials: ExporterCredentials;
  /** Absolute directory the export is written to. */
  exportDirectory: string;
  /** Absolute, private directory for main.tf.json, .terraform and the workspace's own state. */
  workspaceDirectory: string;
  /** Stopping the run: cancellation, timeout or shutdown. */
  signal: AbortSignal;
  /** Each line of Terraform's and the provider's log, with the run's secrets already removed. */
  onLogLine?: (line: string) => void;
}

export type ExporterResult =
  | { status: 'succeeded'; warnings: string[] }
  /** `notRunnable`: TERRAFORM_BIN could not be started at all. */
  | { status: 'failed'; error: string; notRunnable?: boolean }
  | { status: 'stopped' };

/** hclog's line start (`2026-11-21T05:00:00.123Z [INFO]  ...`): Terraform's and the provider's log. */
const LOG_LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\S*\s+\[(TRACE|DEBUG|INFO|WARN|ERROR)\]/;

/** Runs one genesyscloud_tf_export through Terraform: init, then apply, in a workspace of its own. */
@Injectable()
export class TerraformExporter {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly setup: TerraformSetup,
  ) {}

  /**
   * Writes what a run's workspace needs whatever the job (the provider lock file, the run record)
   * into its folder, which exists: a workspace can be made ahead of its job, and `configure`d then.
   */
  async prepareWorkspace(workspaceDirectory: string): Promise<void> {
    const lockFile = this.setup.seedWorkspace(workspaceDirectory);
    try {
      writeRunRecord(workspaceDirectory, thisServerRecord(this.config.serverId));
    } finally {
      await lockFile;
    }
  }

  /** Writes the job's main.tf.json into a workspace `prepareWorkspace` made. */
  async configureWorkspace(
    workspace: Pick<ExporterRun, 'parameters' | 'exportDirectory' | 'workspaceDirectory'>,
  ): Promise<void> {
    const config = buildWorkspaceConfig(
      workspace.parameters,
      workspace.exportDirectory,
      this.config.providerVersion,
    );
    await writeFile(
      path.join(workspace.workspaceDirectory, 'main.tf.json'),
      JSON.stringify(config, null, 2),
      {
        mode: 0o600,
      },
    );
  }

  /** Runs the export in a workspace `prepareWorkspace` and `configureWorkspace` wrote. */
  async run(run: ExporterRun): Promise<ExporterResult> {
    const record = thisServerRecord(this.config.serverId);
    const env = buildTerraformEnvironment({
      ...this.setup.settings(),
      credentials: run.credentials,
      featureToggles: standaloneExporterToggles(run.parameters),
    });
    const scrub = createScrubber(secretValues(run.credentials));
    const log = (line: string) => run.onLogLine?.(scrub(line));
    const result = await this.initAndApply(run, env, log, record);
    // Errors and warnings quote Terraform's own output, which may echo a credential back.
    if (result.status === 'failed') return { ...result, error: scrub(result.error) };
    if (result.status === 'succeeded') return { ...result, warnings: result.warnings.map(scrub) };
    return result;
  }

  private async initAndApply(
    run: ExporterRun,
    env: NodeJS.ProcessEnv,
    log: (line: string) => void,
    record: RunRecord,
  ): Promise<ExporterResult> {
    // init's own output goes into the job's log: it shows where the provider came from.
    const init = await this.terraform(run, env, record, ['init', '-input=false', '-no-color'], log, log);
    if ('error' in init) return { status: 'failed', ...init };
    if (init.result.stopped) return { status: 'stopped' };
    if (init.result.exitCode !== 0) {
      return { status: 'failed', error: `terraform init failed: ${lastLines(init.result.stderrTail)}` };
    }

    const diagnostics: TerraformDiagnostic[] = [];
    const apply = await this.terraform(
      run,
      env,
      record,
      ['apply', '-auto-approve', '-input=false', '-no-color', '-json'],
      (line) => {
        const diagnostic = parseDiagnosticLine(line);
        if (diagnostic) diagnostics.push(diagnostic);
      },
      log,
    );
    if ('error' in apply) return { status: 'failed', ...apply };
    if (apply.result.stopped) return { status: 'stopped' };
    const errors = diagnostics.filter((d) => d.severity === 'error').map(describeDiagnostic);
    // Terraform validates the configuration in three provider processes per apply, so a validation
    // warning (the deprecated resource_types) arrives three times.
    const warnings = [
      ...new Set(diagnostics.filter((d) => d.severity === 'warning').map(describeDiagnostic)),
    ];
    if (apply.result.exitCode === 0) {
      // The provider ignores some write errors, so a successful apply is not proof of a whole export.
      const problem = await findExportConfigProblem(
        run.exportDirectory,
        run.parameters,
        exportDirectoryOf(run.parameters),
      );
      return problem ? { status: 'failed', error: problem } : { status: 'succeeded', warnings };
    }
    const error =
      errors.length > 0
        ? errors.join('\n')
        : `terraform apply exited with ${describeExit(apply.result)}: ${lastLines(apply.result.stderrTail)}`;
    return { status: 'failed', error };
  }

  /**
   * One Terraform command. Its stderr carries Terraform's and the provider's log (hclog lines, sent
   * to `log` scrubbed) and, apart from those, Terraform's own error output (kept for messages).
   */
  private async terraform(
    run: ExporterRun,
    env: NodeJS.ProcessEnv,
    record: RunRecord,
    args: string[],
    onStdoutLine: (line: string) => void,
    log: (line: string) => void,
  ): Promise<{ result: SupervisedResult } | { error: string; notRunnable: true }> {
    try {
      const result = await runSupervised({
        command: this.config.terraformBin,
        args,
        cwd: run.workspaceDirectory,
        env,
        signal: run.signal,
        stopGraceMs: this.config.stopGraceMs,
        onStdoutLine,
        onStderrLine: (line) => {
          log(line);
          return LOG_LINE.test(line);
        },
        onSpawn: (pid) => writeRunRecord(run.workspaceDirectory, { ...record, processGroup: pid }),
      });
      return { result };
    } catch (error) {
      if (!(error instanceof ExecutableNotRunnableError)) throw error;
      return {
        notRunnable: true,
        error: describeUnrunnableTerraform(error.command, error.code),
      };
    }
  }
}

/**
 * Kills the exporter processes a run left in `workspaceDirectory` on this host, if any (its server
 * died, or its job was failed by the sweep). Returns how many there were.
 */
export function killLeftoverExporterIn(workspaceDirectory: string): number {
  const processGroup = readRunRecord(workspaceDirectory)?.processGroup;
  return processGroup !== undefined && Number.isInteger(processGroup) && processGroup > 1
    ? killLeftoverExporter(processGroup, workspaceDirectory)
    : 0;
}

function describeExit(result: SupervisedResult): string {
  return result.signal ? `signal ${result.signal}` : `code ${result.exitCode}`;
}

function lastLines(text: string, count = 5): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.slice(-count).join('\n') || '(no output)';
}
