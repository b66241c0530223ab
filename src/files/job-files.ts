import { lstat, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { toJobId } from '../jobs/export-job';
import { ExportFile, fileTypeOf } from './export-file';
import { writeZip } from './zip-archive';

/** The download archive's name inside the job folder. */
export const JOB_ZIP_NAME = 'export.zip';

/** Folder under the base dir for what a run needs but users never see (workspaces, logs). */
const RUNS_DIR = '.runs';

/**
 * Where each job's files live, and the file work on them. Layout under EXPORT_BASE_DIR:
 * `<job id>/` holds the export and export.zip; `.runs/<job id>/` holds the Terraform workspace
 * (removed when the run ends) and the scrubbed run log.
 */
@Injectable()
export class JobFiles implements OnModuleInit {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * Makes the runs' folder at start rather than with the first job's workspace. Not fatal here:
   * an unwritable EXPORT_BASE_DIR is reported by the exporter's readiness, and fails each run.
   */
  async onModuleInit(): Promise<void> {
    await mkdir(path.join(this.config.exportBaseDir, RUNS_DIR), { recursive: true, mode: 0o700 }).catch(
      () => undefined,
    );
  }

  jobDirectory(jobId: string): string {
    return this.inside(this.config.exportBaseDir, jobId);
  }

  /** `directory` was validated as a relative path; resolving it again keeps the guarantee local. */
  exportDirectory(jobId: string, directory: string): string {
    return this.inside(this.jobDirectory(jobId), directory);
  }

  workspaceDirectory(jobId: string): string {
    return path.join(this.runDirectory(jobId), 'workspace');
  }

  logFile(jobId: string): string {
    return path.join(this.runDirectory(jobId), 'terraform.log');
  }

  zipFile(jobId: string): string {
    return path.join(this.jobDirectory(jobId), JOB_ZIP_NAME);
  }

  /** The zip's path relative to EXPORT_BASE_DIR, `/`-separated (what a fronting proxy appends to its root). */
  zipPathInBaseDir(jobId: string): string {
    return path.relative(this.config.exportBaseDir, this.zipFile(jobId)).split(path.sep).join('/');
  }

  /** Makes the job's folder and its run's workspace (private, as the folder holding it). */
  async prepare(jobId: string): Promise<void> {
    // Side by side (neither is inside the other): each call may wait for the event loop, and
    // the exporter waits for them all.
    await Promise.all([mkdir(this.jobDirectory(jobId), { recursive: true }), this.makeRunDirectory(jobId)]);
  }

  /**
   * Makes a run directory and its workspace under `name`: a job id, or a name that is not one
   * (a spare, which no clean-up then takes for a job's) to be given to a job later by `adopt`.
   * The workspace by name rather than by a recursive mkdir, which first tries it and fails.
   */
  async makeRunDirectory(name: string): Promise<void> {
    await mkdir(this.runDirectory(name), { recursive: true, mode: 0o700 });
    await mkdir(this.workspaceDirectory(name), { recursive: true, mode: 0o700 });
  }

  /** Every regular file of the job except its download zip, sorted by name. */
  async list(jobId: string): Promise<ExportFile[]> {
    const root = this.jobDirectory(jobId);
    const files: ExportFile[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        const name = path.relative(root, full).split(path.sep).join('/');
        // Symbolic links are skipped: following one could leave the job folder.
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile() && name !== JOB_ZIP_NAME && !name.startsWith(`${JOB_ZIP_NAME}.`)) {
          files.push({ name, size: (await stat(full)).size, type: fileTypeOf(name) });
        }
      }
    };
    await walk(root);
    return files.sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Writes the job's zip at ZIP_LEVEL, compression off the event loop (see writeZip). Written under
   * a temporary name and renamed, so a download never sees half an archive.
   */
  async buildZip(jobId: string, files: ExportFile[]): Promise<void> {
    const root = this.jobDirectory(jobId);
    const target = this.zipFile(jobId);
    const partial = `${target}.partial`;
    const sources = files.map((file) => ({
      path: path.join(root, file.name),
      name: file.name,
      size: file.size,
    }));
    try {
      await writeZip(partial, sources, { level: this.config.zipLevel });
      await rename(partial, target);
    } catch (error) {
      // A full disk fails this job only; its half-written zip must not take the space.
      await rm(partial, { force: true });
      throw error;
    }
  }

  async hasZip(jobId: string): Promise<boolean> {
    const info = await lstat(this.zipFile(jobId)).catch(() => null);
    return info?.isFile() ?? false;
  }

  /** Removes what a job wrote to its folder (cancelled or failed runs). */
  async removeJobFiles(jobId: string): Promise<void> {
    await rm(this.jobDirectory(jobId), { recursive: true, force: true });
  }

  async removeWorkspace(jobId: string): Promise<void> {
    await rm(this.workspaceDirectory(jobId), { recursive: true, force: true });
  }

  /** Removes everything of a job: its folder, its workspace and its log. */
  async removeAll(jobId: string): Promise<void> {
    await this.removeJobFiles(jobId);
    await this.removeRunDirectory(jobId);
  }

  /**
   * Gives the run directory made under `spare` to `jobId`, and makes the job's folder: one rename
   * and one mkdir side by side. False when the spare is gone.
   */
  async adopt(spare: string, jobId: string): Promise<boolean> {
    const [moved] = await Promise.all([
      rename(this.runDirectory(spare), this.runDirectory(jobId)).then(
        () => true,
        () => false,
      ),
      mkdir(this.jobDirectory(jobId), { recursive: true }),
    ]);
    return moved;
  }

  /** Names of the run directories starting with `prefix` (spares, see makeRunDirectory). */
  async runNamesStartingWith(prefix: string): Promise<string[]> {
    const entries = await readdir(path.join(this.config.exportBaseDir, RUNS_DIR)).catch(() => []);
    return entries.filter((name) => name.startsWith(prefix));
  }

  /** Removes a run directory (a job's workspace and log, or a spare). */
  async removeRunDirectory(name: string): Promise<void> {
    await rm(this.runDirectory(name), { recursive: true, force: true });
  }

  /** Job ids that have a folder or a run directory on disk (names that are not job ids are left alone). */
  async idsOnDisk(): Promise<string[]> {
    const ids = [...(await jobIdsIn(this.config.exportBaseDir)), ...(await this.runIdsOnDisk())];
    return [...new Set(ids)];
  }

  /** Job ids that have a run directory (a workspace or a log). */
  runIdsOnDisk(): Promise<string[]> {
    return jobIdsIn(path.join(this.config.exportBaseDir, RUNS_DIR));
  }

  private runDirectory(jobId: string): string {
    return this.inside(path.join(this.config.exportBaseDir, RUNS_DIR), jobId);
  }

  private inside(parent: string, relative: string): string {
    const resolved = path.resolve(parent, relative);
    if (!resolved.startsWith(parent + path.sep)) {
      throw new Error(`Refusing a path outside ${parent}: ${relative}`);
    }
    return resolved;
  }
}

/** Names of the sub-folders of `dir` that are job ids (anything else is left alone). */
async function jobIdsIn(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true }).catch(() => []))
    .filter((entry) => entry.isDirectory() && toJobId(entry.name) === entry.name)
    .map((entry) => entry.name);
}
