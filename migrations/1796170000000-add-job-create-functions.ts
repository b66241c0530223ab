import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddJobCreateFunctions1796170000000 implements MigrationInterface {
  name = 'AddJobCreateFunctions1796170000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Creates of one owner take turns, so that the duplicate and Idempotency-Key checks cannot race.
    await queryRunner.query(`
      CREATE FUNCTION export_jobs_lock_creates(creator text) RETURNS void
        LANGUAGE sql VOLATILE AS $$ SELECT pg_advisory_xact_lock(hashtext('export-create:' || creator)) $$`);
    // Called by the statement that inserts a job. A VOLATILE function's queries take their own
    // snapshot, here after the lock, so the check sees every job created before the lock was given.
    await queryRunner.query(`
      CREATE FUNCTION export_jobs_live_duplicate(creator text, job_parameters jsonb) RETURNS SETOF export_jobs
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
          PERFORM export_jobs_lock_creates(creator);
          RETURN QUERY SELECT * FROM export_jobs
            WHERE owner = creator AND status IN ('pending', 'running') AND parameters = job_parameters
              AND (lease_expires_at IS NULL OR lease_expires_at > now())
            ORDER BY created_at LIMIT 1;
        END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION export_jobs_live_duplicate(text, jsonb)');
    await queryRunner.query('DROP FUNCTION export_jobs_lock_creates(text)');
  }
}
