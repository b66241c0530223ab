import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddJobOwnerIdentity1796125979863 implements MigrationInterface {
  name = 'AddJobOwnerIdentity1796125979863';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Jobs are owned by a Genesys Cloud identity (user or OAuth client of an organization) once
    // tokens are verified. Existing rows keep their token-hash (or `service`) owner.
    await queryRunner.query(`
      ALTER TABLE export_jobs
        ADD COLUMN owner_kind varchar(16),
        ADD COLUMN owner_id varchar(64),
        ADD COLUMN owner_name varchar(256),
        ADD COLUMN organization_id varchar(64)`);
    await queryRunner.query(
      `UPDATE export_jobs SET owner_kind = CASE WHEN owner = 'service' THEN 'service' ELSE 'token' END, owner_id = owner`,
    );
    await queryRunner.query(`
      ALTER TABLE export_jobs
        ALTER COLUMN owner_kind SET NOT NULL,
        ALTER COLUMN owner_id SET NOT NULL,
        ADD CONSTRAINT export_jobs_owner_kind_check CHECK (owner_kind IN ('user', 'client', 'token', 'service'))`);
    // JOB_VISIBILITY=organization lists an organization's jobs, in the owner list's order.
    await queryRunner.query(
      'CREATE INDEX export_jobs_organization_list_idx ON export_jobs (organization_id, created_at DESC, id)',
    );
    // The audit trail names who acted, beyond the principal key.
    await queryRunner.query(
      'ALTER TABLE job_events ADD COLUMN principal_name varchar(256), ADD COLUMN organization_id varchar(64)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE job_events DROP COLUMN principal_name, DROP COLUMN organization_id');
    await queryRunner.query('DROP INDEX export_jobs_organization_list_idx');
    await queryRunner.query(`
      ALTER TABLE export_jobs
        DROP COLUMN owner_kind, DROP COLUMN owner_id, DROP COLUMN owner_name, DROP COLUMN organization_id`);
  }
}
