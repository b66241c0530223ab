import { FileHandle, open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

const POLL_MS = 200;
const CHUNK_BYTES = 64 * 1024;

/**
 * Follows a file another process appends to (Terraform's TF_LOG_PATH) and hands over complete lines.
 * Polling keeps it simple and portable; the file may not exist until Terraform first logs.
 */
export class LogTail {
  private handle: FileHandle | undefined;
  private position = 0;
  private partial = '';
  // Keeps a UTF-8 character that straddles two reads whole.
  private readonly decoder = new StringDecoder('utf8');
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly onLine: (line: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.schedule(), POLL_MS);
  }

  /** Reads what is left, including a last line without a newline, and stops. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.schedule();
    await this.reading;
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
    await this.handle?.close();
    this.handle = undefined;
  }

  private schedule(): void {
    this.reading = this.reading.then(() => this.readAvailable()).catch(() => undefined);
  }

  private async readAvailable(): Promise<void> {
    if (!this.handle) {
      try {
        this.handle = await open(this.file, 'r');
      } catch {
        return; // not created yet
      }
    }
    const buffer = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await this.handle.read(buffer, 0, CHUNK_BYTES, this.position);
      if (bytesRead === 0) return;
      this.position += bytesRead;
      const lines = (this.partial + this.decoder.write(buffer.subarray(0, bytesRead))).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.onLine(line);
    }
  }
}
