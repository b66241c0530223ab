import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ExportParameters } from '../exports/export-parameters';
import type { CredentialSource, ExportOutcome, JobStatus, OwnerKind, ProgressDetail } from './export-job';

@Entity({ name: 'export_jobs' })
@Index('export_jobs_status_created_at_idx', ['status', 'createdAt'])
@Index('export_jobs_owner_list_idx', ['owner', 'createdAt', 'id']) // created_at DESC, in the migration
@Index('export_jobs_organization_list_idx', ['organizationId', 'createdAt', 'id']) // likewise
@Index('export_jobs_finished_idx', ['updatedAt'], { where: "status IN ('completed', 'failed', 'cancelled')" })
export class ExportJobEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 16 })
  status: JobStatus;

  @Column({ type: 'smallint', default: 0 })
  progress: number;

  @Column({ name: 'progress_detail', type: 'jsonb', nullable: true })
  progressDetail: ProgressDetail | null;

  @Column({ type: 'jsonb' })
  parameters: ExportParameters;

  /** Key of the principal that created the job (`user:<id>`, `client:<id>`, token hash, `service`); never a credential. */
  @Column({ type: 'varchar', length: 64 })
  owner: string;

  @Column({ name: 'owner_kind', type: 'varchar', length: 16 })
  ownerKind: OwnerKind;

  @Column({ name: 'owner_id', type: 'varchar', length: 64 })
  ownerId: string;

  @Column({ name: 'owner_name', type: 'varchar', length: 256, nullable: true })
  ownerName: string | null;

  @Column({ name: 'organization_id', type: 'varchar', length: 64, nullable: true })
  organizationId: string | null;

  /** The server holding the job: its creator while pending, its runner once claimed. */
  @Column({ name: 'server_id', type: 'varchar', length: 64, nullable: true })
  serverId: string | null;

  @Column({ name: 'credential_source', type: 'varchar', length: 16 })
  credentialSource: CredentialSource;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'jsonb', nullable: true })
  outcome: ExportOutcome | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  @Column({ name: 'expired_at', type: 'timestamptz', nullable: true })
  expiredAt: Date | null;
}
