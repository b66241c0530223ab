import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Server-wide secrets kept in the database, so every server sharing it (and every restart) uses the
 * same values. Created on first use.
 */
@Injectable()
export class ServerSecrets {
  constructor(private readonly dataSource: DataSource) {}

  async getOrCreate(name: string): Promise<Buffer> {
    await this.dataSource.query(
      'INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING',
      [name, randomBytes(32).toString('base64')],
    );
    const rows: { value: string }[] = await this.dataSource.query(
      'SELECT value FROM server_secrets WHERE name = $1',
      [name],
    );
    return Buffer.from(rows[0].value, 'base64');
  }
}
