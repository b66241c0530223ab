import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Request, Response } from 'express';
import { Audited, AuditedInterceptor, AuditSubject } from '../audit/audited.interceptor';
import { Caller } from '../auth/caller';
import { CallerGuard, CurrentCaller } from '../auth/caller.guard';
import { ApiProblemResponses } from '../common/problem-details/api-problem-responses';
import { ProblemKind } from '../common/problem-details/problem-catalogue';
import { PageQuery } from '../common/http/paging';
import { requestContext } from '../logging/request-id';
import { LINK_NEXT_PAGE, SCHEDULE_LOCATION } from '../openapi/response-headers';
import { PrincipalRateLimitGuard } from '../rate-limit/rate-limit.guards';
import { RateLimitClass } from '../rate-limit/rate-limits';
import { CreateScheduleDto } from './dto/create-schedule.dto';
import { CREATE_SCHEDULE_EXAMPLES } from './dto/schedule-fields.dto';
import { UpdateScheduleDto } from './dto/update-schedule.dto';
import {
  ResourceTypeChangesView,
  runView,
  ScheduleEventsView,
  scheduleEventsView,
  ScheduleListView,
  ScheduleRunListView,
  ScheduleView,
  scheduleView,
} from './schedule-views';
import { ListPage, SchedulesService } from './schedules.service';

const SCHEDULES_PATH = '/api/v1/schedules';

const ApiScheduleIdParam = () =>
  ApiParam({ name: 'id', description: 'The `schedule_id`', schema: { type: 'string', format: 'uuid' } });

/** What any route here can answer before its handler runs, or while the database is down. */
const EVERY_ROUTE_PROBLEMS: ProblemKind[] = [
  'unauthenticated',
  'rate-limited',
  'identity-provider-unavailable',
  'database-unavailable',
];

const SCHEDULE_ROUTE_PROBLEMS: ProblemKind[] = [...EVERY_ROUTE_PROBLEMS, 'schedule-not-found'];

/** What a request body can be refused for before validation, and by it (a webhook the server may not call too). */
const BODY_PROBLEMS: ProblemKind[] = [
  'invalid-request',
  'malformed-body',
  'body-too-large',
  'unsupported-media-type',
  'webhook-host-not-allowed',
  'webhooks-disabled',
];

/** The list answer's paging, with the next page also as a `Link` header. */
function paged<T>(res: Response, path: string, limit: number, page: ListPage<T>) {
  const next =
    page.nextCursor === null
      ? null
      : `${path}?${new URLSearchParams({ limit: String(limit), cursor: page.nextCursor }).toString()}`;
  if (next) res.setHeader('Link', `<${next}>; rel="next"`);
  return { limit, has_more: next !== null, next_cursor: page.nextCursor, next };
}

