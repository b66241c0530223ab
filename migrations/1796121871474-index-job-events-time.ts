import { MigrationInterface, QueryRunner } from 'typeorm';

export class IndexJobEventsTime1796121871474 implements MigrationInterface {
  name = 'IndexJobEventsTime1796121871474';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The retention clean-up deletes audit rows by age; without this it scans the whole table.
    await queryRunner.query('CREATE INDEX job_events_occurred_at_idx ON job_events (occurred_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX job_events_occurred_at_idx');
  }
}
