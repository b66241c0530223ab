import { AsyncResource } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ExporterCredentials } from '../credentials/exporter-credentials';
import { HeldCredentials } from '../credentials/held-credentials';
import { isDatabaseUnavailable } from '../database/database-errors';
import { ExportJob, ProgressDetail } from './export-job';
import { JobEnd, JobHandler, JobLifecycleObserver, JobRunResult } from './job-handler';
import { JobQueue, RunEnd, SWEEP_ERRORS } from './job-queue';
import { CreateOutcome } from './job-repository';
import { JobSignal, JobSignals } from './job-signals';

/** The settings the worker runs by (a subset of AppConfig, so tests can build one). */
export interface JobWorkerSettings {
  serverId: string;
  maxConcurrentJobs: number;
  jobTimeoutMs: number;
  jobLeaseMs: number;
  /** The fallback for lost signals: pending jobs and cancellations are looked up this often. */
  signalFallbackPollMs: number;
  shutdownGraceMs: number;
  stopGraceMs: number;
}

/** Progress is written to the database at most this often, not once per log line. */
const PROGRESS_WRITE_INTERVAL_MS = 1000;
/** Progress values reported to the observer as they are passed. */
const PROGRESS_MILESTONES = [25, 50, 75];
/** Backoff of final-state writes while the database is unreachable. */
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;
/** Other errors than an unreachable database are retried only a few times. */
const RETRY_OTHER_ERRORS = 3;
/** After shutdown stopped the exporters, how long final states may still be retried. */
const FINAL_WRITE_GRACE_MS = 3000;

/** Why a run was stopped before its handler finished. */
type StopReason = 'cancelled' | 'timeout' | 'shutdown' | 'lease-lost';

