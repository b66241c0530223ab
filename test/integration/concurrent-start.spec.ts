import { MIGRATIONS } from '../../migrations';
import { ENV_CREDENTIALS, startTestApp } from '../support/test-app';
import { createTestDatabase, withClient } from '../support/test-database';

describe('servers starting together on a new database', () => {
  it('apply each migration once, one after the other (an advisory lock), without a failed attempt', async () => {
    const database = await createTestDatabase();
    // TypeORM reports failed queries on the console; racing migrations would fail on each other's tables.
    const printed: string[] = [];
    const spies = (['log', 'error', 'warn'] as const).map((method) =>
      jest
        .spyOn(console, method)
        .mockImplementation((...args: unknown[]) => void printed.push(args.join(' '))),
    );
    try {
      const apps = await Promise.all(
        Array.from({ length: 3 }, () => startTestApp({ env: ENV_CREDENTIALS, database })),
      );
      for (const t of apps) expect((await t.http.get('/health')).status).toBe(200);
      const applied = await withClient(database.url, (c) =>
        c.query<{ name: string; times: number }>(
          'SELECT name, count(*)::int AS times FROM migrations GROUP BY name',
        ),
      );
      expect(applied.rows).toHaveLength(MIGRATIONS.length);
      expect(applied.rows.every((row) => row.times === 1)).toBe(true);
      expect(printed.filter((line) => /already exists|duplicate key/.test(line))).toEqual([]);
      for (const t of apps) await t.close();
    } finally {
      for (const spy of spies) spy.mockRestore();
      await database.drop();
    }
  });
});
