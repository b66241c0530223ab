import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldProblemView {
  @ApiProperty({ example: 'must be one of hcl, json, json_hcl, hcl_json' }) detail: string;
  @ApiProperty({ description: 'JSON Pointer (RFC 6901) into the request', example: '/export_format' })
  pointer: string;
}

/** RFC 9457 problem details, served as application/problem+json for every error. */
export class ProblemDocument {
  @ApiProperty({ example: 'urn:genesyscloud-export-server:problem:job-not-found' }) type: string;
  @ApiProperty({ example: 'Not Found' }) title: string;
  @ApiProperty({ example: 404 }) status: number;
  @ApiProperty({ example: 'No export job "abc" exists.' }) detail: string;
  @ApiProperty({ example: '/api/v1/exports/abc' }) instance: string;
  @ApiPropertyOptional({ type: [FieldProblemView], description: 'Each invalid field (400 only)' })
  errors?: FieldProblemView[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
