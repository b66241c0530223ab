import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { loadAppConfig } from '../../src/config/app-config';
import { ExportsService } from '../../src/exports/exports.service';
import { ExportJob } from '../../src/jobs/export-job';
import { RetentionService } from '../../src/retention/retention.service';
import { RunChanges } from '../../src/schedules/run-changes';
import { runIdempotencyKey, Schedule, ScheduleRun, STUCK_START_DETAIL } from '../../src/schedules/schedule';
import { DueClaim, DueDecision, ScheduleRepository } from '../../src/schedules/schedule-repository';
import { ScheduleRunner } from '../../src/schedules/schedule-runner';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import { until } from '../support/until';

const LEASE_MS = 30_000;
const unreachable = () => new Error('Connection terminated unexpectedly');

/**
 * One schedule, its runs and the idempotency keys, in memory, with the same guarded updates as
 * the PostgreSQL repository. Its clock is the database's and moves only when the test says.
 */
class MemoryScheduleStore {
  now = Date.parse('2030-01-01T00:00:01Z');
  readonly runs: ScheduleRun[] = [];
  /** Idempotency-Key → the job created with it. */
  readonly keys = new Map<string, string>();
  /** The next recordStarted calls fail as if the database had gone away. */
  unreachableStarts = 0;
  stuckLookups = 0;
  readonly schedule: Schedule = {
    id: randomUUID(),
    name: 'yearly',
    cron: '0 0 1 1 *',
    timeZone: 'UTC',
    parameters: {},
    keepRuns: 5,
    paused: false,
    webhook: null,
    owner: 'service',
    ownerKind: 'service',
    ownerId: 'service',
    ownerName: null,
    organizationId: null,
    nextRunAt: new Date('2030-01-01T00:00:00Z'),
    lastRunAt: null,
    missedRuns: 0,
    lastMissedAt: null,
    createdAt: new Date('2029-12-01T00:00:00Z'),
    updatedAt: new Date('2029-12-01T00:00:00Z'),
  };

  claimDue(
    decide: (claim: DueClaim) => DueDecision,
  ): Promise<{ schedule: Schedule; run: ScheduleRun | null } | null> {
    const { schedule } = this;
    if (schedule.nextRunAt === null || schedule.nextRunAt.getTime() > this.now) return Promise.resolve(null);
    const decision = decide({ schedule, now: new Date(this.now), runningJobId: null });
    schedule.nextRunAt = decision.nextRunAt;
    if (!decision.run) return Promise.resolve({ schedule, run: null });
    const run: ScheduleRun = {
      id: randomUUID(),
      scheduleId: schedule.id,
      dueAt: decision.run.dueAt,
      outcome: decision.run.outcome,
      jobId: null,
      jobStatus: null,
      detail: decision.run.detail,
      changeSummary: null,
      createdAt: new Date(this.now),
    };
    this.runs.push(run);
    return Promise.resolve({ schedule, run: { ...run } });
  }

  /** Nothing due soon: passes come every SIGNAL_FALLBACK_POLL. */
  msUntilNextDue(): Promise<number | null> {
    return Promise.resolve(null);
  }

  recordStarted(runId: string, jobId: string): Promise<boolean> {
    if (this.unreachableStarts > 0) {
      this.unreachableStarts -= 1;
      return Promise.reject(unreachable());
    }
    const run = this.runs.find((candidate) => candidate.id === runId && candidate.jobId === null);
    if (run) Object.assign(run, { outcome: 'started', jobId, detail: null });
    return Promise.resolve(run !== undefined);
  }

  recordFailed(runId: string, detail: string): Promise<void> {
    const run = this.runs.find((candidate) => candidate.id === runId && candidate.outcome === 'starting');
    if (run) Object.assign(run, { outcome: 'failed', detail });
    return Promise.resolve();
  }

