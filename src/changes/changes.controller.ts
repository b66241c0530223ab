import { Controller, Get, Param, Query, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { Audited, AuditedInterceptor } from '../audit/audited.interceptor';
import { Caller } from '../auth/caller';
import { CallerGuard, CurrentCaller } from '../auth/caller.guard';
import { ApiProblemResponses } from '../common/problem-details/api-problem-responses';
import { ApiJobIdParam, JOB_ROUTE_PROBLEMS } from '../exports/exports.controller';
import { LINK_NEXT_PAGE } from '../openapi/response-headers';
import { PrincipalRateLimitGuard } from '../rate-limit/rate-limit.guards';
import { ChangeCountsView, exportChangesView, ExportChangesView } from './change-views';
import { ExportChangesQuery } from './changes-query';
import { ChangesService } from './changes.service';

@ApiTags('exports')
@ApiBearerAuth()
@ApiExtraModels(ChangeCountsView)
@Controller('api/v1/exports')
@UseGuards(CallerGuard, PrincipalRateLimitGuard)
@UseInterceptors(AuditedInterceptor)
export class ChangesController {
  constructor(private readonly changes: ChangesService) {}

  @Get(':id/changes')
  @ApiJobIdParam()
  @Audited('job.changes_read')
  @ApiOperation({
    operationId: 'getExportChanges',
    summary: 'What changed between two completed exports',
    description:
      'Resources added, removed, changed and renamed from export `since` to this one, by Terraform ' +
      'address, with the attributes that differ (values of sensitive attributes are left out). Totals ' +
      'cover the whole report; the changes come a page at a time, like the list of exports (`cursor`, ' +
      '`Link` rel="next"). 409 when either export is not completed; 422 when they were made with ' +
      'different filters or formats (the problem says which), unless `force=true`, or when an export is ' +
      'too large to compare.',
  })
  @ApiOkResponse({ type: ExportChangesView, headers: { Link: LINK_NEXT_PAGE } })
  @ApiProblemResponses(
    ...JOB_ROUTE_PROBLEMS,
    'invalid-request',
    'invalid-cursor',
    'export-not-completed',
    'exports-incomparable',
    'export-too-large',
    'export-unreadable',
    'job-files-unavailable',
  )
  async list(
    @Param('id') id: string,
    @Query() query: ExportChangesQuery,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ExportChangesView> {
    const view = exportChangesView(await this.changes.changes(id, caller, query), query);
    if (view.next) res.setHeader('Link', `<${view.next}>; rel="next"`);
    return view;
  }
}
