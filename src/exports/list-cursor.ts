import { toJobId } from '../jobs/export-job';
import { JobListPosition } from '../jobs/job-repository';

/* A list cursor is a JobListPosition as an opaque base64url string: clients pass it back, never read it. */

/** `2026-12-01 10:00:00.123456+00` as PostgreSQL prints a timestamptz (any offset). */
const TIMESTAMPTZ_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

export function encodeListCursor(cursor: JobListPosition): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

/** The cursor, or null when `text` is not one this server made. */
export function decodeListCursor(text: string): JobListPosition | null {
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
