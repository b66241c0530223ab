import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddJobLease1796130000000 implements MigrationInterface {
  name = 'AddJobLease1796130000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // A job's holder renews this while it lives; any server's sweep fails jobs whose lease ran out.
    await queryRunner.query('ALTER TABLE export_jobs ADD COLUMN lease_expires_at timestamptz');
    await queryRunner.query(
      `CREATE INDEX export_jobs_lease_idx ON export_jobs (lease_expires_at)
        WHERE status IN ('pending', 'running')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX export_jobs_lease_idx');
    await queryRunner.query('ALTER TABLE export_jobs DROP COLUMN lease_expires_at');
  }
}
