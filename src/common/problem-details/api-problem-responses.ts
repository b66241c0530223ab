import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath, HeaderObject } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import {
  CONTENT_RANGE_UNSATISFIED,
  RETRY_AFTER,
  WWW_AUTHENTICATE,
  X_REQUEST_ID,
} from '../../openapi/response-headers';
import { EXAMPLE_JOB_ID, PROBLEM_KINDS, ProblemKind, problemTypeOf } from './problem-catalogue';
import { PROBLEM_CONTENT_TYPE, ProblemDocument } from './problem-document';

/** Headers the problem-details filter adds for a status. */
const PROBLEM_HEADERS: Record<number, Record<string, HeaderObject>> = {
  401: { 'WWW-Authenticate': WWW_AUTHENTICATE },
  // Only the zip download answers 416; `send` says there how large the zip is.
  416: { 'Content-Range': CONTENT_RANGE_UNSATISFIED },
  429: { 'Retry-After': RETRY_AFTER },
  503: { 'Retry-After': RETRY_AFTER },
};

/** The problem document of `kind` exactly as the server sends it. */
export function exampleProblem(kind: ProblemKind): ProblemDocument {
  const info = PROBLEM_KINDS[kind];
  return {
    ...info.exampleExtensions,
    type: problemTypeOf(kind),
    title: STATUS_CODES[info.status]!,
    status: info.status,
    detail: info.exampleDetail,
    instance: info.exampleInstance ?? `/api/v1/exports/${EXAMPLE_JOB_ID}`,
  };
}

/**
 * Documents the error answers of a route as RFC 9457 problem documents: one response per status,
 * with an example of each kind of problem the route can answer with.
 */
export function ApiProblemResponses(...kinds: ProblemKind[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ProblemKind[]>();
  for (const kind of kinds) {
    const status = PROBLEM_KINDS[kind].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), kind]);
  }
  return applyDecorators(
    ApiExtraModels(ProblemDocument),
    ...[...byStatus].map(([status, kindsOfStatus]) =>
      ApiResponse({
        status,
        description: `${STATUS_CODES[status]}: ${kindsOfStatus.join(', ')}`,
        headers: {
          ...PROBLEM_HEADERS[status],
          'X-Request-Id': X_REQUEST_ID,
        },
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: { $ref: getSchemaPath(ProblemDocument) },
            examples: Object.fromEntries(
              kindsOfStatus.map((kind) => [kind, { summary: kind, value: exampleProblem(kind) }]),
            ),
          },
        },
      }),
    ),
  );
}
