import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';

/** How often the aggregate line of rejected requests is logged (when there were any). */
const SUMMARY_INTERVAL_MS = 60_000;

/**
 * Requests refused before they reached any job (401 unauthenticated, 429 rate-limited). A flood of
 * them must not become a flood of audit rows or log lines: they are counted in
 * `http_requests_rejected_total` and summed up in one log line a minute.
 */
@Injectable()
export class RejectedRequests implements OnApplicationShutdown {
  private readonly logger = new Logger('RejectedRequests');
  private readonly counter: Counter<'status' | 'reason'>;
  private pending = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(registry: Registry) {
    this.counter = new Counter({
      name: 'http_requests_rejected_total',
      help: 'Requests refused before authentication or by a rate limit, by status and reason',
      labelNames: ['status', 'reason'],
      registers: [registry],
    });
    this.timer = setInterval(() => this.logSummary(), SUMMARY_INTERVAL_MS);
    this.timer.unref();
  }

  /** `reason` comes from a closed set (the problem type's code), so label values stay few. */
  count(status: number, reason: string): void {
    this.counter.inc({ status: String(status), reason });
    const key = `${status} ${reason}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.logSummary();
  }

  private logSummary(): void {
    if (this.pending.size === 0) return;
    const rejected = Object.fromEntries(this.pending);
    this.pending = new Map();
    this.logger.warn({ rejected }, 'Requests rejected since the last summary');
  }
}
