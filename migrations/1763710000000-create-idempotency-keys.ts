import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateIdempotencyKeys1763710000000 implements MigrationInterface {
  name = 'CreateIdempotencyKeys1763710000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One row per (principal, Idempotency-Key): the request's fingerprint and the job it created.
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        owner varchar(64) NOT NULL,
        key varchar(255) NOT NULL,
        fingerprint char(64) NOT NULL,
        job_id uuid NOT NULL REFERENCES export_jobs (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (owner, key)
      )`);
    await queryRunner.query('CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE idempotency_keys');
  }
}
