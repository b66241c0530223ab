import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { AuditEvent, RecordedAuditEvent } from '../audit/audit-event';
import { AuditTrail } from '../audit/audit-trail';
import { principalAuditFields } from '../audit/request-audit-fields';
import { Caller } from '../auth/caller';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DomainError } from '../common/domain-error';
import { RequestValidationError } from '../common/validation/request-validation.error';
import { TerraformSetup } from '../exporter/terraform-setup';
import { ExportFile } from '../files/export-file';
import { followFile } from '../files/follow-file';
import { JobFiles } from '../files/job-files';
import { ExportJob, isFinished, JobStatus, toJobId } from '../jobs/export-job';
import { canAccess, CreatedAlongside, JobAccess, JobRepository, NewJob } from '../jobs/job-repository';
import { JobEndWatcher } from '../jobs/job-end-watcher';
import { JobSignals } from '../jobs/job-signals';
import { JobWorker } from '../jobs/job-worker';
import { ExportParameters } from '../export-parameters/export-parameters';
import { WebhookTarget } from '../webhooks/webhook-delivery';
import { WebhooksService } from '../webhooks/webhooks.service';
import { FollowStreamSlots } from './follow-stream-slots';
import { decodeListCursor, encodeListCursor } from './list-cursor';

/** Idempotency-Key: 1-255 visible ASCII characters (IETF httpapi draft: a string). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function checkedIdempotencyKey(key: string): string {
  const unquoted = key.replace(/^"(.*)"$/, '$1');
  if (!IDEMPOTENCY_KEY.test(unquoted)) {
    throw new DomainError('invalid-idempotency-key', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
  }
  return unquoted;
}

/**
 * The same parameters give the same fingerprint whatever the order or spelling of the body; a
 * webhook's URL counts too (its secret does not: the fingerprint is stored).
 */
