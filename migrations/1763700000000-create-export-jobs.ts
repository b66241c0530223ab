import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateExportJobs1763700000000 implements MigrationInterface {
  name = 'CreateExportJobs1763700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE export_jobs (
        id uuid PRIMARY KEY,
        status varchar(16) NOT NULL
          CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
        progress smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
        progress_detail jsonb,
        parameters jsonb NOT NULL,
        owner varchar(64) NOT NULL,
        credential_source varchar(16) NOT NULL CHECK (credential_source IN ('bearer', 'environment')),
        error text,
        outcome jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        started_at timestamptz,
        completed_at timestamptz,
        cancelled_at timestamptz
      )`);
    await queryRunner.query(
      'CREATE INDEX export_jobs_status_created_at_idx ON export_jobs (status, created_at)',
    );
    await queryRunner.query(
      'CREATE INDEX export_jobs_owner_created_at_idx ON export_jobs (owner, created_at)',
    );
    // Holds the key that turns bearer tokens into owner hashes; shared by every server on this database.
    await queryRunner.query(`
      CREATE TABLE server_secrets (
        name varchar(64) PRIMARY KEY,
        value text NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE server_secrets');
    await queryRunner.query('DROP TABLE export_jobs');
  }
}