  resolveStuckStart(olderThanMs: number): Promise<ScheduleRun | null> {
    this.stuckLookups += 1;
    const run = this.runs.find(
      (candidate) =>
        candidate.outcome === 'starting' && candidate.createdAt.getTime() < this.now - olderThanMs,
    );
    if (!run) return Promise.resolve(null);
    const jobId = this.keys.get(runIdempotencyKey(run.scheduleId, run.dueAt));
    Object.assign(
      run,
      jobId ? { outcome: 'started', jobId } : { outcome: 'failed', detail: STUCK_START_DETAIL },
    );
    return Promise.resolve({ ...run });
  }

  settleEndedRun(): Promise<null> {
    return Promise.resolve(null);
  }

  pruneRuns(): Promise<string[]> {
    return Promise.resolve([]);
  }
}

/** The exports create path: a job per Idempotency-Key, or the database gone before it is created. */
class MemoryExports {
  readonly created: string[] = [];
  unreachableCreates = 0;

  constructor(private readonly store: MemoryScheduleStore) {}

  create(
    _parameters: unknown,
    _caller: unknown,
    request: { idempotencyKey?: string },
  ): Promise<{ job: ExportJob; replayed: boolean }> {
    if (this.unreachableCreates > 0) {
      this.unreachableCreates -= 1;
      return Promise.reject(unreachable());
    }
    const id = randomUUID();
    this.store.keys.set(request.idempotencyKey!, id);
    this.created.push(id);
    return Promise.resolve({ job: { id } as ExportJob, replayed: false });
  }
}

describe('ScheduleRunner: a run its server left starting', () => {
  let store: MemoryScheduleStore;
  let exports: MemoryExports;
  let runner: ScheduleRunner;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    store = new MemoryScheduleStore();
    exports = new MemoryExports(store);
    const config = loadAppConfig({
      GENESYSCLOUD_OAUTHCLIENT_ID: 'id',
      GENESYSCLOUD_OAUTHCLIENT_SECRET: 'secret',
      GENESYSCLOUD_REGION: 'us-east-1',
      JOB_LEASE: `${LEASE_MS}ms`,
      SIGNAL_FALLBACK_POLL: '10ms',
    });
    runner = new ScheduleRunner(
      store as unknown as ScheduleRepository,
      exports as unknown as ExportsService,
      { expire: () => Promise.resolve() } as unknown as RetentionService,
      {} as RunChanges,
      { recordRunChanges: () => Promise.resolve() } as unknown as WebhooksService,
      config,
    );
  });
  afterEach(() => runner.beforeApplicationShutdown());

  /** Starts the runner and waits until the due run was claimed and `starting` was all it got. */
  async function leftStarting(): Promise<ScheduleRun> {
    runner.onApplicationBootstrap();
    await until(() => store.runs.length === 1 && store.stuckLookups > 0, 'the run was claimed');
    const [run] = store.runs;
    expect(run.outcome).toBe('starting');
    // Within JOB_LEASE its server may still be at it: later passes leave it alone.
    const lookups = store.stuckLookups;
    await until(() => store.stuckLookups >= lookups + 3, 'more passes');
    expect(run.outcome).toBe('starting');
    return run;
  }

  it('whose job was created, but not recorded (the database went away): started with that job, past JOB_LEASE', async () => {
    store.unreachableStarts = 1;
    const run = await leftStarting();
    expect(exports.created).toHaveLength(1);
    store.now += LEASE_MS + 1;
    await until(() => run.outcome !== 'starting', 'the run was settled');
    expect(run).toMatchObject({ outcome: 'started', jobId: exports.created[0], detail: null });
    expect(exports.created).toHaveLength(1);
  });

  it('whose job was never created: failed past JOB_LEASE, with the reason, and not retried', async () => {
    exports.unreachableCreates = 1;
    const run = await leftStarting();
    expect(exports.created).toEqual([]);
    store.now += LEASE_MS + 1;
    await until(() => run.outcome !== 'starting', 'the run was settled');
    expect(run).toMatchObject({ outcome: 'failed', jobId: null, detail: STUCK_START_DETAIL });
    expect(exports.created).toEqual([]);
  });
});
