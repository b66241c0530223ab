/** The retry settings (WEBHOOK_RETRY_DELAY, WEBHOOK_RETRY_FOR). */
export interface RetrySettings {
  /** The pause after the first failed attempt; each further one doubles it. */
  retryDelayMs: number;
  /** No attempt starts later than this after the first one. */
  retryForMs: number;
}

/** Pauses stop doubling here (unless WEBHOOK_RETRY_DELAY is longer). */
const LONGEST_PAUSE_MS = 60 * 60_000;
/** Each pause is spread by up to this share either way, so deliveries that failed together do not retry together. */
const JITTER = 0.1;

/** Exponential backoff for a bounded time. */
export class RetryPolicy {
  constructor(
    private readonly settings: RetrySettings,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * After failed attempt number `attempt` (1 is the first), `elapsedMs` after the first attempt
   * started: how long to wait before the next, or null when none may start in time.
   */
  retryIn(attempt: number, elapsedMs: number): number | null {
    const { retryDelayMs, retryForMs } = this.settings;
    const pause = Math.min(retryDelayMs * 2 ** (attempt - 1), Math.max(LONGEST_PAUSE_MS, retryDelayMs));
    const spread = Math.round(pause * (1 - JITTER + 2 * JITTER * this.random()));
    return elapsedMs + spread <= retryForMs ? spread : null;
  }
}
