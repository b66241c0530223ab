import { HeaderObject } from '@nestjs/swagger';
import { JOB_STATUSES } from '../jobs/export-job';

/** The response headers the API sends, declared once so every response that carries one says the same. */

const header = (description: string, schema: HeaderObject['schema'], required = true): HeaderObject => ({
  description,
  required,
  schema,
});

/** Marks a header as sent only sometimes (the description says when). */
export const sometimes = (declared: HeaderObject): HeaderObject => ({ ...declared, required: false });

export const JOB_STATUS = header(
  "The job's state, on every answer about a job: the only state signal on a 204 or 304",
  { type: 'string', enum: [...JOB_STATUSES] },
);

export const RETRY_AFTER_POLL = header(
  'While the job is pending or running: seconds to wait before polling again',
  { type: 'integer', minimum: 0 },
  false,
);

export const RETRY_AFTER = header('Seconds to wait before sending the request again', {
  type: 'integer',
  minimum: 0,
});

export const LOCATION = header('The job to poll', {
  type: 'string',
  pattern: '^/api/v1/exports/[0-9a-f-]{36}$',
});

export const SCHEDULE_LOCATION = header('The new schedule', {
  type: 'string',
  pattern: '^/api/v1/schedules/[0-9a-f-]{36}$',
});

export const IDEMPOTENT_REPLAYED = header(
  'Only on a repeat of an earlier request with the same Idempotency-Key: the answer describes the job that request created',
  { type: 'string', enum: ['true'] },
  false,
);

const LINK_VALUE = { type: 'string', pattern: '^<[^>]+>; rel="[a-z]+"$' } as const;

export const LINK_NEXT_STEP = header(
  'Where to go next (RFC 8288): rel="results" once the job completed, rel="monitor" or rel="status" to poll the job',
  LINK_VALUE,
);

export const LINK_NEXT_PAGE = header('The next page, rel="next"; absent on the last page', LINK_VALUE, false);

export const PREFERENCE_APPLIED = header(
  'Only when the request sent `Prefer: return=representation` and would otherwise have been answered with 204',
  { type: 'string', enum: ['return=representation'] },
  false,
);

const ETAG_VALUE = { type: 'string', pattern: '^(W/)?"[^"]*"$' } as const;

export const JOB_ETAG = header(
  "The job's current version; send it back in If-None-Match to poll cheaply",
  ETAG_VALUE,
);

export const ZIP_ETAG = header("The zip's version, for If-None-Match and If-Range", ETAG_VALUE);

export const LAST_MODIFIED = header('When the zip was written', { type: 'string' });

export const ACCEPT_RANGES = header('The zip can be fetched in byte ranges', {
  type: 'string',
  enum: ['bytes'],
});

export const CONTENT_RANGE = header('The bytes of the zip in this answer, and its size', {
  type: 'string',
  pattern: '^bytes \\d+-\\d+/\\d+$',
});

export const CONTENT_RANGE_UNSATISFIED = header("The zip's size: `bytes */<size>`", {
  type: 'string',
  pattern: '^bytes \\*/\\d+$',
});

export const CONTENT_DISPOSITION = header('The file name to save the zip as', {
  type: 'string',
  pattern: '^attachment; filename="export-[0-9a-f-]{36}\\.zip"$',
});

export const X_ACCEL_REDIRECT = header(
  'Only with DOWNLOAD_ACCEL_REDIRECT: the internal URL under which the fronting proxy serves the zip',
  { type: 'string' },
  false,
);

export const NO_STORE = header('The log grows while the job runs, so no copy of it is kept', {
  type: 'string',
  enum: ['no-store'],
});

export const WWW_AUTHENTICATE = header('How to authenticate (RFC 6750)', {
  type: 'string',
  pattern: '^Bearer ',
});

/** Every answer has it: the request log (request-log.ts) assigns it before anything else runs. */
export const X_REQUEST_ID = header(
  "The request's id in the server's logs (the caller's own X-Request-Id when it sent a sane one); quote it when reporting a problem",
  { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' },
);
