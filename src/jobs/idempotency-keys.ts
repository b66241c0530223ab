import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from './job-rows';

/** Idempotency-Key of a create request, scoped to the job's owner, with a fingerprint of its body. */
export interface IdempotencyKey {
  key: string;
  fingerprint: string;
}

/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_KEY_LIFETIME_MS = 24 * 3_600_000;

/** The idempotency_keys table: which job a create request with a given key made. */
@Injectable()
export class IdempotencyKeyRepository {
  constructor(private readonly db: DataSource) {}

  /** The key's live record for `owner`, if any. */
  async find(
    manager: EntityManager,
    owner: string,
    key: string,
  ): Promise<{ fingerprint: string; jobId: string } | null> {
    const rows: { fingerprint: string; job_id: string }[] = await manager.query(
      `SELECT fingerprint, job_id FROM idempotency_keys
        WHERE owner = $1 AND key = $2 AND created_at > now() - $3 * interval '1 millisecond'`,
      [owner, key, IDEMPOTENCY_KEY_LIFETIME_MS],
    );
    return rows.length > 0 ? { fingerprint: rows[0].fingerprint, jobId: rows[0].job_id } : null;
  }

  /** Records the key for `jobId`; an expired record of the same key is replaced. */
  async remember(manager: EntityManager, owner: string, key: IdempotencyKey, jobId: string): Promise<void> {
    await manager.query(
      `INSERT INTO idempotency_keys (owner, key, fingerprint, job_id, created_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (owner, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, job_id = EXCLUDED.job_id,
         created_at = EXCLUDED.created_at`,
      [owner, key.key, key.fingerprint, jobId],
    );
  }

  /** Forgets keys older than their lifetime; returns how many. */
  async forgetOld(): Promise<number> {
    const rows = rowsOf<{ key: string }>(
      await this.db.query(
        `DELETE FROM idempotency_keys WHERE created_at < now() - $1 * interval '1 millisecond' RETURNING key`,
        [IDEMPOTENCY_KEY_LIFETIME_MS],
      ),
    );
    return rows.length;
  }
}
