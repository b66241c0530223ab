import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

/** Where the provider records per-resource and permission errors (reference §2). */
export const EXPORT_ERRORS_FILE = 'export_errors.json';

export interface ExportErrorSummary {
  /** Entries in export_errors.json; a GetAll permission error counts once for its type. */
  resourcesFailed: number;
  /** Present when the provider wrote the file. */
  errorsFile?: string;
}

/**
 * Reads export_errors.json (an object keyed by resource type, each an array of errors) from an
 * export directory. A missing file means no errors; an unreadable one is reported as such.
 */
export async function summariseExportErrors(exportDirectory: string): Promise<ExportErrorSummary> {
  let text: string;
  try {
    text = await readFile(path.join(exportDirectory, EXPORT_ERRORS_FILE), 'utf8');
  } catch {
    return { resourcesFailed: 0 };
  }
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    return { resourcesFailed: 0, errorsFile: EXPORT_ERRORS_FILE };
  }
  const entries = typeof report === 'object' && report !== null ? Object.values(report) : [];
  const resourcesFailed = entries.reduce<number>(
    (sum, list) => sum + (Array.isArray(list) ? list.length : 0),
    0,
  );
  return { resourcesFailed, errorsFile: EXPORT_ERRORS_FILE };
}
