import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { HeldCredentials } from '../../src/credentials/held-credentials';
import { ExportJob, JobStatus, ProgressDetail } from '../../src/jobs/export-job';
import {
  JobEnd,
  JobHandler,
  JobLifecycleObserver,
  JobRunContext,
  JobRunResult,
} from '../../src/jobs/job-handler';
import { JobQueue, LeaseTerms, RunEnd, SweptJob } from '../../src/jobs/job-queue';
import { CreateOutcome } from '../../src/jobs/job-repository';
import { JobSignal, JobSignals } from '../../src/jobs/job-signals';
import { JobWorker, JobWorkerSettings } from '../../src/jobs/job-worker';
import { until } from '../support/until';

/** The job queue in memory, with the same guarded state changes as the PostgreSQL one. */
class MemoryQueue extends JobQueue {
  readonly jobs = new Map<string, ExportJob>();
  /** While set, a claim takes its job and then waits for it before answering (a claim in flight). */
  claimGate: Promise<void> | undefined;
  /** The next final-state writes fail as if the database were unreachable. */
  unreachableWrites = 0;

  add(overrides: Partial<ExportJob> = {}): ExportJob {
    const now = new Date();
    const job: ExportJob = {
      id: randomUUID(),
      status: 'pending',
      progress: 0,
      progressDetail: null,
      parameters: {},
      owner: 'service',
      ownerKind: 'service',
      ownerId: 'service',
      ownerName: null,
      organizationId: null,
      credentialSource: 'environment',
      serverId: null,
      leaseExpiresAt: null,
      error: null,
      outcome: null,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      completedAt: null,
      cancelledAt: null,
      expiredAt: null,
      ...overrides,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  status(id: string): JobStatus | undefined {
    return this.jobs.get(id)?.status;
  }

  /** What the API does on DELETE: pending or running → cancelled. */
  cancel(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || !['pending', 'running'].includes(job.status)) return false;
    this.set(id, { status: 'cancelled', cancelledAt: new Date() });
    return true;
  }

  /** What another server's sweep does to a job whose lease it found expired. */
  sweptElsewhere(id: string): void {
    this.set(id, { status: 'failed', error: 'interrupted elsewhere', serverId: 'other-server' });
  }

  async claimNext(serverId: string, leaseMs: number, heldBearerJobIds: string[]): Promise<ExportJob | null> {
    const job = [...this.jobs.values()]
      .filter((j) => j.status === 'pending')
      .filter((j) => this.claimableByAnyServer(j) || heldBearerJobIds.includes(j.id))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())[0];
    if (!job) return null;
    this.claims.push(job.id);
    const claimed = this.set(job.id, {
      status: 'running',
      serverId,
      startedAt: new Date(),
      leaseExpiresAt: new Date(Date.now() + leaseMs),
    });
    await this.claimGate;
    return claimed;
  }

  /** What JobRepository.create does: the job, reserved for its creator under a lease if asked. */
  create(id: string, serverId: string, reserve: boolean, overrides: Partial<ExportJob> = {}): CreateOutcome {
    const leased = reserve || overrides.credentialSource === 'bearer';
    return {
      kind: 'created',
      job: this.add({
        id,
        serverId,
        leaseExpiresAt: leased ? new Date(Date.now() + 60_000) : null,
        ...overrides,
      }),
    };
  }

  private claimableByAnyServer(job: ExportJob): boolean {
    return (
      job.credentialSource === 'environment' &&
      (job.leaseExpiresAt === null || job.leaseExpiresAt.getTime() <= Date.now())
    );
  }

  /** While set, starting a reserved job waits for it before it answers. */
  startGate: Promise<void> | undefined;
  readonly claims: string[] = [];

  async startReserved(jobId: string, serverId: string, leaseMs: number): Promise<ExportJob | null> {
    await this.startGate;
    const job = this.jobs.get(jobId);
    if (job?.status !== 'pending' || job.serverId !== serverId) return null;
    return this.set(jobId, {
      status: 'running',
      startedAt: new Date(),
      leaseExpiresAt: new Date(Date.now() + leaseMs),
    });
  }

  async renewLeases(serverId: string, ids: string[], leaseMs: number): Promise<string[]> {
    await Promise.resolve();
    return ids.filter((id) => {
      const job = this.jobs.get(id);
      if (!job || job.serverId !== serverId || !['pending', 'running'].includes(job.status)) return false;
      this.set(id, { leaseExpiresAt: new Date(Date.now() + leaseMs) });
      return true;
    });
  }

  async recordProgress(
    jobId: string,
    serverId: string,
    progress: number,
    detail: ProgressDetail,
  ): Promise<void> {
    await Promise.resolve();
    const job = this.jobs.get(jobId);
    if (job?.status === 'running' && job.serverId === serverId) {
      this.set(jobId, { progress: Math.max(job.progress, progress), progressDetail: detail });
    }
  }

