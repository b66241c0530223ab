import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { createTestDatabase, TestDatabase } from '../support/test-database';

describe('migrations', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource({
      ...dataSourceOptions(database.url),
      migrationsRun: false,
      logging: false,
    }).initialize();
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  const tables = async () =>
    (
      await dataSource.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    ).map((row: { tablename: string }) => row.tablename);

  it('apply from nothing, revert one by one to nothing, and apply again', async () => {
    expect(await dataSource.runMigrations()).toHaveLength(MIGRATIONS.length);
    expect(await tables()).toEqual([
      'export_job_counts',
      'export_jobs',
      'export_schedule_runs',
      'export_schedules',
      'idempotency_keys',
      'job_events',
      'migrations',
      'server_secrets',
      'webhook_deliveries',
      'webhook_delivery_attempts',
    ]);
    for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration();
    expect(await tables()).toEqual(['migrations']);
    expect(await dataSource.runMigrations()).toHaveLength(MIGRATIONS.length);
  });

  it('the entity matches the migrated schema (nothing for TypeORM to synchronise)', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    // CHECK constraints live only in the migrations (TypeORM cannot compare their expressions).
    const differences = pending.upQueries
      .map((q) => q.query)
      .filter((q) => !/DROP CONSTRAINT "export_jobs_\w+_check"/.test(q));
    expect(differences).toEqual([]);
  });
});
