import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddJobServer1763730000000 implements MigrationInterface {
  name = 'AddJobServer1763730000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The server that holds the job (its creator while pending, its runner once claimed), so a
    // restarting server recovers only its own jobs when several share the database.
    await queryRunner.query('ALTER TABLE export_jobs ADD COLUMN server_id varchar(64)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE export_jobs DROP COLUMN server_id');
  }
}
