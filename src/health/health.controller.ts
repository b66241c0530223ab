import { SkipRateLimit } from '../rate-limit/rate-limits';
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
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
import { AuthenticationHealthIndicator } from './authentication.health';
import { ExporterHealthIndicator } from './exporter.health';

@ApiTags('health')
// Public (probes carry no token): an empty requirement says no authentication is needed.
@ApiSecurity({})
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
  @HealthCheck()
  @ApiOperation({
    summary: 'Health',
    description: '200 when the database answers, 503 otherwise; also reports the exporter (informational).',
  })
  async check(): Promise<HealthCheckResult> {
    const result = await this.health.check([() => this.pingDatabase()]);
    // Reported, but not part of the verdict: /health/ready is the check that includes it.
    return { ...result, details: { ...result.details, ...this.exporter.check() } };
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness', description: '200 while the process serves requests.' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
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
