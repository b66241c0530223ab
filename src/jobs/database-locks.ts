import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** PostgreSQL advisory locks, so servers sharing the database take turns on work that must not overlap. */
@Injectable()
export class DatabaseLocks {
  constructor(private readonly db: DataSource) {}

  /**
   * Runs `work` only if no other server is running work under the same name; returns false when
   * it was skipped. The lock is a transaction's, so a server that dies mid-work releases it.
   */
  async runExclusively(name: string, work: () => Promise<void>): Promise<boolean> {
    return this.db.transaction(async (manager) => {
      const [{ locked }] = await manager.query<{ locked: boolean }[]>(
        'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
        [name],
      );
      if (locked) await work();
      return locked;
    });
  }

  /**
   * Runs `work` holding the lock `name`, after waiting for whoever holds it now: servers take
   * turns. The lock is a transaction's, kept open while `work` runs, so a server that dies
   * mid-work releases it.
   */
  async runInTurn<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.db.transaction(async (manager) => {
      await this.lockInTransaction(manager, name);
      return work();
    });
  }

  /** Waits for the lock `name` inside the caller's transaction; it is released when that transaction ends. */
  async lockInTransaction(manager: EntityManager, name: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
  }
}
