import { Response } from 'express';
import { ExportJob, isFinished } from '../jobs/export-job';

/** Seconds a poller should wait before asking again about an unfinished job. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Headers every job response carries. A 204 has no body (RFC 9110), so the job's state travels in
 * `Job-Status` whatever the code.
 */
export function setJobHeaders(res: Response, job: ExportJob): void {
  res.setHeader('Job-Status', job.status);
  if (!isFinished(job.status)) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
}

/** True when the client asked for a body instead of 204 (RFC 7240 `Prefer: return=representation`). */
export function prefersRepresentation(prefer: string | undefined): boolean {
  return (prefer ?? '')
    .split(',')
    .some((preference) => preference.split(';')[0].trim().toLowerCase() === 'return=representation');
}

/**
 * Answers 204 with a Link to the next useful URL, or 200 with `body` for a client that prefers a
 * representation. Returns what the handler should return.
 */
export function noContentOr<T>(
  res: Response,
  prefer: string | undefined,
  link: { href: string; rel: string },
  body: T,
): T | undefined {
  if (prefersRepresentation(prefer)) {
    res.setHeader('Preference-Applied', 'return=representation');
    res.status(200);
    return body;
  }
  res.setHeader('Link', `<${link.href}>; rel="${link.rel}"`);
  res.status(204);
  return undefined;
}

export const jobPath = (id: string) => `/api/v1/exports/${id}`;
