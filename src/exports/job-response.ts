import { createHash } from 'node:crypto';
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

/**
 * Sets the job's ETag (a hash of its representation, so any change shows) and answers whether the
 * client's If-None-Match already names it: then the caller answers 304 Not Modified.
 */
export function notModifiedSince(res: Response, ifNoneMatch: string | undefined, representation: unknown): boolean {
  const etag = `"${createHash('sha1').update(JSON.stringify(representation)).digest('base64url')}"`;
  res.setHeader('ETag', etag);
  if (ifNoneMatch === undefined) return false;
  // Weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored; `*` matches any current job.
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
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

/** The list URL with these query parameters (those that are set). */
export function listPath(query: { status?: string; limit: number; cursor?: string }): string {
  const params = new URLSearchParams();
  if (query.status) params.set('status', query.status);
  params.set('limit', String(query.limit));
  if (query.cursor) params.set('cursor', query.cursor);
  return `/api/v1/exports?${params.toString()}`;
}
