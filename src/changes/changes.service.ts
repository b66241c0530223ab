import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { Caller } from '../auth/caller';
import { DomainError } from '../common/domain-error';
import { exportDirectoryOf } from '../export-parameters/export-parameters';
import { ExportsService } from '../exports/exports.service';
import { JobFiles } from '../files/job-files';
import { ExportJob } from '../jobs/export-job';
import { decodeChangeCursor, encodeChangeCursor } from './change-cursor';
import { compareParameters, Comparison, Incomparability } from './comparability';
import { ExportTooLargeError, readExportedResources } from './export-reader';
import { ConfigSyntax, ExportedResources, UnreadableExportError } from './exported-resources';
import { diffResources, ResourceChange, ResourceDiff } from './resource-diff';

/**
 * The most a change report reads of one export (configuration and state files together). Parsing
 * takes several times this in memory and holds the event loop while it runs (README: Change reports).
 */
export const MAX_COMPARED_EXPORT_BYTES = 32 * 1024 * 1024;

/**
 * Completed exports never change, so a report is kept for the next pages: up to this many bytes
 * of exports read (a report is far smaller than the exports it compares).
 */
const REPORT_CACHE_BYTES = 4 * MAX_COMPARED_EXPORT_BYTES;

export interface ChangesQuery {
  since: string;
  limit: number;
  cursor?: string;
  force: boolean;
}

export interface ChangesPage {
  export: ExportJob;
  since: ExportJob;
  syntax: Comparison['syntax'];
  /** The parameter differences force=true overrode; empty otherwise. */
  ignoredDifferences: Incomparability[];
  diff: ResourceDiff;
  changes: ResourceChange[];
  /** Null on the last page. */
  nextCursor: string | null;
}

interface CachedDiff {
  diff: ResourceDiff;
  bytesRead: number;
}

/** Change reports: what differs between two completed exports the caller may see. */
@Injectable()
export class ChangesService {
  private readonly reports = new LRUCache<string, CachedDiff>({
    maxSize: REPORT_CACHE_BYTES,
    sizeCalculation: (entry) => Math.max(1, entry.bytesRead),
  });

  constructor(
    private readonly exports: ExportsService,
    private readonly files: JobFiles,
  ) {}

  /** A page of the differences from export `query.since` to export `id`, by address. */
  async changes(id: string, caller: Caller, query: ChangesQuery): Promise<ChangesPage> {
    const after = query.cursor === undefined ? undefined : decodeChangeCursor(query.cursor);
    if (after === null) {
      throw new DomainError(
        'invalid-cursor',
        'cursor must be the next_cursor of a previous page of this report.',
      );
    }
    // The same lookups as GET /api/v1/exports/{id}: an export the caller may not see is unknown.
    const current = await this.exports.get(id, caller);
    const since = await this.exports.get(query.since, caller);
    refuseUnlessCompleted(current, 'The export');
    refuseUnlessCompleted(since, 'The `since` export');
    const comparison = compareParameters(current.parameters, since.parameters);
    if (comparison.incomparable.length > 0 && !query.force) {
      throw new DomainError(
        'exports-incomparable',
        `The exports cannot be compared: ${comparison.incomparable
          .map(({ attribute, reason }) => `${attribute} differs (${reason})`)
          .join('; ')}. Pass force=true to compare them anyway.`,
        { incomparable: comparison.incomparable },
      );
    }
    const diff = await this.diffOf(current, since, comparison.syntax);
    const start = after === undefined ? 0 : diff.changes.findIndex((change) => change.address > after);
    const rest = start < 0 ? [] : diff.changes.slice(start);
    const changes = rest.slice(0, query.limit);
    return {
      export: current,
      since,
      syntax: comparison.syntax,
      ignoredDifferences: comparison.incomparable,
      diff,
      changes,
      nextCursor:
        rest.length > changes.length ? encodeChangeCursor(changes[changes.length - 1].address) : null,
    };
  }

  private async diffOf(
    current: ExportJob,
    since: ExportJob,
    syntax: Comparison['syntax'],
  ): Promise<ResourceDiff> {
    const key = `${since.id}:${syntax.since}>${current.id}:${syntax.export}`;
    const cached = this.reports.get(key);
    if (cached) return cached.diff;
    const before = await this.resourcesOf(since, syntax.since);
    const now = await this.resourcesOf(current, syntax.export);
    const diff = diffResources(before.resources, now.resources);
    this.reports.set(key, { diff, bytesRead: before.bytes + now.bytes });
    return diff;
  }

  private async resourcesOf(
    job: ExportJob,
    syntax: ConfigSyntax,
  ): Promise<{ resources: ExportedResources; bytes: number }> {
    const directory = this.files.exportDirectory(job.id, exportDirectoryOf(job.parameters));
    try {
      return await readExportedResources(directory, syntax, MAX_COMPARED_EXPORT_BYTES);
    } catch (error) {
      throw asDomainError(error, job);
    }
  }
}

function refuseUnlessCompleted(job: ExportJob, which: string): void {
  if (job.status === 'completed') return;
  throw new DomainError(
    'export-not-completed',
    `${which} ${job.id} is ${job.status}; only completed exports can be compared.`,
    { job_id: job.id, job_status: job.status },
  );
}

function asDomainError(error: unknown, job: ExportJob): unknown {
  const extensions = { job_id: job.id };
  if (error instanceof ExportTooLargeError) {
    return new DomainError(
      'export-too-large',
      `The export ${job.id} is too large to compare: ${error.message}.`,
      { ...extensions, bytes: error.bytes, limit: error.limit },
    );
  }
  if (error instanceof UnreadableExportError) {
    return new DomainError(
      'export-unreadable',
      `The export ${job.id} cannot be read: ${error.message}.`,
      extensions,
    );
  }
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    // Servers that share a database but not EXPORT_BASE_DIR: the export is elsewhere.
    return new DomainError(
      'job-files-unavailable',
      `The export ${job.id} completed, but this server cannot see its files in its export folder ` +
        '(EXPORT_BASE_DIR). Servers that share a database must share that folder too.',
      extensions,
    );
  }
  return error;
}
