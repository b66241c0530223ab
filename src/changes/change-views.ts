import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { PageView } from '../common/http/paging';
import { ChangesPage } from './changes.service';
import { CHANGE_KINDS, ChangeKind } from './resource-diff';

/** The response shapes of the change report, in snake_case like the rest of the API. */

/** Any JSON value an attribute can hold. */
const ATTRIBUTE_VALUE = {
  oneOf: [
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'array', items: {} },
    { type: 'object', additionalProperties: true },
  ],
};

export class AttributeChangeView {
  @ApiProperty({
    description: 'Path in the resource block: `description`, `members[0].ring_num`',
    example: 'description',
  })
  attribute: string;
  @ApiPropertyOptional({
    ...ATTRIBUTE_VALUE,
    description: 'The value before; absent when it was not set, or sensitive',
  })
  old?: unknown;
  @ApiPropertyOptional({
    ...ATTRIBUTE_VALUE,
    description: 'The value now; absent when it is no longer set, or sensitive',
  })
  new?: unknown;
  @ApiPropertyOptional({
    enum: [true],
    description: 'The attribute may hold a secret: only that it changed is told',
  })
  sensitive?: true;
}

export class ResourceChangeView {
  @ApiProperty({
    description: 'The Terraform address (the earlier one for removed resources)',
    example: 'genesyscloud_routing_queue.support',
  })
  address: string;
  @ApiProperty({ example: 'genesyscloud_routing_queue' }) type: string;
  @ApiProperty({ enum: CHANGE_KINDS }) change: ChangeKind;
  @ApiPropertyOptional({ description: 'The Genesys Cloud id, when the exports include a state file' })
  id?: string;
  @ApiPropertyOptional({ description: 'Renamed resources: the address in the earlier export' })
  previous_address?: string;
  @ApiPropertyOptional({
    type: [AttributeChangeView],
    description: 'Changed and renamed resources: what differs',
  })
  attributes?: AttributeChangeView[];
}

export class ChangeCountsView {
  @ApiProperty() added: number;
  @ApiProperty() removed: number;
  @ApiProperty() changed: number;
  @ApiProperty({ description: 'Same id under a new label (needs the state file in both exports)' })
  renamed: number;
}

export class IncomparabilityView {
  @ApiProperty({ example: 'include_filter_resources' }) attribute: string;
  @ApiProperty({ description: 'Why the difference makes the report misleading' }) reason: string;
  @ApiProperty({ ...ATTRIBUTE_VALUE, description: 'Its effective value in this export' }) export: unknown;
  @ApiProperty({ ...ATTRIBUTE_VALUE, description: 'Its effective value in the `since` export' })
  since: unknown;
}

export class ConfigSyntaxesView {
  @ApiProperty({ enum: ['json', 'hcl'] }) export: string;
  @ApiProperty({ enum: ['json', 'hcl'] }) since: string;
}

export class ExportChangesView extends PageView {
  @ApiProperty({ format: 'uuid', description: 'The later export' }) export_id: string;
  @ApiProperty({ format: 'uuid', description: 'The earlier export it is compared with' }) since: string;
  @ApiProperty({
    type: ConfigSyntaxesView,
    description: 'Which configuration files of each export were read',
  })
  syntax: ConfigSyntaxesView;
  @ApiProperty({
    type: [IncomparabilityView],
    description:
      'With force=true: the differences in parameters that would otherwise have refused the comparison',
  })
  ignored_differences: IncomparabilityView[];
  @ApiProperty({ type: ChangeCountsView, description: 'Over the whole report, not this page' })
  totals: ChangeCountsView;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(ChangeCountsView) },
    description: 'Per resource type, over the whole report; types without changes are left out',
  })
  totals_by_type: Record<string, ChangeCountsView>;
  @ApiProperty({ type: [ResourceChangeView], description: 'This page of the changes, by address' })
  changes: ResourceChangeView[];
}

/** `/api/v1/exports/{id}/changes?since=...`: the report's URL, for one page of it. */
export function changesPath(
  id: string,
  query: { since: string; limit: number; force: boolean; cursor?: string },
): string {
  const params = new URLSearchParams({ since: query.since, limit: String(query.limit) });
  if (query.force) params.set('force', 'true');
  if (query.cursor) params.set('cursor', query.cursor);
  return `/api/v1/exports/${id}/changes?${params.toString()}`;
}

export function exportChangesView(
  page: ChangesPage,
  query: { limit: number; force: boolean },
): ExportChangesView {
  const next =
    page.nextCursor === null
      ? null
      : changesPath(page.export.id, { since: page.since.id, ...query, cursor: page.nextCursor });
  return {
    export_id: page.export.id,
    since: page.since.id,
    syntax: page.syntax,
    ignored_differences: page.ignoredDifferences,
    totals: page.diff.totals,
    totals_by_type: page.diff.totalsByType,
    changes: page.changes,
    limit: query.limit,
    has_more: next !== null,
    next_cursor: page.nextCursor,
    next,
  };
}
