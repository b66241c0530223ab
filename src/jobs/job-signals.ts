/**
 * What servers sharing the database tell each other about jobs: a job became pending (a free slot
 * anywhere may take it), was cancelled (its runner stops it), or ended (log followers stop).
 * `resync` is local: the channel was down, so listeners should look at the database themselves.
 */
export type JobSignal =
  | { kind: 'pending'; jobId: string }
  | { kind: 'cancelled'; jobId: string }
  | { kind: 'ended'; jobId: string }
  | { kind: 'resync' };

export type JobSignalListener = (signal: JobSignal) => void;

/**
 * Wake-ups between servers. Delivery is best effort (a signal sent while a server is disconnected
 * is lost to it), so every listener keeps a slow poll of the database as a fallback.
 */
export abstract class JobSignals {
  private readonly listeners = new Set<JobSignalListener>();

  /** Tells every server, this one included (at once, whatever the channel's state). */
  async publish(signal: Exclude<JobSignal, { kind: 'resync' }>): Promise<void> {
    this.deliver(signal);
    await this.broadcast(signal);
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: JobSignalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected deliver(signal: JobSignal): void {
    for (const listener of this.listeners) listener(signal);
  }

  /** Sends to the other servers. */
  protected abstract broadcast(signal: JobSignal): Promise<void>;
}
