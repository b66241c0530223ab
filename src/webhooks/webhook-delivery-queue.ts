import { AttemptResult, ClaimedDelivery } from './webhook-delivery';

/** How an attempt is recorded: what was sent, what came of it, and when to try again (null: never). */
export interface RecordedAttempt {
  body: string;
  result: AttemptResult;
  retryInMs: number | null;
}

/**
 * The deliveries due, shared by every server on the database: a delivery is due once its job has
 * ended (for a scheduled run, once its change summary is recorded) and again at each retry. One
 * server at a time holds it, under a lease, for one attempt.
 */
export abstract class WebhookDeliveryQueue {
  /** Claims the next due delivery for an attempt by `serverId`, leased for `leaseMs`; null when none is due. */
  abstract claimNext(serverId: string, leaseMs: number): Promise<ClaimedDelivery | null>;

  /**
   * Records the attempt and its consequence: delivered, due again after `retryInMs`, or failed for
   * good. Applies only while `serverId` still holds this attempt (its lease may have run out).
   */
  abstract recordAttempt(
    delivery: ClaimedDelivery,
    serverId: string,
    attempt: RecordedAttempt,
  ): Promise<void>;

  /** Milliseconds until the next retry is due (0: one is); null without any retry waiting. */
  abstract msUntilNextRetry(): Promise<number | null>;
}
