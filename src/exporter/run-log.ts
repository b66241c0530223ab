import { createWriteStream, WriteStream } from 'node:fs';

/**
 * A job's scrubbed log file. A write error (full disk, no descriptors) stops the log and is reported
 * once; the export's own result stands, with `failure` telling that the log is incomplete.
 */
export class RunLog {
  private stream: WriteStream | undefined;
  private error: Error | undefined;

  constructor(
    private readonly file: string,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Why the log stopped, if it did. */
  get failure(): Error | undefined {
    return this.error;
  }

  write(line: string): void {
    if (this.error) return;
    if (!this.stream) {
      this.stream = createWriteStream(this.file, { flags: 'a', mode: 0o600 });
      this.stream.on('error', (error) => {
        if (this.error) return;
        this.error = error;
        this.onError(error);
      });
    }
    this.stream.write(`${line}\n`);
  }

  /** Resolves once the file is closed, so `failure` then tells whether every line reached it. */
  end(): Promise<void> {
    const stream = this.stream;
    if (!stream || stream.closed) return Promise.resolve();
    // 'close' follows both a clean finish and an error (after its 'error' event).
    return new Promise((resolve) => {
      stream.once('close', () => resolve());
      stream.end();
    });
  }
}
