import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobQueue } from './job-queue';
import { JobSignals } from './job-signals';

/**
 * Tells waiters (log followers) when a job ends, from the jobs' signals; one slow query for all
 * watched jobs covers a signal that was lost. Nothing per waiter touches the database.
 */
@Injectable()
export class JobEndWatcher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(JobEndWatcher.name);
  private readonly waiters = new Map<string, Set<() => void>>();
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly signals: JobSignals,
    private readonly queue: JobQueue,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.signals.subscribe((signal) => {
      if (signal.kind === 'ended' || signal.kind === 'cancelled') this.release(signal.jobId);
      else if (signal.kind === 'resync') void this.check();
    });
    // The fallback for a lost "ended" signal: one query for all watched jobs.
    this.timer = setInterval(() => void this.check(), this.config.signalFallbackPollMs);
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    clearInterval(this.timer);
    for (const id of [...this.waiters.keys()]) this.release(id);
  }

  /** Resolves when the job ends, or when `signal` aborts (the waiter went away). */
  waitForEnd(jobId: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const waiters = this.waiters.get(jobId) ?? new Set();
      this.waiters.set(jobId, waiters);
      const done = () => {
        signal.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiters.get(jobId) === waiters) this.waiters.delete(jobId);
        resolve();
      };
      waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** How many waiters there are (for tests of clean-up). */
  get waiting(): number {
    let count = 0;
    for (const waiters of this.waiters.values()) count += waiters.size;
    return count;
  }

  private release(jobId: string): void {
    for (const done of [...(this.waiters.get(jobId) ?? [])]) done();
  }

  private async check(): Promise<void> {
    if (this.waiters.size === 0) return;
    try {
      for (const id of await this.queue.endedAmong([...this.waiters.keys()])) this.release(id);
    } catch (error) {
      this.logger.debug(`Could not check watched jobs: ${String(error)}`);
    }
  }
}
