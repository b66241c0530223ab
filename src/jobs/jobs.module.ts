import { DynamicModule, Module, Type } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { environmentCredentials, HeldCredentials } from '../credentials/held-credentials';
import { DatabaseLocks } from './database-locks';
import { IdempotencyKeyRepository } from './idempotency-keys';
import { JobEndWatcher } from './job-end-watcher';
import { JobHandler, JobLifecycleObserver } from './job-handler';
import { JobQueue } from './job-queue';
import { JobRepository } from './job-repository';
import { JobSignals } from './job-signals';
import { JobWorker } from './job-worker';
import { PostgresJobQueue } from './postgres-job-queue';
import { PostgresJobSignals } from './postgres-job-signals';

/**
 * Job persistence (jobs, idempotency keys, locks), the queue, and the signals between servers.
 * `JobWorkerModule.register` adds the worker that runs jobs through a given handler.
 */
@Module({
  providers: [
    JobRepository,
    IdempotencyKeyRepository,
    DatabaseLocks,
    { provide: JobQueue, useClass: PostgresJobQueue },
    PostgresJobSignals,
    { provide: JobSignals, useExisting: PostgresJobSignals },
    JobEndWatcher,
  ],
  exports: [JobRepository, IdempotencyKeyRepository, DatabaseLocks, JobQueue, JobSignals, JobEndWatcher],
})
export class JobsModule {}

/**
 * The worker, with the handler that does the jobs' work and the observer told of their lifecycle.
 * The caller names the modules providing them, so jobs/ depends on neither.
 */
@Module({})
export class JobWorkerModule {
  static register(options: {
    imports: NonNullable<DynamicModule['imports']>;
    handler: Type<JobHandler>;
    observer: Type<JobLifecycleObserver>;
  }): DynamicModule {
    return {
      module: JobWorkerModule,
      imports: [JobsModule, ...options.imports],
      providers: [
        { provide: JobHandler, useClass: options.handler },
        { provide: JobLifecycleObserver, useClass: options.observer },
        {
          provide: JobWorker,
          inject: [APP_CONFIG, JobQueue, JobSignals, JobHandler, JobLifecycleObserver],
          useFactory: (
            config: AppConfig,
            queue: JobQueue,
            signals: JobSignals,
            handler: JobHandler,
            observer: JobLifecycleObserver,
          ) =>
            new JobWorker(
              config,
              queue,
              signals,
              handler,
              observer,
              new HeldCredentials(environmentCredentials(config.genesys)),
            ),
        },
      ],
      exports: [JobWorker],
    };
  }
}
