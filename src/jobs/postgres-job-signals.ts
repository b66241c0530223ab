import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobSignal, JobSignals } from './job-signals';

const CHANNEL = 'export_jobs';
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5000;

interface Envelope {
  /** The sending server, so a server ignores its own signals (it delivered them already). */
  from: string;
  signal: JobSignal;
}

/**
 * JobSignals over PostgreSQL LISTEN/NOTIFY. One dedicated connection listens and reconnects by
 * itself (with backoff) after the database was unreachable; signals are sent through the pool.
 */
@Injectable()
export class PostgresJobSignals extends JobSignals implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PostgresJobSignals.name);
  private client: Client | undefined;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelayMs = RECONNECT_MIN_MS;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DataSource,
  ) {
    super();
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  protected async broadcast(signal: JobSignal): Promise<void> {
    const envelope: Envelope = { from: this.config.serverId, signal };
    await this.db.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(envelope)]);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.config.databaseUrl, connectionTimeoutMillis: 5000 });
    // A lost connection is reported here and by 'end'; both lead to one reconnect.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      try {
        const envelope = JSON.parse(message.payload) as Envelope;
        if (envelope.from !== this.config.serverId) this.deliver(envelope.signal);
      } catch {
        this.logger.warn('Ignored a malformed job signal');
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      this.lost(client, error as Error);
      return;
    }
    const wasDown = this.client === undefined && this.reconnectDelayMs > RECONNECT_MIN_MS;
    this.client = client;
    this.reconnectDelayMs = RECONNECT_MIN_MS;
    if (wasDown) {
      this.logger.log('Listening for job signals again');
      this.deliver({ kind: 'resync' });
    }
  }

  private lost(client: Client, error?: Error): void {
    if (this.closed || (this.client !== client && this.client !== undefined)) return;
    if (this.client === client || this.reconnectDelayMs === RECONNECT_MIN_MS) {
      this.logger.warn(`Job signals connection lost${error ? `: ${error.message}` : ''}; reconnecting`);
    }
    this.client = undefined;
    void client.end().catch(() => undefined);
    if (this.reconnectTimer) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(delay * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
  }
}
