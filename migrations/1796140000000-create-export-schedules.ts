import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateExportSchedules1796140000000 implements MigrationInterface {
  name = 'CreateExportSchedules1796140000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE export_schedules (
         id uuid PRIMARY KEY,
         name text NOT NULL,
         cron text NOT NULL,
         time_zone text NOT NULL,
         parameters jsonb NOT NULL,
         keep_runs integer NOT NULL CHECK (keep_runs > 0),
         paused boolean NOT NULL DEFAULT false,
         owner text NOT NULL,
         owner_kind text NOT NULL,
         owner_id text NOT NULL,
         owner_name text,
         organization_id text,
         -- NULL while paused, or when the cron fires no more.
         next_run_at timestamptz,
         last_run_at timestamptz,
         missed_runs integer NOT NULL DEFAULT 0,
         last_missed_at timestamptz,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL
       )`,
    );
    // The schedulers' question, asked every few seconds by every server: which schedule is due first.
    await queryRunner.query(
      'CREATE INDEX export_schedules_due_idx ON export_schedules (next_run_at) WHERE NOT paused',
    );
    await queryRunner.query(
      'CREATE INDEX export_schedules_list_idx ON export_schedules (owner, created_at DESC, id)',
    );
    await queryRunner.query(
      `CREATE TABLE export_schedule_runs (
         id uuid PRIMARY KEY,
         schedule_id uuid NOT NULL REFERENCES export_schedules (id) ON DELETE CASCADE,
         due_at timestamptz NOT NULL,
         outcome text NOT NULL CHECK (outcome IN ('starting', 'started', 'skipped', 'failed')),
         job_id uuid REFERENCES export_jobs (id),
         detail text,
         change_summary jsonb,
         -- Set once the run's job ended and what follows from that (change summary, pruning) was done.
         settled boolean NOT NULL DEFAULT false,
         created_at timestamptz NOT NULL DEFAULT now(),
         -- One run per due time, whatever happens; also the index of a schedule's run list.
         UNIQUE (schedule_id, due_at)
       )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE export_schedule_runs');
    await queryRunner.query('DROP TABLE export_schedules');
  }
}