  async finishRun(jobId: string, serverId: string, end: RunEnd): Promise<ExportJob | null> {
    await Promise.resolve();
    if (this.unreachableWrites > 0) {
      this.unreachableWrites -= 1;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    }
    const job = this.jobs.get(jobId);
    if (job?.status !== 'running' || job.serverId !== serverId) return null;
    return this.set(jobId, {
      status: end.status,
      completedAt: new Date(),
      leaseExpiresAt: null,
      ...(end.status === 'completed' ? { progress: 100, outcome: end.outcome } : { error: end.error }),
    });
  }

  async failPending(jobId: string, error: string): Promise<ExportJob | null> {
    await Promise.resolve();
    return this.jobs.get(jobId)?.status === 'pending' ? this.set(jobId, { status: 'failed', error }) : null;
  }

  async sweep(_serverId: string, _terms: LeaseTerms): Promise<SweptJob[]> {
    await Promise.resolve();
    return [];
  }

  async cancelledAmong(ids: string[]): Promise<string[]> {
    await Promise.resolve();
    return ids.filter((id) => this.status(id) === 'cancelled');
  }

  async endedAmong(ids: string[]): Promise<string[]> {
    await Promise.resolve();
    return ids.filter((id) => !['pending', 'running'].includes(this.status(id) ?? 'expired'));
  }

  private set(id: string, changes: Partial<ExportJob>): ExportJob {
    const job = { ...this.jobs.get(id)!, ...changes, updatedAt: new Date() };
    this.jobs.set(id, job);
    return { ...job };
  }
}

class LocalSignals extends JobSignals {
  protected async broadcast(_signal: JobSignal): Promise<void> {
    await Promise.resolve();
  }
}

/** A handler whose runs the test finishes by hand. */
class ScriptedHandler extends JobHandler {
  readonly runs = new Map<string, { context: JobRunContext; finish: (result: JobRunResult) => void }>();
  readonly discarded: string[] = [];
  readonly prepared: string[] = [];
  readonly unprepared: string[] = [];
  /** When set, a run ends by itself with `stopped` as soon as its signal aborts. */
  stopOnAbort = true;

  async prepare(job: Pick<ExportJob, 'id'>): Promise<void> {
    await Promise.resolve();
    this.prepared.push(job.id);
  }

  async unprepare(jobId: string): Promise<void> {
    await Promise.resolve();
    this.unprepared.push(jobId);
  }

  run(job: ExportJob, context: JobRunContext): Promise<JobRunResult> {
    return new Promise((resolve) => {
      this.runs.set(job.id, { context, finish: resolve });
      if (this.stopOnAbort) {
        const stop = () => resolve({ kind: 'stopped' });
        if (context.signal.aborted) stop();
        else context.signal.addEventListener('abort', stop, { once: true });
      }
    });
  }

  async discard(jobId: string): Promise<void> {
    await Promise.resolve();
    this.discarded.push(jobId);
  }

  async findDeadRuns(): Promise<{ jobId: string; serverId: string }[]> {
    await Promise.resolve();
    return [];
  }
}

class RecordingObserver extends JobLifecycleObserver {
  readonly ends: { jobId: string; end: JobEnd }[] = [];
  async started(): Promise<void> {}
  async progressed(): Promise<void> {}
  async ended(job: ExportJob, end: JobEnd): Promise<void> {
    await Promise.resolve();
    this.ends.push({ jobId: job.id, end });
  }
}

const SUCCEEDED: JobRunResult = {
  kind: 'succeeded',
  fileCount: 1,
  outcome: { resources_failed: 0, warnings: [] },
};

