import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { sleep } from './jobs';

/** One request the receiver got. */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as sent: what the signature covers. */
  body: string;
  /** The status the receiver answered. */
  answered: number;
}

/** How the receiver answers on one path: these statuses in turn, the last one from then on. */
interface Script {
  statuses: number[];
  headers: Record<string, string>;
}

/**
 * A webhook receiver on 127.0.0.1 (node:http), as a user would run one: it records every request
 * and answers each path as the test scripted (200 by default).
 */
export class WebhookReceiver {
  private readonly requests: ReceivedRequest[] = [];
  private readonly scripts = new Map<string, Script>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        const script = receiver.scripts.get(path);
        const earlier = receiver.requests.filter((seen) => seen.path === path).length;
        const status = script ? script.statuses[Math.min(earlier, script.statuses.length - 1)] : 200;
        receiver.requests.push({
          path,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
          answered: status,
        });
        res.writeHead(status, script?.headers ?? {});
        res.end(status < 300 ? 'ok' : 'not now');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** `127.0.0.1:<port>`, as WEBHOOK_ALLOWED_HOSTS may name it. */
  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  url(path: string): string {
    return `http://${this.host}${path}`;
  }

  /** Answers requests to `path` with `statuses` in turn (the last one repeated), with `headers`. */
  answer(path: string, statuses: number[], headers: Record<string, string> = {}): void {
    this.scripts.set(path, { statuses, headers });
  }

  received(path?: string): ReceivedRequest[] {
    return this.requests.filter((request) => path === undefined || request.path === path);
  }

  /** Waits (bounded) until the requests to `path` satisfy `done`; returns them. */
  async waitFor(
    path: string,
    done: (requests: ReceivedRequest[]) => boolean,
    timeoutMs = 30_000,
  ): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.received(path))) {
      if (Date.now() > deadline) {
        throw new Error(
          `${path}: got ${JSON.stringify(this.received(path), null, 1)} within ${timeoutMs} ms`,
        );
      }
      await sleep(50);
    }
    return this.received(path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Checks a request's signature as a receiver does (independently of the server's code): the HMAC
 * of `<Webhook-Timestamp>.<body>` with the secret, in constant time. Answers why not, or undefined.
 */
export function signatureProblem(request: ReceivedRequest, secret: string): string | undefined {
  const timestamp = request.headers['webhook-timestamp'];
  const signature = request.headers['webhook-signature'];
  if (typeof timestamp !== 'string' || !/^\d+$/.test(timestamp))
    return `bad Webhook-Timestamp ${JSON.stringify(timestamp)}`;
  if (typeof signature !== 'string') return 'no Webhook-Signature';
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return `signature ${signature} does not match`;
  // A receiver refuses old timestamps (replays); the attempt was sent just now.
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return `timestamp ${timestamp} is not recent`;
  return undefined;
}
