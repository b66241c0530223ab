import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiExtraModels,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Request, Response } from 'express';
import { Audited, AuditedInterceptor } from '../audit/audited.interceptor';
import { Caller } from '../auth/caller';
import { CallerGuard, CurrentCaller } from '../auth/caller.guard';
import { ApiProblemResponses } from '../common/problem-details/api-problem-responses';
import { ProblemKind } from '../common/problem-details/problem-catalogue';
import { requestContext } from '../logging/request-id';
import {
  ACCEPT_RANGES,
  CONTENT_DISPOSITION,
  CONTENT_RANGE,
  IDEMPOTENT_REPLAYED,
  JOB_ETAG,
  JOB_STATUS,
  LAST_MODIFIED,
  LINK_NEXT_PAGE,
  LINK_NEXT_STEP,
  LOCATION,
  NO_STORE,
  PREFERENCE_APPLIED,
  RETRY_AFTER_POLL,
  sometimes,
  X_ACCEL_REDIRECT,
  ZIP_ETAG,
} from '../openapi/response-headers';
import { PrincipalRateLimitGuard } from '../rate-limit/rate-limit.guards';
import { RateLimitClass } from '../rate-limit/rate-limits';
import { WebhooksService } from '../webhooks/webhooks.service';
import { webhookView } from '../webhooks/webhook-views';
import { ApiCreateExportBody, CreateExportBodyDto } from './dto/create-export-body.dto';
import { toExportParameters } from './request-parameters';
import { ExportsService } from './exports.service';
import { jobPath, listPath, noContentOr, notModifiedSince, setJobHeaders } from './job-response';
import {
  JobAcceptedView,
  JobEventsView,
  eventsView,
  JobListView,
  JobResultsView,
  JobView,
  jobView,
  resultsView,
} from './job-views';
import { JobLogQuery, ListExportsQuery } from './export-queries';

/** `send` passes highWaterMark on to the file's read stream, which Express's types do not show. */
const SEND_ZIP_OPTIONS: Parameters<Response['sendFile']>[1] & { highWaterMark: number } = {
  acceptRanges: true,
  cacheControl: false,
  highWaterMark: 1024 * 1024,
};

const PREFER_HEADER = {
  name: 'Prefer',
  required: false,
  description: 'Send `return=representation` to get 200 with the job instead of 204 No Content.',
  schema: { type: 'string', example: 'return=representation' },
};

/** The routes about one job name it by its id (any other text is a job that does not exist: 404). */
export const ApiJobIdParam = () =>
  ApiParam({ name: 'id', description: 'The `job_id`', schema: { type: 'string', format: 'uuid' } });

/** Answers about a job carry its state, and while it is unfinished when to poll again. */
const JOB_HEADERS = { 'Job-Status': JOB_STATUS, 'Retry-After': RETRY_AFTER_POLL };

/** What any route here can answer before its handler runs (authentication, rate limits) or while the database is down. */
const EVERY_ROUTE_PROBLEMS: ProblemKind[] = [
  'unauthenticated',
  'rate-limited',
  'identity-provider-unavailable',
  'database-unavailable',
];

/**
 * Routes about one job also answer 404 for a job the caller cannot see, and 400 for an id that is
 * not even valid percent-encoding (Express refuses it before the handler runs).
 */
export const JOB_ROUTE_PROBLEMS: ProblemKind[] = [...EVERY_ROUTE_PROBLEMS, 'job-not-found', 'undecodable-path'];

/** The headers of a zip answer, set before `send` answers (or refuses) a download. */
const ZIP_ANSWER_HEADERS = ['Job-Status', 'Content-Disposition', 'ETag', 'Last-Modified', 'Accept-Ranges'];

@ApiTags('exports')
@ApiBearerAuth()
@ApiExtraModels(JobView, JobResultsView)
@Controller('api/v1/exports')
// The per-principal budget needs the caller, so it runs after CallerGuard (the address budget ran before).
@UseGuards(CallerGuard, PrincipalRateLimitGuard)
@UseInterceptors(AuditedInterceptor)
export class ExportsController {
  constructor(
    private readonly exports: ExportsService,
    private readonly webhooks: WebhooksService,
  ) {}

