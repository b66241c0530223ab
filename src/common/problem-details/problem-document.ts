import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JOB_STATUSES } from '../../jobs/export-job';

export class FieldProblemView {
  @ApiProperty({ example: 'export_format must be one of hcl, json, json_hcl, hcl_json' }) detail: string;
  @ApiProperty({
    description: "JSON Pointer (RFC 6901) into the request body; '' is the whole body",
    example: '/export_format',
  })
  pointer: string;
}

/** RFC 9457 problem details, served as application/problem+json for every error. */
export class ProblemDocument {
  @ApiProperty({
    format: 'uri',
    description:
      '`urn:genesyscloud-export-server:problem:<kind>`, or `about:blank` when the status says it all',
  })
  type: string;
  @ApiProperty({ description: 'The HTTP status text' }) title: string;
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599 }) status: number;
  @ApiProperty({ description: 'What went wrong, and what to do about it' }) detail: string;
  @ApiProperty({ description: 'The request target that was refused' }) instance: string;
  @ApiPropertyOptional({ type: [FieldProblemView], description: 'Each invalid field (invalid-request only)' })
  errors?: FieldProblemView[];
  @ApiPropertyOptional({ format: 'uuid', description: 'The job the problem is about' })
  job_id?: string;
  @ApiPropertyOptional({ enum: JOB_STATUSES, description: "That job's state" })
  job_status?: string;
  @ApiPropertyOptional({
    type: 'array',
    description:
      'exports-incomparable only: each export parameter that differs, why that matters, and its effective value in both exports',
    items: {
      type: 'object',
      required: ['attribute', 'reason', 'export', 'since'],
      properties: {
        attribute: { type: 'string' },
        reason: { type: 'string' },
        export: { description: 'Its value in the export asked about' },
        since: { description: 'Its value in the `since` export' },
      },
    },
  })
  incomparable?: unknown[];
  @ApiPropertyOptional({
    type: 'integer',
    description: "export-too-large only: the size of the export's files",
  })
  bytes?: number;
  @ApiPropertyOptional({
    type: 'integer',
    description: 'export-too-large only: the most a change report reads',
  })
  limit?: number;
  @ApiPropertyOptional({
    description:
      'webhook-host-not-allowed only: the host (and port) of the webhook URL, which the server may not call',
    example: 'hooks.example.net',
  })
  host?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
