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
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Request, Response } from 'express';
import { Audited, AuditedInterceptor } from '../audit/audited.interceptor';
import { Caller } from '../auth/caller';
import { CallerGuard, CurrentCaller } from '../auth/caller.guard';
import { ApiProblemResponses } from '../common/problem-details/api-problem-responses';
import { requestContext } from '../logging/request-id';
import { PrincipalRateLimitGuard } from '../rate-limit/rate-limit.guards';
import { RateLimitClass } from '../rate-limit/rate-limits';
import { CreateExportDto } from './dto/create-export.dto';
import { toExportParameters } from './request-parameters';
import { ExportsService } from './exports.service';
import { jobPath, listPath, noContentOr, notModifiedSince, setJobHeaders } from './job-response';
import {
  JobAcceptedView,
  JobCancelledView,
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

const ETAG_HEADER = {
  description: "The job's current version; send it back in If-None-Match to poll cheaply",
  schema: { type: 'string' },
};

const PREFER_HEADER = {
  name: 'Prefer',
  required: false,
  description: 'Send `return=representation` to get 200 with the job instead of 204 No Content.',
};

@ApiTags('exports')
@ApiBearerAuth()
@ApiExtraModels(JobView)
@Controller('api/v1/exports')
// The per-principal budget needs the caller, so it runs after CallerGuard (the address budget ran before).
@UseGuards(CallerGuard, PrincipalRateLimitGuard)
@UseInterceptors(AuditedInterceptor)
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Post()
  @HttpCode(202)
  @RateLimitClass('create')
  @ApiOperation({
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
  @ApiAcceptedResponse({ type: JobAcceptedView })
  @ApiProblemResponses(400, 401, 409, 413, 415, 422, 429, 503)
  async create(
    @Body() body: CreateExportDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentCaller() caller: Caller,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobAcceptedView> {
    const { job, replayed } = await this.exports.create(toExportParameters(body), caller, {
      idempotencyKey,
      ...requestContext(req),
    });
    res.location(jobPath(job.id));
    setJobHeaders(res, job);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    // A replay repeats the first answer; the job's current state is in Job-Status.
    return { job_id: job.id, status: 'pending', created_at: job.createdAt.toISOString() };
  }

  @Get()
  @Audited('job.listed')
  @ApiOperation({
    summary: "List the caller's export jobs, newest first",
    description:
      'A page at a time: `has_more` says whether more follow, and `next` (also the `Link` header, ' +
      'rel="next") is the URL of the next page, which continues with `cursor` where this one ended.',
  })
  @ApiOkResponse({
    type: JobListView,
    headers: { Link: { description: 'The next page, rel="next"; absent on the last page', schema: { type: 'string' } } },
  })
  @ApiProblemResponses(400, 401, 429, 503)
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
  @Audited('job.read')
  @RateLimitClass('poll')
  @ApiOperation({
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
  })
  @ApiOkResponse({ type: JobView, headers: { ETag: ETAG_HEADER } })
  @ApiNoContentResponse({ description: 'The job completed', headers: { ETag: ETAG_HEADER } })
  @ApiResponse({
    status: 304,
    description: 'The job has not changed since the ETag given in If-None-Match (no body; Job-Status still set)',
    headers: { ETag: ETAG_HEADER },
  })
  @ApiProblemResponses(401, 404, 429, 503)
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
  @Audited('job.cancelled')
  @ApiOperation({
    summary: 'Cancel a job',
    description:
      '200 when a pending or running job was cancelled (a running exporter is stopped and its files ' +
      'removed); 204 when the job had already finished, with its state in `Job-Status`.',
  })
  @ApiHeader(PREFER_HEADER)
  @ApiOkResponse({ type: JobCancelledView })
  @ApiNoContentResponse({ description: 'The job had already finished' })
  @ApiProblemResponses(401, 404, 429, 503)
  async cancel(
    @Param('id') id: string,
    @Headers('prefer') prefer: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobCancelledView | JobView | undefined> {
    const { cancelled, job } = await this.exports.cancel(id, caller);
    setJobHeaders(res, job);
    if (cancelled) {
      return { job_id: job.id, status: job.status, cancelled_at: job.cancelledAt!.toISOString() };
    }
    const next =
      job.status === 'completed'
        ? { href: `${jobPath(job.id)}/results`, rel: 'results' }
        : { href: jobPath(job.id), rel: 'status' };
    return noContentOr(res, prefer, next, jobView(job));
  }

  @Get(':id/results')
  @Audited('job.results_read')
  @RateLimitClass('poll')
  @ApiOperation({
    summary: "List a completed job's files",
    description:
      '200 with the files once the job completed; 204 while it is pending or running (with a `Link` ' +
      'to the job); 409 for failed or cancelled jobs.',
  })
  @ApiHeader(PREFER_HEADER)
  @ApiOkResponse({ type: JobResultsView })
  @ApiNoContentResponse({ description: 'The job is still pending or running' })
  @ApiProblemResponses(401, 404, 409, 410, 429, 503)
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
  @Audited('job.downloaded')
  @ApiOperation({
    summary: "Download a completed job's files as one zip",
    description:
      'The zip is built when the job completes, so the answer has a Content-Length, an ETag and supports ' +
      'HTTP Range requests (a broken download can be resumed).',
  })
  @ApiProduces('application/zip')
  @ApiOkResponse({
    description: 'The zip; with DOWNLOAD_ACCEL_REDIRECT, an empty body the fronting nginx replaces with it',
    schema: { type: 'string', format: 'binary' },
    headers: {
      'X-Accel-Redirect': {
        description: 'Only with DOWNLOAD_ACCEL_REDIRECT: the internal URL under which the proxy serves the zip',
        schema: { type: 'string' },
      },
    },
  })
  @ApiResponse({ status: 206, description: 'The requested byte range of the zip' })
  @ApiResponse({
    status: 416,
    description: 'The range starts past the end of the zip; `Content-Range: bytes */<size>` gives its size',
  })
  @ApiProblemResponses(401, 404, 410, 429, 503)
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
      res.sendFile(path, SEND_ZIP_OPTIONS, (error) => (error ? reject(error) : resolve())),
    );
  }

  @Get(':id/logs')
  @Audited('job.log_read')
  @ApiOperation({
    summary: "A job's Terraform and provider log",
    description:
      'Plain text, streamed; credentials are removed before anything is written. With `follow=true` the ' +
      'response stays open and carries new lines until the job ends.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The log', schema: { type: 'string' } })
  @ApiProblemResponses(400, 401, 404, 410, 429, 503)
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
  @Audited('job.events_read')
  @ApiOperation({
    summary: "A job's audit trail",
    description: 'Who did what with the job, and how it ended, oldest first.',
  })
  @ApiOkResponse({ type: JobEventsView })
  @ApiProblemResponses(401, 404, 429, 503)
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
