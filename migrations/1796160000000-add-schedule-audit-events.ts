import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddScheduleAuditEvents1796160000000 implements MigrationInterface {
  name = 'AddScheduleAuditEvents1796160000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The audit trail also records what was done to schedules; like job_id, no foreign key, so a
    // deleted schedule's events stay until the retention clean-up.
    await queryRunner.query('ALTER TABLE job_events ADD COLUMN schedule_id uuid');
    await queryRunner.query(
      'CREATE INDEX job_events_schedule_id_idx ON job_events (schedule_id, occurred_at) WHERE schedule_id IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX job_events_schedule_id_idx');
    await queryRunner.query('ALTER TABLE job_events DROP COLUMN schedule_id');
  }
}
