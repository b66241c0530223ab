import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '../auth/auth.module';
import { ExporterModule } from '../exporter/exporter.module';
import { AuthenticationHealthIndicator } from './authentication.health';
import { ExporterHealthIndicator } from './exporter.health';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ExporterModule, AuthModule],
  controllers: [HealthController],
  providers: [ExporterHealthIndicator, AuthenticationHealthIndicator],
})
export class HealthModule {}