function fingerprint(parameters: ExportParameters, webhook: WebhookTarget | undefined): string {
  const sorted = Object.fromEntries(Object.entries(parameters).sort(([a], [b]) => a.localeCompare(b)));
  const request = webhook ? { parameters: sorted, webhook: webhook.url } : sorted;
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

export type CancelOutcome = { cancelled: true; job: ExportJob } | { cancelled: false; job: ExportJob };

export type ResultsOutcome =
  | { ready: false; job: ExportJob }
  | { ready: true; job: ExportJob; files: ExportFile[] };

/**
 * Whose jobs `caller` may see: its own, those of the token it presents from before tokens were
 * verified, and with JOB_VISIBILITY=organization its organization's. Never another organization's.
 */
export function jobAccessOf(caller: Caller, visibility: AppConfig['jobVisibility']): JobAccess {
  return {
    owner: caller.principal.key,
    organizationId: caller.principal.organizationId,
    ...(caller.tokenHash ? { tokenHash: caller.tokenHash } : {}),
    wholeOrganization: visibility === 'organization',
  };
}

/** The exports use cases. A job is visible to its owner (and, if so configured, its organization). */
@Injectable()
export class ExportsService {
  constructor(
    private readonly store: JobRepository,
    private readonly runner: JobWorker,
    private readonly signals: JobSignals,
    private readonly jobEnds: JobEndWatcher,
    private readonly followSlots: FollowStreamSlots,
    private readonly files: JobFiles,
    private readonly audit: AuditTrail,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly setup: TerraformSetup,
    private readonly webhooks: WebhooksService,
  ) {}

  /**
   * Starts a job, with the webhook that announces its end if one is given. With an
   * Idempotency-Key, a repeat of the same request answers with the job the first one created
   * (`replayed`); the same key with other parameters is refused.
   */
  async create(
    parameters: ExportParameters,
    caller: Caller,
    request: { idempotencyKey?: string; requestId?: string; clientIp?: string; webhook?: WebhookTarget },
  ): Promise<{ job: ExportJob; replayed: boolean }> {
    const { idempotencyKey, webhook, ...context } = request;
    if (!this.runner.acceptingJobs) {
      throw new DomainError('shutting-down', 'The server is shutting down and accepts no new exports; try again shortly.');
    }
    const exporter = this.setup.readiness();
    if (exporter.state === 'unavailable') {
      // Known to fail: say why now instead of accepting a job that fails a moment later.
      throw new DomainError('exporter-unavailable', `The exporter is unavailable: ${exporter.detail}`);
    }
    const unsupported = this.setup.unsupportedAttributes(Object.keys(parameters));
    if (unsupported.length > 0) {
      throw new RequestValidationError(
        unsupported.map((name) => ({
          pointer: `/${name}`,
          detail: `The installed Genesys Cloud provider has no attribute "${name}" (see schema_drift in /health/ready).`,
        })),
      );
    }
    const { principal } = caller;
    const createdEvent = (jobId: string): AuditEvent => ({
      action: 'job.created',
      outcome: 'success',
      jobId,
      ...principalAuditFields(principal),
      httpStatus: 202,
      ...context,
    });
    const job: Omit<NewJob, 'reserve'> = {
      id: randomUUID(),
      parameters,
      owner: principal.key,
      ownerKind: principal.kind,
      ownerId: principal.id,
      ownerName: principal.name,
      organizationId: principal.organizationId,
      credentialSource: caller.credentialSource,
      serverId: this.config.serverId,
      leaseMs: this.config.jobLeaseMs,
    };
    const key =
      idempotencyKey === undefined
        ? undefined
        : { key: checkedIdempotencyKey(idempotencyKey), fingerprint: fingerprint(parameters, webhook) };
    // The audit record and the webhook are committed with the job: it never exists without
    // them, and the trail never shows it started before it was created.
    const alongside: CreatedAlongside = {
      statement: (jobId, first, inserted) => this.audit.statementFor(createdEvent(jobId), first, inserted),
      inTransaction: webhook && ((manager, created) => this.webhooks.attach(manager, created.id, webhook)),
    };
    const outcome = await this.runner.admit(
      job,
      (reserve) => this.store.create({ ...job, reserve }, key, alongside),
      caller.credentials,
    );
    switch (outcome.kind) {
      case 'created':
        return { job: outcome.job, replayed: false };
      case 'replayed':
        await this.audit.record({ ...createdEvent(outcome.job.id), detail: { replayed: true } });
        return { job: outcome.job, replayed: true };
      case 'key-reused':
        throw new DomainError(
          'idempotency-key-reused',
          'This Idempotency-Key was already used with different parameters; use a new key for a new export.',
        );
      case 'conflict':
        throw new DomainError(
          'job-conflict',
          `An identical export is already ${outcome.job.status}: job ${outcome.job.id}. Poll it, or cancel it first.`,
          { job_id: outcome.job.id, job_status: outcome.job.status },
        );
    }
  }

  /** A page of the caller's jobs, newest first, continuing after `cursor`; `nextCursor` null on the last page. */
  async list(
    caller: Caller,
    query: { status?: JobStatus; limit: number; cursor?: string },
  ): Promise<{ jobs: ExportJob[]; nextCursor: string | null }> {
    const after = query.cursor === undefined ? undefined : decodeListCursor(query.cursor);
    if (after === null) {
      throw new DomainError('invalid-cursor', 'cursor must be the next_cursor of a previous page of this list.');
    }
    const page = await this.store.list({
      access: jobAccessOf(caller, this.config.jobVisibility),
      status: query.status,
      limit: query.limit,
      after,
    });
    return { jobs: page.jobs, nextCursor: page.next ? encodeListCursor(page.next) : null };
  }

  /** Someone else's job answers exactly like an unknown one, so ids leak nothing. */
  async get(id: string, caller: Caller): Promise<ExportJob> {
    const jobId = toJobId(id);
    const job = jobId ? await this.store.get(jobId) : null;
    if (!job || !canAccess(job, jobAccessOf(caller, this.config.jobVisibility))) {
      throw new DomainError('job-not-found', `No export job ${JSON.stringify(id)} exists.`);
    }
    return job;
  }

  async cancel(id: string, caller: Caller): Promise<CancelOutcome> {
    const job = await this.get(id, caller);
    if (isFinished(job.status)) return { cancelled: false, job };
    const cancelled = await this.store.transition(job.id, ['pending', 'running'], 'cancelled');
    if (!cancelled) return { cancelled: false, job: await this.get(id, caller) }; // it finished meanwhile
    // Here at once; on the server running it through the signal (its slow poll if that is lost).
    this.runner.cancel(job.id);
    await this.signals.publish({ kind: 'cancelled', jobId: job.id }).catch(() => undefined);
    return { cancelled: true, job: cancelled };
  }

  async results(id: string, caller: Caller): Promise<ResultsOutcome> {
    const job = await this.get(id, caller);
    if (!isFinished(job.status)) return { ready: false, job };
    refuseExpired(job);
    if (job.status !== 'completed') {
      throw new DomainError('job-has-no-results', `The export job ${job.status}; it has no results.`, {
        job_id: job.id,
        job_status: job.status,
      });
    }
    await this.refuseInvisibleFiles(job);
    return { ready: true, job, files: await this.files.list(job.id) };
  }

  /**
   * The completed job's zip: its path, and with DOWNLOAD_ACCEL_REDIRECT the internal URL under
   * which a fronting nginx serves the same file.
   */
  async download(id: string, caller: Caller): Promise<{ job: ExportJob; path: string; accelRedirect?: string }> {
    const job = await this.get(id, caller);
    refuseExpired(job);
    if (job.status !== 'completed') {
      throw new DomainError(
        'download-not-available',
        `The export job is ${job.status}; only completed jobs have a download.`,
        { job_id: job.id, job_status: job.status },
      );
    }
    await this.refuseInvisibleFiles(job);
    const prefix = this.config.downloadAccelRedirect;
    return {
      job,
      path: this.files.zipFile(job.id),
      ...(prefix ? { accelRedirect: `${prefix}${this.files.zipPathInBaseDir(job.id)}` } : {}),
    };
  }

  /**
   * A completed job's zip is there unless this server does not see the folder the job was run in
   * (servers sharing a database but not EXPORT_BASE_DIR): say so, rather than list nothing.
   */
  private async refuseInvisibleFiles(job: ExportJob): Promise<void> {
    if (await this.files.hasZip(job.id)) return;
    throw new DomainError(
      'job-files-unavailable',
      `The export completed, but this server cannot see its files in its export folder (EXPORT_BASE_DIR). ` +
        'Servers that share a database must share that folder too.',
      { job_id: job.id, job_status: job.status },
    );
  }

  /**
   * The run's scrubbed log; with `follow`, the stream stays open until the job ends or `signal`
   * aborts (the client went away). A principal holds at most MAX_FOLLOW_STREAMS follow streams here.
   */
  async log(
    id: string,
    caller: Caller,
    follow: boolean,
    signal: AbortSignal,
  ): Promise<{ job: ExportJob; stream: Readable }> {
    const job = await this.get(id, caller);
    refuseExpired(job);
    const file = this.files.logFile(job.id);
    if (!follow || isFinished(job.status)) {
      return { job, stream: Readable.from(followFile(file, { writerDone: Promise.resolve(), signal })) };
    }
    const release = this.followSlots.acquire(caller.principal.key);
    if (!release) {
      throw new DomainError(
        'too-many-follow-streams',
        `You already follow ${this.config.maxFollowStreams} logs on this server (MAX_FOLLOW_STREAMS); ` +
          'close one, or read the log without follow.',
        {},
        5,
      );
    }
    const stream = Readable.from(followFile(file, { writerDone: this.jobEnds.waitForEnd(job.id, signal), signal }));
    stream.once('close', release);
    signal.addEventListener('abort', release, { once: true });
    return { job, stream };
  }

  /** The job's audit trail, oldest first. */
  async events(id: string, caller: Caller): Promise<{ job: ExportJob; events: RecordedAuditEvent[] }> {
    const job = await this.get(id, caller);
    return { job, events: await this.audit.eventsOf(job.id) };
  }
}

/** After JOB_RETENTION a job's files are gone for good: 410, not 404, since the job is known. */
function refuseExpired(job: ExportJob): void {
  if (job.status === 'expired') {
    throw new DomainError('job-expired', 'The export expired: its files were removed after the retention period (JOB_RETENTION).', {
      job_id: job.id,
      job_status: job.status,
    });
  }
}
