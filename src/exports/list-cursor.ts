import { toJobId } from '../jobs/export-job';

/**
 * Where a page of the job list ends: the last job's creation time, exactly as PostgreSQL wrote it
 * (microseconds, which a JavaScript Date would lose), and its id, which breaks ties. Clients get it
 * as an opaque base64url string.
 */
export interface ListCursor {
  createdAt: string;
  id: string;
}

/** `2026-12-01 10:00:00.123456+00` as PostgreSQL prints a timestamptz (any offset). */
const TIMESTAMPTZ_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

export function encodeListCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

/** The cursor, or null when `text` is not one this server made. */
export function decodeListCursor(text: string): ListCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [createdAt, id] = value as unknown[];
    if (typeof createdAt !== 'string' || !TIMESTAMPTZ_TEXT.test(createdAt)) return null;
    if (typeof id !== 'string' || toJobId(id) !== id) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
}