interface ActiveRun {
  job: ExportJob;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Runs queued jobs on this server: claims pending ones as slots free (at most MAX_CONCURRENT_JOBS,
 * oldest first), holds each under a lease it renews, runs it through the JobHandler with a
 * wall-clock limit, and records how it ended, retrying while the database is unreachable. It also
 * sweeps the jobs of servers that stopped. Woken by JobSignals; a slow poll covers lost signals.
 */
export class JobWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobWorker.name);
  private readonly active = new Map<string, ActiveRun>();
  /** Cancels that arrived while a claim was in flight: the claimed job may be one of them. */
  private readonly cancelledDuringClaim = new Set<string>();
  /** Serialises slot filling, so two callers never claim past the limit. */
  private filling: Promise<void> = Promise.resolve();
  private fillRequested = false;
  /** Slots held for jobs being created here, which start in them (admit). */
  private slotsHeldForCreates = 0;
  /**
   * The last claim found no job waiting, and nothing said since that one may be (a signal, a run
   * ending, the fallback poll): a new job may then take a free slot without going before another.
   */
  private queueDrained = false;
  private accepting = true;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  /** Once set (shutdown), final-state writes stop retrying at this time. */
  private giveUpAt: number | undefined;
  /**
   * Since when the database has answered this server's heartbeats without a break (undefined while
   * it does not). A server sweeps only after one full heartbeat of contact, so that after an outage
   * the other servers have had the chance to renew their leases before anyone sweeps them.
   */
  private connectedSince: number | undefined = Date.now();
  /** Created at start-up, outside any request, so a job's log lines never carry a request's id. */
  private readonly detached = new AsyncResource(JobWorker.name);

  constructor(
    private readonly settings: JobWorkerSettings,
    private readonly queue: JobQueue,
    private readonly signals: JobSignals,
    private readonly handler: JobHandler,
    private readonly observer: JobLifecycleObserver,
    private readonly credentials: HeldCredentials,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.failDeadRunsOnThisHost();
    this.unsubscribe = this.signals.subscribe((signal) => this.onSignal(signal));
    this.timers = [
      setInterval(() => void this.heartbeat(), this.heartbeatMs),
      setInterval(() => this.poll(), this.settings.signalFallbackPollMs),
    ];
    void this.sweep();
    this.startPendingJobs();
  }

  /**
   * Graceful shutdown, while the database is still open: no new job starts, running exports get
   * SHUTDOWN_GRACE to finish, then the rest are stopped and recorded as interrupted.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.accepting = false;
    // The heartbeat goes on until the runs end: their leases must not run out meanwhile.
    const [heartbeat, ...others] = this.timers;
    for (const timer of others) clearInterval(timer);
    this.unsubscribe?.();
    await this.filling;
    const allDone = () => Promise.all([...this.active.values()].map((run) => run.done));
    const grace = new AbortController();
    await Promise.race([
      allDone(),
      sleep(this.settings.shutdownGraceMs, undefined, { signal: grace.signal }).catch(() => undefined),
    ]);
    grace.abort();
    this.giveUpAt = Date.now() + this.settings.stopGraceMs + FINAL_WRITE_GRACE_MS;
    for (const run of this.active.values()) run.controller.abort('shutdown' satisfies StopReason);
    // Tokens of jobs that never started die with this process: say so now rather than after the lease.
    for (const jobId of this.credentials.heldJobIds()) {
      this.credentials.forget(jobId);
      await this.persist(`fail pending job ${jobId}`, () =>
        this.queue.failPending(
          jobId,
          'The server shut down before this export could start, and access tokens are never stored; submit it again.',
        ),
      );
    }
    await allDone();
    clearInterval(heartbeat);
  }

  /** Leases are renewed, and other servers' jobs swept, three times per lease. */
  private get heartbeatMs(): number {
    return Math.max(100, Math.floor(this.settings.jobLeaseMs / 3));
  }

  /** False once shutdown began: new jobs are refused rather than left pending. */
  get acceptingJobs(): boolean {
    return this.accepting;
  }

  /**
   * Creates `job` through `create` and queues it; a bearer token is held in memory until its run
   * ends. While this server has a free slot and no job waits for one, the slot is held for the
   * job and `create` reserves the job for this server: its run is made ready meanwhile and starts
   * the moment the row is committed, with no claim in between. Otherwise a free slot here or
   * elsewhere claims it; the signal is for the other servers (and comes back here as a no-op).
   */
  async admit(
    job: Pick<ExportJob, 'id' | 'parameters'>,
    create: (reserve: boolean) => Promise<CreateOutcome>,
    credentials: ExporterCredentials,
  ): Promise<CreateOutcome> {
    const reserve = this.freeSlots() > 0 && this.queueDrained && this.waitingBearerJobIds().length === 0;
    if (reserve) {
      this.slotsHeldForCreates++;
      void this.handler.prepare(job);
    }
    let outcome: CreateOutcome | undefined;
    try {
      outcome = await create(reserve);
    } finally {
      if (reserve) this.slotsHeldForCreates--;
      // Before the answer: nothing is left on disk for a request that created no job.
      if (reserve && outcome?.kind !== 'created') await this.unprepare(job.id);
    }
    if (outcome.kind !== 'created') return outcome;
    const created = outcome.job;
    if (created.credentialSource === 'bearer') this.credentials.hold(created.id, credentials);
    if (reserve) {
      // Synchronously after the slot was given back, so that no claim can take it meanwhile.
      const running = this.persist(`start job ${created.id}`, () =>
        this.queue.startReserved(created.id, this.settings.serverId, this.settings.jobLeaseMs),
      );
      this.launch(created, running);
      return outcome;
    }
    this.startPendingJobs();
    this.signals
      .publish({ kind: 'pending', jobId: created.id })
      .catch((error: unknown) => this.logger.warn(`Could not announce job ${created.id}: ${String(error)}`));
    return outcome;
  }

  /** Removes what was made ready for a job that was not created (a duplicate, a replay, an error). */
  private async unprepare(jobId: string): Promise<void> {
    await this.handler
      .unprepare(jobId)
      .catch((error: unknown) =>
        this.logger.warn(`Could not remove the files of unused job id ${jobId}: ${String(error)}`),
      );
  }

  private freeSlots(): number {
    return this.accepting ? this.settings.maxConcurrentJobs - this.active.size - this.slotsHeldForCreates : 0;
  }

  /** Bearer-token jobs created here that wait for a slot (they go before a new job). */
  private waitingBearerJobIds(): string[] {
    return this.credentials.heldJobIds().filter((id) => !this.active.has(id));
  }

  /** Stops the job's run if it is here. The job's row was already moved to cancelled. */
  cancel(jobId: string): void {
    this.credentials.forget(jobId);
    const run = this.active.get(jobId);
    if (run) run.controller.abort('cancelled' satisfies StopReason);
    else this.cancelledDuringClaim.add(jobId);
  }

  private onSignal(signal: JobSignal): void {
    if (signal.kind === 'pending') this.startPendingJobs();
    else if (signal.kind === 'cancelled') this.cancel(signal.jobId);
    else if (signal.kind === 'resync') this.poll();
  }

  /** The fallback: runs what signals may have missed. */
  private poll(): void {
    void this.stopJobsCancelledElsewhere();
    this.startPendingJobs();
  }

  private async stopJobsCancelledElsewhere(): Promise<void> {
    if (this.active.size === 0) return;
    const cancelled = await this.queue.cancelledAmong([...this.active.keys()]).catch((error: unknown) => {
      this.logger.warn(`Could not check for cancelled jobs: ${String(error)}`);
      return [];
    });
    for (const id of cancelled) this.cancel(id);
  }

  private startPendingJobs(): void {
    // Jobs may be waiting (that is why this was called), until a claim finds none.
    this.queueDrained = false;
    if (this.freeSlots() <= 0) return;
    // One pass at a time; a request during a pass makes one more pass afterwards.
    if (this.fillRequested) return;
    this.fillRequested = true;
    this.detached.runInAsyncScope(() => {
      this.filling = this.filling
        .then(() => {
          this.fillRequested = false;
          return this.fillSlots();
        })
        .catch((error: unknown) => this.logger.warn(`Could not start pending jobs: ${String(error)}`))
        .finally(() => this.cancelledDuringClaim.clear());
    });
  }

  private async fillSlots(): Promise<void> {
    while (this.freeSlots() > 0) {
      const job = await this.queue.claimNext(
        this.settings.serverId,
        this.settings.jobLeaseMs,
        this.waitingBearerJobIds(),
      );
      if (!job) {
        this.queueDrained = true;
        return;
      }
      this.launch(job, Promise.resolve(job));
    }
  }

  /**
   * Starts the run of `job` in a slot of this server. `running` is the job's row once it says
   * running here: claimed already, or being moved there while the exporter starts; when it
   * resolves to null the job was cancelled or taken meanwhile, and the run stops.
   */
  private launch(job: ExportJob, running: Promise<ExportJob | null | undefined>): void {
    const controller = new AbortController();
    if (this.cancelledDuringClaim.has(job.id)) controller.abort('cancelled' satisfies StopReason);
    // Recorded while the exporter starts rather than before: the run's later events wait for it,
    // so the trail keeps its order, and a start no longer waits for a database write.
    const started = running
      .then((row) => {
        if (row) return this.observer.started(row);
        // Gone from this server's hold: whatever ended it (a cancel, a sweep) stands.
        controller.abort('lease-lost' satisfies StopReason);
      })
      .catch((error: unknown) =>
        this.logger.warn(`Could not record the start of job ${job.id}: ${String(error)}`),
      );
    const done = this.runJob(job, controller, started)
      .catch((error: unknown) => this.logger.error(`Job ${job.id} ended badly: ${String(error)}`))
      .finally(() => {
        this.active.delete(job.id);
        this.credentials.forget(job.id);
        this.startPendingJobs();
      });
    this.active.set(job.id, { job, controller, done });
  }

  private async runJob(job: ExportJob, controller: AbortController, started: Promise<void>): Promise<void> {
    const timeout = setTimeout(
      () => controller.abort('timeout' satisfies StopReason),
      this.settings.jobTimeoutMs,
    );
    const progress = this.progressWriter(job, started);
    let result: JobRunResult;
    try {
      const credentials = this.credentials.forJob(job.id, job.credentialSource);
      result = credentials
        ? await this.handler.run(job, {
            credentials,
            signal: controller.signal,
            reportProgress: progress.report,
            flushProgress: progress.flush,
          })
        : {
            kind: 'failed',
            reason: 'not_runnable',
            error: 'The server no longer has credentials for this job; submit it again.',
          };
    } catch (error) {
      this.logger.error(`Job ${job.id} failed unexpectedly: ${String(error)}`);
      result = {
        kind: 'failed',
        reason: 'error',
        error: `The export failed unexpectedly: ${(error as Error).message}`,
      };
    } finally {
      clearTimeout(timeout);
      progress.stop();
      this.credentials.forget(job.id);
    }
    await started;
    await this.recordEnd(job, result, controller.signal.reason as StopReason | undefined);
  }

  /**
   * Records how the run ended, then removes what it left unless it completed. Files are removed
   * only once the state that says so is recorded; if the job was cancelled or swept meanwhile,
   * that state stands and the run's files go.
   */
  private async recordEnd(
    job: ExportJob,
    result: JobRunResult,
    stopReason: StopReason | undefined,
  ): Promise<void> {
    const decided = this.endOf(result, stopReason);
    if (decided) {
      const recorded = await this.persist(`record the end of job ${job.id}`, () =>
        this.queue.finishRun(job.id, this.settings.serverId, decided.end),
      );
      // Gave up (shutdown with the database away): files stay; the sweep of another server decides.
      if (recorded === undefined) return;
      if (recorded) {
        if (decided.end.status !== 'completed') await this.discard(job.id);
        await this.observer.ended(recorded, decided.jobEnd);
        await this.announceEnd(job.id);
        return;
      }
    }
    await this.discard(job.id);
    if (stopReason !== 'lease-lost') await this.observer.ended(job, { status: 'cancelled' });
  }

  private endOf(
    result: JobRunResult,
    stopReason: StopReason | undefined,
  ): { end: RunEnd; jobEnd: JobEnd } | null {
    switch (result.kind) {
      case 'succeeded':
        return {
          end: { status: 'completed', outcome: result.outcome },
          jobEnd: {
            status: 'completed',
            fileCount: result.fileCount,
            resourcesFailed: result.outcome.resources_failed,
          },
        };
      case 'failed':
        return {
          end: { status: 'failed', error: result.error },
          jobEnd: { status: 'failed', reason: result.reason },
        };
      case 'stopped':
        if (stopReason === 'timeout') {
          const limit = `${Math.round(this.settings.jobTimeoutMs / 1000)} s, JOB_TIMEOUT`;
          return {
            end: {
              status: 'failed',
              error: `The export was stopped because it ran longer than the job timeout (${limit}).`,
            },
            jobEnd: { status: 'failed', reason: 'timeout' },
          };
        }
        if (stopReason === 'shutdown') {
          return {
            end: {
              status: 'failed',
              error: 'The export was interrupted because the server shut down; submit it again.',
            },
            jobEnd: { status: 'failed', reason: 'interrupted' },
          };
        }
        // Cancelled, or the lease was lost: the row already says how the job ended.
        return null;
    }
  }

  /** Renews this server's leases, stops runs whose lease was lost, then sweeps other servers' jobs. */
  private async heartbeat(): Promise<void> {
    const ids = [
      ...this.active.keys(),
      ...this.credentials.heldJobIds().filter((id) => !this.active.has(id)),
    ];
    try {
      const held = new Set(
        await this.queue.renewLeases(this.settings.serverId, ids, this.settings.jobLeaseMs),
      );
      if (this.connectedSince === undefined) {
        this.logger.log('The database answers again: leases renewed');
        this.connectedSince = Date.now();
      }
      for (const id of ids) {
        if (held.has(id)) continue;
        const run = this.active.get(id);
        if (run) {
          this.logger.warn(`Job ${id} is no longer held by this server; stopping its export`);
          run.controller.abort('lease-lost' satisfies StopReason);
        } else {
          this.credentials.forget(id);
        }
      }
    } catch (error) {
      if (this.connectedSince !== undefined) this.logger.warn(`Could not renew job leases: ${String(error)}`);
      this.connectedSince = undefined;
      return;
    }
    // Right after an outage the other servers may not have renewed yet: wait one heartbeat.
    if (Date.now() - this.connectedSince >= this.heartbeatMs) await this.sweep();
  }

  /** Fails other servers' jobs whose lease ran out, and cleans up after them on this host. */
  private async sweep(): Promise<void> {
    if (!this.accepting) return;
    const swept = await this.queue
      .sweep(this.settings.serverId, {
        leaseMs: this.settings.jobLeaseMs,
        jobTimeoutMs: this.settings.jobTimeoutMs,
      })
      .catch((error: unknown) => {
        this.logger.warn(`Could not sweep expired jobs: ${String(error)}`);
        return [];
      });
    for (const { job, reason } of swept) {
      this.logger.warn(`Job ${job.id} failed by the sweep (${reason}): ${job.error}`);
      await this.discard(job.id);
      await this.observer.ended(job, {
        status: 'failed',
        reason: reason === 'timeout' ? 'timeout' : reason === 'abandoned' ? 'not_runnable' : 'interrupted',
      });
      await this.announceEnd(job.id);
    }
  }

  /** Runs left by a server process that died on this host are failed at once, whatever its identity. */
  private async failDeadRunsOnThisHost(): Promise<void> {
    const dead = await this.handler.findDeadRuns().catch((error: unknown) => {
      this.logger.warn(`Could not look for leftover exporters: ${String(error)}`);
      return [];
    });
    for (const { jobId, serverId } of dead) {
      const failed = await this.queue
        .finishRun(jobId, serverId, { status: 'failed', error: SWEEP_ERRORS.interrupted })
        .catch(() => null);
      if (failed) {
        this.logger.warn(`Job ${jobId} was left running by a server that died; failed it`);
        await this.discard(jobId);
        await this.observer.ended(failed, { status: 'failed', reason: 'interrupted' });
        await this.announceEnd(jobId);
      }
    }
  }

  private async discard(jobId: string): Promise<void> {
    await this.handler
      .discard(jobId)
      .catch((error: unknown) =>
        this.logger.warn(`Could not remove the files of job ${jobId}: ${String(error)}`),
      );
  }

  private async announceEnd(jobId: string): Promise<void> {
    await this.signals.publish({ kind: 'ended', jobId }).catch(() => undefined);
  }

  /**
   * Runs a database write until it succeeds: while the database is unreachable with growing
   * pauses, other errors a few times. Undefined when it gave up (at shutdown, or a persistent error).
   */
  private async persist<T>(what: string, write: () => Promise<T>): Promise<T | undefined> {
    let delay = RETRY_MIN_MS;
    let otherErrors = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await write();
        if (attempt > 1) this.logger.log(`Could ${what} after ${attempt} attempts`);
        return result;
      } catch (error) {
        const unavailable = isDatabaseUnavailable(error);
        if (!unavailable) otherErrors += 1;
        const pastDeadline = this.giveUpAt !== undefined && Date.now() + delay > this.giveUpAt;
        if (pastDeadline || otherErrors > RETRY_OTHER_ERRORS) {
          this.logger.error(`Gave up trying to ${what}: ${String(error)}`);
          return undefined;
        }
        if (attempt === 1) this.logger.warn(`Could not ${what} (${String(error)}); retrying`);
        await sleep(delay);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  /** Writes the reported figures when they changed, at most once per interval. */
  private progressWriter(job: ExportJob, started: Promise<void>) {
    let latest: { progress: number; detail: ProgressDetail } | undefined;
    let dirty = false;
    let milestone = 0;
    const write = async () => {
      if (!dirty || !latest) return;
      dirty = false;
      const { progress, detail } = latest;
      const reached = PROGRESS_MILESTONES.filter((m) => m > milestone && progress >= m).pop();
      if (reached) {
        milestone = reached;
        await started;
        await this.observer.progressed(job, progress, detail.phase);
      }
      await this.queue
        .recordProgress(job.id, this.settings.serverId, progress, detail)
        .catch((error: unknown) =>
          this.logger.warn(`Could not record progress of ${job.id}: ${String(error)}`),
        );
    };
    // One write at a time, in order: an older write must never land after a newer one.
    let writing: Promise<void> = Promise.resolve();
    const enqueue = () => (writing = writing.then(write));
    const timer = setInterval(() => void enqueue(), PROGRESS_WRITE_INTERVAL_MS);
    return {
      report: (progress: number, detail: ProgressDetail) => {
        latest = { progress, detail };
        dirty = true;
      },
      flush: () => enqueue(),
      stop: () => clearInterval(timer),
    };
  }
}
