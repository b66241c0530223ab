import { SkipRateLimit } from '../rate-limit/rate-limits';
import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { AuthenticationHealthIndicator } from './authentication.health';
import { ExporterHealthIndicator } from './exporter.health';

@ApiTags('health')
@SkipRateLimit()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly exporter: ExporterHealthIndicator,
    private readonly authentication: AuthenticationHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: '200 when the database answers, 503 otherwise; also reports the exporter (informational)',
  })
  async check(): Promise<HealthCheckResult> {
    const result = await this.health.check([() => this.pingDatabase()]);
    // Reported, but not part of the verdict: /health/ready is the check that includes it.
    return { ...result, details: { ...result.details, ...this.exporter.check() } };
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: 200 while the process serves requests' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Readiness: 200 when the database answers, the exporter is set up and Genesys Cloud has not refused ' +
      "the server's client credentials; 503 otherwise. Also says whether bearer tokens are verified",
  })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.pingDatabase(),
      () => this.exporter.check(),
      () => this.authentication.tokens(),
      () => this.authentication.serverCredentials(),
    ]);
  }

  private pingDatabase() {
    return this.database.pingCheck('database', { timeout: 2000 });
  }
}
