import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddExpiryAndJobEvents1763720000000 implements MigrationInterface {
  name = 'AddExpiryAndJobEvents1763720000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // `expired`: a finished job whose files the retention clean-up removed; the row stays.
    await queryRunner.query('ALTER TABLE export_jobs DROP CONSTRAINT export_jobs_status_check');
    await queryRunner.query(`
      ALTER TABLE export_jobs ADD CONSTRAINT export_jobs_status_check
        CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled', 'expired'))`);
    await queryRunner.query('ALTER TABLE export_jobs ADD COLUMN expired_at timestamptz');
    await queryRunner.query(
      "CREATE INDEX export_jobs_finished_idx ON export_jobs (updated_at) WHERE status IN ('completed', 'failed', 'cancelled')",
    );
    // The audit trail. No foreign key: rejected requests name unknown ids, and events outlive purges.
    await queryRunner.query(`
      CREATE TABLE job_events (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        job_id uuid,
        principal varchar(64),
        action varchar(40) NOT NULL,
        outcome varchar(16) NOT NULL,
        http_status smallint,
        request_id varchar(128),
        client_ip varchar(64),
        detail jsonb
      )`);
    await queryRunner.query('CREATE INDEX job_events_job_id_idx ON job_events (job_id, occurred_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE job_events');
    await queryRunner.query('DROP INDEX export_jobs_finished_idx');
    await queryRunner.query('ALTER TABLE export_jobs DROP COLUMN expired_at');
    await queryRunner.query("UPDATE export_jobs SET status = 'completed' WHERE status = 'expired'");
    await queryRunner.query('ALTER TABLE export_jobs DROP CONSTRAINT export_jobs_status_check');
    await queryRunner.query(`
      ALTER TABLE export_jobs ADD CONSTRAINT export_jobs_status_check
        CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled'))`);
  }
}