/** Waits for a condition the worker reaches asynchronously (bounded, so a bug fails the test). */
describe('JobWorker lifecycle races (in-memory queue)', () => {
  let queue: MemoryQueue;
  let handler: ScriptedHandler;
  let observer: RecordingObserver;
  let worker: JobWorker;
  const settings: JobWorkerSettings = {
    serverId: 'this-server',
    maxConcurrentJobs: 2,
    jobTimeoutMs: 60_000,
    jobLeaseMs: 300,
    signalFallbackPollMs: 5000,
    shutdownGraceMs: 50,
    stopGraceMs: 50,
  };
  const environment = {
    kind: 'client_credentials',
    clientId: 'id',
    clientSecret: 'secret',
    region: 'r',
  } as const;

  const start = async (overrides: Partial<JobWorkerSettings> = {}) => {
    worker = new JobWorker(
      { ...settings, ...overrides },
      queue,
      new LocalSignals(),
      handler,
      observer,
      new HeldCredentials(environment),
    );
    await worker.onApplicationBootstrap();
  };

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    queue = new MemoryQueue();
    handler = new ScriptedHandler();
    observer = new RecordingObserver();
  });
  afterEach(async () => {
    await worker.beforeApplicationShutdown();
  });

  it('cancel during claim: the claimed job never runs its export to the end, and stays cancelled', async () => {
    const job = queue.add();
    let releaseClaim!: () => void;
    queue.claimGate = new Promise((resolve) => (releaseClaim = resolve));
    await start();
    await until(() => queue.status(job.id) === 'running', 'the claim took the job');
    // DELETE lands between the claim's UPDATE and its answer reaching the worker.
    expect(queue.cancel(job.id)).toBe(true);
    worker.cancel(job.id);
    releaseClaim();

    await until(() => handler.discarded.includes(job.id), 'the run was discarded');
    expect(handler.runs.get(job.id)?.context.signal.aborted ?? true).toBe(true);
    expect(queue.status(job.id)).toBe('cancelled');
    expect(observer.ends).toEqual([{ jobId: job.id, end: { status: 'cancelled' } }]);
  });

  it('cancel during zip: a run that still succeeds does not overwrite the cancellation, and its files go', async () => {
    handler.stopOnAbort = false; // packaging does not stop halfway
    const job = queue.add();
    await start();
    await until(() => handler.runs.has(job.id), 'the run started');
    queue.cancel(job.id);
    worker.cancel(job.id);
    expect(handler.runs.get(job.id)!.context.signal.aborted).toBe(true);
    handler.runs.get(job.id)!.finish(SUCCEEDED);

    await until(() => handler.discarded.includes(job.id), 'the files were discarded');
    expect(queue.status(job.id)).toBe('cancelled');
    expect(observer.ends.map((e) => e.end.status)).toEqual(['cancelled']);
  });

  it('lease lost mid-run: the export is stopped, the sweeping server’s verdict stands', async () => {
    const job = queue.add();
    await start();
    await until(() => handler.runs.has(job.id), 'the run started');
    queue.sweptElsewhere(job.id);

    await until(() => handler.discarded.includes(job.id), 'the run was stopped and discarded');
    expect(handler.runs.get(job.id)!.context.signal.aborted).toBe(true);
    expect(queue.jobs.get(job.id)).toMatchObject({ status: 'failed', error: 'interrupted elsewhere' });
    // The sweeper reports the end; this server does not report it a second time.
    expect(observer.ends).toEqual([]);
  });

  it('late completion after a cancel whose signal was lost: refused, the job stays cancelled', async () => {
    handler.stopOnAbort = false;
    const job = queue.add();
    await start();
    await until(() => handler.runs.has(job.id), 'the run started');
    queue.cancel(job.id); // answered by another server; this one never heard of it
    handler.runs.get(job.id)!.finish(SUCCEEDED);

    await until(() => handler.discarded.includes(job.id), 'the files were discarded');
    expect(queue.status(job.id)).toBe('cancelled');
    expect(queue.jobs.get(job.id)!.outcome).toBeNull();
  });

  it('a final state written while the database is unreachable is retried, and the files are kept', async () => {
    handler.stopOnAbort = false;
    const job = queue.add();
    await start();
    await until(() => handler.runs.has(job.id), 'the run started');
    queue.unreachableWrites = 3;
    handler.runs.get(job.id)!.finish(SUCCEEDED);

    await until(() => queue.status(job.id) === 'completed', 'the completion was recorded');
    expect(queue.unreachableWrites).toBe(0);
    expect(handler.discarded).toEqual([]);
    expect(observer.ends.map((e) => e.end.status)).toEqual(['completed']);
  });

  it('JOB_TIMEOUT stops the run and fails the job saying so; then its files go', async () => {
    const job = queue.add();
    await start({ jobTimeoutMs: 100 });
    await until(() => queue.status(job.id) === 'failed', 'the job failed');
    expect(queue.jobs.get(job.id)!.error).toMatch(/job timeout/);
    expect(handler.discarded).toEqual([job.id]);
  });

  it('a bearer-token job is claimed only by the server that holds its token', async () => {
    const job = queue.add({ credentialSource: 'bearer' });
    await start();
    // Not this server's token: the fallback poll must not take it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(queue.status(job.id)).toBe('pending');
    // One created here, with its token, runs with it.
    const own = { id: randomUUID(), parameters: {} };
    await worker.admit(
      own,
      (reserve) =>
        Promise.resolve(queue.create(own.id, 'this-server', reserve, { credentialSource: 'bearer' })),
      { kind: 'access_token', accessToken: 'token', region: 'r' },
    );
    await until(() => handler.runs.has(own.id), 'the run started');
    expect(handler.runs.get(own.id)!.context.credentials).toMatchObject({ accessToken: 'token' });
    expect(queue.status(job.id)).toBe('pending');
  });

  describe('a job created with a slot free here (admit)', () => {
    /** Whether each create was asked to reserve its job for this server, in order. */
    let reserves: boolean[];
    beforeEach(() => (reserves = []));
    const admit = (create = (id: string, reserve: boolean) => queue.create(id, 'this-server', reserve)) => {
      const id = randomUUID();
      return worker.admit(
        { id, parameters: {} },
        async (reserve) => {
          reserves.push(reserve);
          await Promise.resolve();
          return create(id, reserve);
        },
        environment,
      );
    };
    /** Start-up's claim has found no job waiting. */
    const settled = () => new Promise((resolve) => setTimeout(resolve, 20));

    it('is made ready while its row is written, starts in the slot held for it with no claim, and runs to the end', async () => {
      await start();
      await settled();
      const outcome = await admit();
      if (outcome.kind !== 'created') throw new Error(outcome.kind);
      expect(reserves).toEqual([true]);
      expect(handler.prepared).toEqual([outcome.job.id]);
      await until(() => handler.runs.has(outcome.job.id), 'the run started');
      await until(() => queue.status(outcome.job.id) === 'running', 'the job says running');
      expect(queue.claims).toEqual([]);
      handler.runs.get(outcome.job.id)!.finish(SUCCEEDED);
      await until(() => queue.status(outcome.job.id) === 'completed', 'the job completed');
    });

    it('holds no more slots than MAX_CONCURRENT_JOBS, even for creates in flight together', async () => {
      await start({ maxConcurrentJobs: 2 });
      await settled();
      const outcomes = await Promise.all([admit(), admit(), admit()]);
      expect(reserves).toEqual([true, true, false]);
      await until(() => handler.runs.size === 2, 'two runs started');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(handler.runs.size).toBe(2);
      const waiting = outcomes[2];
      if (waiting.kind !== 'created') throw new Error(waiting.kind);
      expect(queue.status(waiting.job.id)).toBe('pending');
      // A slot frees: the waiting job is claimed into it.
      const [first] = handler.runs.values();
      first.finish(SUCCEEDED);
      await until(() => handler.runs.has(waiting.job.id), 'the waiting job started');
      expect(queue.claims).toEqual([waiting.job.id]);
    });

    it('a job waiting for a slot goes before it', async () => {
      const first = queue.add();
      await start({ maxConcurrentJobs: 1 });
      await until(() => handler.runs.has(first.id), 'the first job started');
      const waiting = queue.add();
      let releaseClaim!: () => void;
      queue.claimGate = new Promise((resolve) => (releaseClaim = resolve));
      // The slot frees, and the claim that takes the waiting job is in flight.
      handler.runs.get(first.id)!.finish(SUCCEEDED);
      await until(() => queue.status(waiting.id) === 'running', 'the claim took the waiting job');
      const outcome = await admit();
      releaseClaim();
      expect(reserves).toEqual([false]);
      await until(() => handler.runs.has(waiting.id), 'the waiting job started');
      if (outcome.kind !== 'created') throw new Error(outcome.kind);
      expect(queue.status(outcome.job.id)).toBe('pending');
    });

    it('not created (a duplicate): what was made ready for it is removed, and its slot is free again', async () => {
      await start({ maxConcurrentJobs: 1 });
      await settled();
      const duplicateOf = queue.add({ status: 'running', serverId: 'elsewhere' });
      let unusedId = '';
      await admit((id) => {
        unusedId = id;
        return { kind: 'conflict', job: duplicateOf };
      });
      expect(reserves).toEqual([true]);
      expect(handler.unprepared).toEqual([unusedId]);
      const next = await admit();
      expect(reserves).toEqual([true, true]);
      if (next.kind !== 'created') throw new Error(next.kind);
      await until(() => handler.runs.has(next.job.id), 'the next job started');
    });

    it('cancelled before it said running: the run stops and the job stays cancelled', async () => {
      let open!: () => void;
      queue.startGate = new Promise((resolve) => (open = resolve));
      await start();
      await settled();
      const outcome = await admit();
      if (outcome.kind !== 'created') throw new Error(outcome.kind);
      await until(() => handler.runs.has(outcome.job.id), 'the run started');
      expect(queue.cancel(outcome.job.id)).toBe(true);
      open();
      await until(() => handler.discarded.includes(outcome.job.id), 'the run was discarded');
      expect(queue.status(outcome.job.id)).toBe('cancelled');
      expect(observer.ends).toEqual([]);
    });
  });
});
