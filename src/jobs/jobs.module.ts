import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ExportJobEntity } from './export-job.entity';
import { JobStore } from './job-store';
import { TypeOrmJobStore } from './typeorm-job-store';

/** Job persistence. Its public surface is the JobStore interface and the ExportJob type. */
@Module({
  imports: [TypeOrmModule.forFeature([ExportJobEntity])],
  providers: [{ provide: JobStore, useClass: TypeOrmJobStore }],
  exports: [JobStore],
})
export class JobsModule {}
