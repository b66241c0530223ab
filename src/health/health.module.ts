import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ExporterModule } from '../exporter/exporter.module';
import { ExporterHealthIndicator } from './exporter.health';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ExporterModule],
  controllers: [HealthController],
  providers: [ExporterHealthIndicator],
})
export class HealthModule {}