@ApiTags('schedules')
@ApiBearerAuth()
@ApiExtraModels(ResourceTypeChangesView)
@Controller('api/v1/schedules')
@UseGuards(CallerGuard, PrincipalRateLimitGuard)
@UseInterceptors(AuditedInterceptor)
@AuditSubject('schedule')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @RateLimitClass('create')
  @ApiOperation({
    operationId: 'createSchedule',
    summary: 'Schedule an export',
    description:
      'Each due run starts an ordinary export job (owned by the caller, run with the server’s client ' +
      'credentials), once however many servers share the database. A run due while the previous one is still ' +
      'going is skipped; runs missed while no server was up are counted, not replayed.',
  })
  @ApiBody({ type: CreateScheduleDto, examples: CREATE_SCHEDULE_EXAMPLES })
  @ApiCreatedResponse({ type: ScheduleView, headers: { Location: SCHEDULE_LOCATION } })
  @ApiProblemResponses(
    ...EVERY_ROUTE_PROBLEMS,
    ...BODY_PROBLEMS,
    'schedules-need-server-credentials',
    'too-many-schedules',
  )
  async create(
    @Body() body: CreateScheduleDto,
    @CurrentCaller() caller: Caller,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ScheduleView> {
    const schedule = await this.schedules.create(body, caller, requestContext(req));
    res.location(`${SCHEDULES_PATH}/${schedule.id}`);
    return scheduleView(schedule);
  }

  @Get()
  @Audited('schedule.listed')
  @ApiOperation({
    operationId: 'listSchedules',
    summary: "List the caller's schedules, newest first",
    description:
      'Paged like GET /api/v1/exports: `has_more`, `next_cursor`, and `next` (also the `Link` header).',
  })
  @ApiOkResponse({ type: ScheduleListView, headers: { Link: LINK_NEXT_PAGE } })
  @ApiProblemResponses(...EVERY_ROUTE_PROBLEMS, 'invalid-request', 'invalid-cursor')
  async list(
    @Query() query: PageQuery,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ScheduleListView> {
    const page = await this.schedules.list(caller, query);
    return { schedules: page.items.map(scheduleView), ...paged(res, SCHEDULES_PATH, query.limit, page) };
  }

  @Get(':id')
  @ApiScheduleIdParam()
  @Audited('schedule.read')
  @ApiOperation({
    operationId: 'getSchedule',
    summary: 'A schedule',
    description: 'With its next run time and the runs it missed.',
  })
  @ApiOkResponse({ type: ScheduleView })
  @ApiProblemResponses(...SCHEDULE_ROUTE_PROBLEMS)
  async get(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<ScheduleView> {
    return scheduleView(await this.schedules.get(id, caller));
  }

  @Patch(':id')
  @ApiScheduleIdParam()
  @ApiOperation({
    operationId: 'updateSchedule',
    summary: 'Pause, resume or change a schedule',
    description:
      '`paused: true` pauses it, `paused: false` resumes it; any other field given replaces that field ' +
      '(`export` as a whole). A new timing, or resuming, sets the next run from now. Runs already started ' +
      'keep their parameters.',
  })
  @ApiBody({
    type: UpdateScheduleDto,
    examples: { pause: { value: { paused: true } }, retime: { value: { cron: '0 3 * * *' } } },
  })
  @ApiOkResponse({ type: ScheduleView })
  @ApiProblemResponses(...SCHEDULE_ROUTE_PROBLEMS, ...BODY_PROBLEMS, 'schedules-need-server-credentials')
  async update(
    @Param('id') id: string,
    @Body() body: UpdateScheduleDto,
    @CurrentCaller() caller: Caller,
    @Req() req: Request,
  ): Promise<ScheduleView> {
    return scheduleView(await this.schedules.update(id, body, caller, requestContext(req)));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiScheduleIdParam()
  @ApiOperation({
    operationId: 'deleteSchedule',
    summary: 'Delete a schedule',
    description:
      'No more runs; its run records go with it. The export jobs it started stay, as ordinary jobs.',
  })
  @ApiNoContentResponse({ description: 'The schedule is deleted' })
  @ApiProblemResponses(...SCHEDULE_ROUTE_PROBLEMS)
  async delete(@Param('id') id: string, @CurrentCaller() caller: Caller, @Req() req: Request): Promise<void> {
    await this.schedules.delete(id, caller, requestContext(req));
  }

  @Get(':id/runs')
  @ApiScheduleIdParam()
  @Audited('schedule.runs_read')
  @ApiOperation({
    operationId: 'listScheduleRuns',
    summary: "A schedule's runs, latest first",
    description:
      'Each due run: started (with its job and the job’s state), skipped, or failed to start, and once ' +
      'completed what changed against the previous completed run. Paged like the other lists.',
  })
  @ApiOkResponse({ type: ScheduleRunListView, headers: { Link: LINK_NEXT_PAGE } })
  @ApiProblemResponses(...SCHEDULE_ROUTE_PROBLEMS, 'invalid-request', 'invalid-cursor')
  async runs(
    @Param('id') id: string,
    @Query() query: PageQuery,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ScheduleRunListView> {
    const page = await this.schedules.runs(id, caller, query);
    return {
      runs: page.items.map(runView),
      ...paged(res, `${SCHEDULES_PATH}/${id}/runs`, query.limit, page),
    };
  }

  @Get(':id/events')
  @ApiScheduleIdParam()
  @Audited('schedule.events_read')
  @ApiOperation({
    operationId: 'getScheduleEvents',
    summary: "A schedule's audit trail",
    description:
      'Who created, changed, paused, resumed or read the schedule, and requests about it that were refused, ' +
      'oldest first. Its runs’ jobs have trails of their own (GET /api/v1/exports/{id}/events).',
  })
  @ApiOkResponse({ type: ScheduleEventsView })
  @ApiProblemResponses(...SCHEDULE_ROUTE_PROBLEMS)
  async events(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<ScheduleEventsView> {
    const { schedule, events } = await this.schedules.events(id, caller);
    return scheduleEventsView(schedule.id, events);
  }
}
