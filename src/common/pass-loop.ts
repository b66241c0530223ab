/**
 * Runs a pass of background work one at a time, when woken and then again when the pass itself
 * says: a wake-up during a pass runs it once more right after, instead of alongside. The pass
 * answers how many milliseconds until it should run next, and handles its own errors.
 */
export class PassLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(private readonly pass: () => Promise<number>) {}

  /** Runs the pass in `ms` (0: now), instead of when it was due to run. */
  wakeIn(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), ms);
    this.timer.unref();
  }

  /** No more passes; resolves once the one under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private async run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass().then((nextInMs) => {
      this.running = undefined;
      const again = this.again;
      this.again = false;
      this.wakeIn(again ? 0 : nextInMs);
    });
    await this.running;
  }
}