  @Post()
  @HttpCode(202)
  @RateLimitClass('create')
  @ApiOperation({
    operationId: 'createExport',
    summary: 'Start an export',
    description:
      'Takes any of the genesyscloud_tf_export attributes; omitted ones keep the provider defaults. ' +
      'Answers 202 with the job id and a Location header to poll.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Makes retries safe: the same key and parameters within 24 h answer with the job the first request ' +
      'created (header `Idempotent-Replayed: true`); the same key with other parameters is 422.',
  })
  @ApiCreateExportBody()
  @ApiAcceptedResponse({
    type: JobAcceptedView,
    headers: { Location: LOCATION, ...JOB_HEADERS, 'Idempotent-Replayed': IDEMPOTENT_REPLAYED },
  })
  @ApiProblemResponses(
    ...EVERY_ROUTE_PROBLEMS,
    'invalid-request',
    'malformed-body',
    'invalid-idempotency-key',
    'webhook-host-not-allowed',
    'job-conflict',
    'body-too-large',
    'unsupported-media-type',
    'idempotency-key-reused',
    'webhooks-disabled',
    'shutting-down',
    'exporter-unavailable',
  )
  async create(
    @Body() body: CreateExportBodyDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentCaller() caller: Caller,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobAcceptedView> {
    const webhook = body.webhook && { ...(await this.webhooks.accept(body.webhook)), scheduleId: null };
    const { job, replayed } = await this.exports.create(toExportParameters(body), caller, {
      idempotencyKey,
      webhook,
      ...requestContext(req),
    });
    res.location(jobPath(job.id));
    setJobHeaders(res, job);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    // A replay repeats the first answer (its webhook URL is part of the key's fingerprint); the
    // job's current state is in Job-Status.
    return {
      job_id: job.id,
      status: 'pending',
      created_at: job.createdAt.toISOString(),
      ...(webhook ? { webhook: webhookView(webhook.url) } : {}),
    };
  }

  @Get()
  @Audited('job.listed')
  @ApiOperation({
    operationId: 'listExports',
    summary: "List the caller's export jobs, newest first",
    description:
      'A page at a time: `has_more` says whether more follow, and `next` (also the `Link` header, ' +
      'rel="next") is the URL of the next page, which continues with `cursor` where this one ended.',
  })
  @ApiOkResponse({ type: JobListView, headers: { Link: LINK_NEXT_PAGE } })
  @ApiProblemResponses(...EVERY_ROUTE_PROBLEMS, 'invalid-request', 'invalid-cursor')
  async list(
    @Query() query: ListExportsQuery,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobListView> {
    const { jobs, nextCursor } = await this.exports.list(caller, query);
    const next = nextCursor === null ? null : listPath({ status: query.status, limit: query.limit, cursor: nextCursor });
    if (next) res.setHeader('Link', `<${next}>; rel="next"`);
    return { jobs: jobs.map(jobView), limit: query.limit, has_more: next !== null, next_cursor: nextCursor, next };
  }

  @Get(':id')
  @ApiJobIdParam()
  @Audited('job.read')
  @RateLimitClass('poll')
  @ApiOperation({
    operationId: 'getExport',
    summary: 'Poll a job',
    description:
      '200 with the job while it is pending or running, and for failed or cancelled jobs; 204 once it ' +
      'completed, with `Job-Status: completed` and a `Link` to its results. Every answer carries ' +
      '`Job-Status` and an `ETag`; unfinished jobs add `Retry-After` (seconds). With `If-None-Match` ' +
      'naming the current ETag the answer is 304 Not Modified.',
  })
  @ApiHeader(PREFER_HEADER)
  @ApiHeader({
    name: 'If-None-Match',
    required: false,
    description: 'The ETag of an earlier answer: 304 Not Modified while the job has not changed since.',
    schema: { type: 'string' },
  })
  @ApiOkResponse({
    type: JobView,
    headers: { ...JOB_HEADERS, ETag: JOB_ETAG, 'Preference-Applied': PREFERENCE_APPLIED },
  })
  @ApiNoContentResponse({
    description: 'The job completed; its results are at the `Link`',
    headers: { 'Job-Status': JOB_STATUS, ETag: JOB_ETAG, Link: LINK_NEXT_STEP },
  })
  @ApiResponse({
    status: 304,
    description: 'The job has not changed since the ETag given in If-None-Match (no body; Job-Status still set)',
    headers: { ...JOB_HEADERS, ETag: JOB_ETAG },
  })
  @ApiProblemResponses(...JOB_ROUTE_PROBLEMS)
  async status(
    @Param('id') id: string,
    @Headers('prefer') prefer: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobView | undefined> {
    const job = await this.exports.get(id, caller);
    setJobHeaders(res, job);
    const view = jobView(job);
    if (notModifiedSince(res, ifNoneMatch, view)) {
      res.status(304);
      return undefined;
    }
    if (job.status !== 'completed') return view;
    return noContentOr(res, prefer, { href: `${jobPath(job.id)}/results`, rel: 'results' }, view);
  }

  @Delete(':id')
  @ApiJobIdParam()
  @Audited('job.cancelled')
  @ApiOperation({
    operationId: 'cancelExport',
    summary: 'Cancel a job',
    description:
      '200 with the job when a pending or running job was cancelled (a running exporter is stopped and ' +
      'its files removed); 204 when the job had already finished, with its state in `Job-Status` (200 ' +
      'with the job for `Prefer: return=representation`).',
  })
  @ApiHeader(PREFER_HEADER)
  @ApiOkResponse({
    type: JobView,
    description: 'The job, cancelled now; or with `Prefer: return=representation`, the job that had already finished',
    headers: { 'Job-Status': JOB_STATUS, 'Preference-Applied': PREFERENCE_APPLIED },
  })
  @ApiNoContentResponse({
    description: 'The job had already finished; the `Link` leads to its results or to the job',
    headers: { 'Job-Status': JOB_STATUS, Link: LINK_NEXT_STEP },
  })
  @ApiProblemResponses(...JOB_ROUTE_PROBLEMS)
  async cancel(
    @Param('id') id: string,
    @Headers('prefer') prefer: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobView | undefined> {
    const { cancelled, job } = await this.exports.cancel(id, caller);
    setJobHeaders(res, job);
    if (cancelled) return jobView(job);
    const next =
      job.status === 'completed'
        ? { href: `${jobPath(job.id)}/results`, rel: 'results' }
        : { href: jobPath(job.id), rel: 'status' };
    return noContentOr(res, prefer, next, jobView(job));
  }

  @Get(':id/results')
  @ApiJobIdParam()
  @Audited('job.results_read')
  @RateLimitClass('poll')
  @ApiOperation({
    operationId: 'getExportResults',
    summary: "List a completed job's files",
    description:
      '200 with the files once the job completed; 204 while it is pending or running (with a `Link` ' +
      'to the job; 200 with the job for `Prefer: return=representation`); 409 for failed or cancelled ' +
      'jobs; 410 once retention removed the files.',
  })
  @ApiHeader(PREFER_HEADER)
  @ApiOkResponse({
    description: 'The files (JobResultsView); with `Prefer: return=representation` while the job runs, the job (JobView)',
    schema: { oneOf: [{ $ref: getSchemaPath(JobResultsView) }, { $ref: getSchemaPath(JobView) }] },
    headers: { ...JOB_HEADERS, 'Preference-Applied': PREFERENCE_APPLIED },
  })
  @ApiNoContentResponse({
    description: 'The job is still pending or running; the `Link` leads to it',
    headers: { ...JOB_HEADERS, Link: LINK_NEXT_STEP },
  })
  @ApiProblemResponses(...JOB_ROUTE_PROBLEMS, 'job-has-no-results', 'job-expired', 'job-files-unavailable')
  async results(
    @Param('id') id: string,
    @Headers('prefer') prefer: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobResultsView | JobView | undefined> {
    const outcome = await this.exports.results(id, caller);
    setJobHeaders(res, outcome.job);
    if (!outcome.ready) {
      return noContentOr(res, prefer, { href: jobPath(outcome.job.id), rel: 'monitor' }, jobView(outcome.job));
    }
    return resultsView(outcome.job, outcome.files);
  }

  @Get(':id/download')
  @ApiJobIdParam()
  @Audited('job.downloaded')
  @ApiOperation({
    operationId: 'downloadExport',
    summary: "Download a completed job's files as one zip",
    description:
      'The zip is built when the job completes, so the answer has a Content-Length, an ETag and supports ' +
      'HTTP Range requests (a broken download can be resumed) and conditional requests.',
  })
  @ApiHeader({ name: 'Range', required: false, description: 'One byte range, e.g. `bytes=0-1023`', schema: { type: 'string' } })
  @ApiHeader({
    name: 'If-Range',
    required: false,
    description: 'The ETag of the zip the earlier part came from: the range is sent only while it is unchanged',
    schema: { type: 'string' },
  })
  @ApiHeader({
    name: 'If-None-Match',
    required: false,
    description: 'The ETag of a zip already downloaded: 304 Not Modified while it is unchanged',
    schema: { type: 'string' },
  })
  @ApiProduces('application/zip')
  @ApiOkResponse({
    description: 'The zip; with DOWNLOAD_ACCEL_REDIRECT, an empty body the fronting nginx replaces with it',
    schema: { type: 'string', format: 'binary' },
    headers: {
      'Job-Status': JOB_STATUS,
      'Content-Disposition': CONTENT_DISPOSITION,
      // The fronting proxy adds these itself when DOWNLOAD_ACCEL_REDIRECT is set.
      ETag: sometimes(ZIP_ETAG),
      'Last-Modified': sometimes(LAST_MODIFIED),
      'Accept-Ranges': sometimes(ACCEPT_RANGES),
      'X-Accel-Redirect': X_ACCEL_REDIRECT,
    },
  })
  @ApiResponse({
    status: 206,
    description: 'The requested byte range of the zip',
    content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
    headers: {
      'Job-Status': JOB_STATUS,
      'Content-Disposition': CONTENT_DISPOSITION,
      'Content-Range': CONTENT_RANGE,
      ETag: ZIP_ETAG,
      'Last-Modified': LAST_MODIFIED,
      'Accept-Ranges': ACCEPT_RANGES,
    },
  })
  @ApiResponse({
    status: 304,
    description: 'The zip has not changed since the ETag given in If-None-Match',
    headers: { 'Job-Status': JOB_STATUS, ETag: ZIP_ETAG, 'Last-Modified': LAST_MODIFIED, 'Accept-Ranges': ACCEPT_RANGES },
  })
  @ApiProblemResponses(
    ...JOB_ROUTE_PROBLEMS,
    'download-not-available',
    'job-expired',
    'job-files-unavailable',
    'precondition-failed',
    'range-not-satisfiable',
  )
  async download(@Param('id') id: string, @CurrentCaller() caller: Caller, @Res() res: Response): Promise<void> {
    const { job, path, accelRedirect } = await this.exports.download(id, caller);
    setJobHeaders(res, job);
    res.attachment(`export-${job.id}.zip`);
    if (accelRedirect) {
      // The fronting nginx sends the file itself (sendfile, Range, If-Range); the body stays empty.
      res.setHeader('X-Accel-Redirect', accelRedirect);
      res.end();
      return;
    }
    // Express's sendFile brings Content-Length, ETag, Last-Modified and Range handling; reads of
    // 1 MiB instead of 64 KiB cut the per-chunk cost of moving a large zip through JavaScript.
    await new Promise<void>((resolve, reject) =>
      res.sendFile(path, SEND_ZIP_OPTIONS, (error) => {
        if (!error) return resolve();
        // A refusal (412, 416) is a problem document, not the zip: a browser must not save it as one.
        if (!res.headersSent) ZIP_ANSWER_HEADERS.forEach((name) => res.removeHeader(name));
        reject(error);
      }),
    );
  }

  @Get(':id/logs')
  @ApiJobIdParam()
  @Audited('job.log_read')
  @ApiOperation({
    operationId: 'getExportLogs',
    summary: "A job's Terraform and provider log",
    description:
      'Plain text, streamed; credentials are removed before anything is written. With `follow=true` the ' +
      'response stays open and carries new lines until the job ends.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'The log',
    schema: { type: 'string' },
    headers: { ...JOB_HEADERS, 'Cache-Control': NO_STORE },
  })
  @ApiProblemResponses(...JOB_ROUTE_PROBLEMS, 'invalid-request', 'job-expired', 'too-many-follow-streams')
  async log(
    @Param('id') id: string,
    @Query() query: JobLogQuery,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    // A client that goes away closes its stream: the file is closed and nothing more is done for it.
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const { job, stream } = await this.exports.log(id, caller, query.follow, gone.signal);
    res.once('close', () => stream.destroy());
    setJobHeaders(res, job);
    res.setHeader('Cache-Control', 'no-store');
    return new StreamableFile(stream, { type: 'text/plain; charset=utf-8' });
  }

  @Get(':id/events')
  @ApiJobIdParam()
  @Audited('job.events_read')
  @ApiOperation({
    operationId: 'getExportEvents',
    summary: "A job's audit trail",
    description: 'Who did what with the job, and how it ended, oldest first.',
  })
  @ApiOkResponse({ type: JobEventsView, headers: JOB_HEADERS })
  @ApiProblemResponses(...JOB_ROUTE_PROBLEMS)
  async events(
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobEventsView> {
    const { job, events } = await this.exports.events(id, caller);
    setJobHeaders(res, job);
    return eventsView(job.id, events);
  }
}
