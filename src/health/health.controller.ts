import { SkipRateLimit } from '../rate-limit/rate-limits';
import { applyDecorators, Controller, Get, Inject } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
  SchemaObject,
} from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { AppConfig, GENESYS_REGION_MISSING } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ServerLifecycle } from '../lifecycle/server-lifecycle';
import { exampleProblem } from '../common/problem-details/api-problem-responses';
import { PROBLEM_CONTENT_TYPE, ProblemDocument } from '../common/problem-details/problem-document';
import { RETRY_AFTER } from '../openapi/response-headers';
import { AuthenticationHealthIndicator } from './authentication.health';
import { ExporterHealthIndicator } from './exporter.health';

/** Each indicator's verdict (`up` or `down`) and what it reports, by indicator name. */
const INDICATOR_RESULTS: SchemaObject = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'down'] } },
    additionalProperties: true,
  },
};

const HEALTH_DETAILS: Record<string, SchemaObject> = {
  info: { ...INDICATOR_RESULTS, description: 'The indicators that are up' },
  error: { ...INDICATOR_RESULTS, description: 'The indicators that are down' },
  details: { ...INDICATOR_RESULTS, description: 'Every indicator' },
};

const NO_CACHE = {
  'Cache-Control': {
    description: 'Probes must see the current state',
    required: true,
    schema: { type: 'string', enum: ['no-cache, no-store, must-revalidate'] },
  },
};

/**
 * A health check route and its documentation (terminus's own shows the 503 as application/json;
 * it is a problem document). `canFail`: whether the check has indicators that can be down.
 */
const HealthResponses = (canFail: boolean) =>
  applyDecorators(
    HealthCheck({ noCache: true, swaggerDocumentation: false }),
    ApiResponse({
      status: 200,
      description: 'Healthy',
      headers: NO_CACHE,
      schema: {
        type: 'object',
        required: ['status', 'details'],
        properties: { status: { type: 'string', enum: ['ok'] }, ...HEALTH_DETAILS },
      },
    }),
    ...(canFail
      ? [
          ApiResponse({
            status: 503,
            description: 'Not healthy: `error` names the indicators that are down',
            headers: { ...NO_CACHE, 'Retry-After': RETRY_AFTER },
            content: {
              [PROBLEM_CONTENT_TYPE]: {
                schema: {
                  allOf: [
                    { $ref: getSchemaPath(ProblemDocument) },
                    { type: 'object', required: ['details'], properties: HEALTH_DETAILS },
                  ],
                },
                example: exampleProblem('health-check-failed'),
              },
            },
          }),
        ]
      : []),
  );

@ApiTags('health')
// Public (probes carry no token).
@ApiExtraModels(ProblemDocument)
@SkipRateLimit()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly exporter: ExporterHealthIndicator,
    private readonly authentication: AuthenticationHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly lifecycle: ServerLifecycle,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @HealthResponses(true)
  @ApiOperation({
    operationId: 'checkHealth',
    summary: 'Health',
    description: '200 when the database answers, 503 otherwise; also reports the exporter (informational).',
  })
  async check(): Promise<HealthCheckResult> {
    const result = await this.health.check([() => this.pingDatabase()]);
    // Reported, but not part of the verdict: /health/ready is the check that includes it.
    return { ...result, details: { ...result.details, ...this.exporter.check() } };
  }

  @Get('live')
  @HealthResponses(false)
  @ApiOperation({
    operationId: 'checkLiveness',
    summary: 'Liveness',
    description: '200 while the process serves requests.',
  })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthResponses(true)
  @ApiOperation({
    operationId: 'checkReadiness',
    summary: 'Readiness',
    description:
      '200 when the database answers, the exporter is set up and Genesys Cloud has not refused ' +
      "the server's client credentials; 503 otherwise and while the server drains on shutdown. Also says " +
      'whether bearer tokens are verified.',
  })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.serving(),
      () => this.pingDatabase(),
      () => this.exporter.check(),
      () => this.authentication.tokens(),
      () => this.authentication.serverCredentials(),
      () => this.genesysSettings(),
    ]);
  }

  /** Down once shutdown began, so a load balancer stops sending work while running exports finish. */
  private serving(): HealthIndicatorResult {
    const check = this.indicator.check('server');
    return this.lifecycle.draining ? check.down({ state: 'draining' }) : check.up({ state: 'serving' });
  }

  /** Informational: without a region, exports with a bearer token cannot authenticate. */
  private genesysSettings(): HealthIndicatorResult {
    const region = this.config.genesys.region ?? null;
    return this.indicator.check('genesys').up({
      region,
      ...(region ? {} : { detail: GENESYS_REGION_MISSING }),
    });
  }

  private pingDatabase() {
    return this.database.pingCheck('database', { timeout: 2000 });
  }
}
