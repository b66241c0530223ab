import { createHash } from 'node:crypto';
import { Pool, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** Statement names by SQL text: the same text is always the same statement. */
const names = new Map<string, string>();

function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `q_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * A statement the API runs on every poll, list page or create, as a named statement on TypeORM's
 * own node-postgres pool: PostgreSQL parses and plans it once per connection, and none of
 * TypeORM's per-query machinery (a query runner per call) runs. `text` must be one of a few fixed
 * texts, never one built from values.
 */
export async function preparedQuery<R extends QueryResultRow>(
  db: DataSource,
  text: string,
  values: unknown[],
): Promise<R[]> {
  const { rows } = await poolOf(db).query<R>({ name: statementName(text), text, values });
  return rows;
}

function poolOf(db: DataSource): Pool {
  return (db.driver as PostgresDriver).master as Pool;
}
