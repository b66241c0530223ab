import { randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { InvalidConfigurationError, loadAppConfig } from '../../src/config/app-config';
import { ServerSecrets } from '../../src/database/server-secrets';
import { JobSignal, JobSignals } from '../../src/jobs/job-signals';
import { AllowedHosts, parseAllowedHosts } from '../../src/webhooks/allowed-hosts';
import { RetryPolicy } from '../../src/webhooks/retry-policy';
import { AttemptResult, ClaimedDelivery, DeliveryState } from '../../src/webhooks/webhook-delivery';
import { RecordedAttempt, WebhookDeliveryQueue } from '../../src/webhooks/webhook-delivery-queue';
import { WebhookDeliverer } from '../../src/webhooks/webhook-deliverer';
import { UnreadableWebhookSecret, WebhookSecretBox } from '../../src/webhooks/webhook-secret-box';
import { WebhookRequest, WebhookSender } from '../../src/webhooks/webhook-sender';
import { webhookSignature } from '../../src/webhooks/webhook-signature';

describe('webhook signatures', () => {
  it('are sha256=<hex> of the HMAC-SHA-256 over "<timestamp>.<body>", keyed with the secret', () => {
    // Computed independently (Python's hmac module).
    expect(webhookSignature('secret-0123456789abcdef', 1700000000, '{"event":"job.completed"}')).toBe(
      'sha256=ec2fa48ad5186e65ede88c1f8e519ec2ecb10afcb96596f3ee94705ea3a1ec0a',
    );
    const signature = webhookSignature('secret-0123456789abcdef', 1700000000, '{}');
    expect(webhookSignature('secret-0123456789abcdef', 1700000001, '{}')).not.toBe(signature);
    expect(webhookSignature('another-secret-0123456789', 1700000000, '{}')).not.toBe(signature);
  });
});

describe('RetryPolicy', () => {
  const middle = () => 0.5;

  it('doubles the pause after each failed attempt while the next attempt starts within WEBHOOK_RETRY_FOR', () => {
    const policy = new RetryPolicy({ retryDelayMs: 1000, retryForMs: 10_000 }, middle);
    expect(policy.retryIn(1, 0)).toBe(1000);
    expect(policy.retryIn(2, 1000)).toBe(2000);
    expect(policy.retryIn(3, 3000)).toBe(4000);
    // 7 s + 8 s is past the 10 s: no fifth attempt.
    expect(policy.retryIn(4, 7000)).toBeNull();
    expect(new RetryPolicy({ retryDelayMs: 1000, retryForMs: 0 }, middle).retryIn(1, 0)).toBeNull();
  });

  it('stops doubling at an hour, and spreads each pause by up to a tenth either way', () => {
    const policy = new RetryPolicy({ retryDelayMs: 1000, retryForMs: 30 * 24 * 3600_000 }, middle);
    expect(policy.retryIn(40, 0)).toBe(3600_000);
    expect(new RetryPolicy({ retryDelayMs: 1000, retryForMs: 60_000 }, () => 0).retryIn(1, 0)).toBe(900);
    expect(new RetryPolicy({ retryDelayMs: 1000, retryForMs: 60_000 }, () => 1).retryIn(1, 0)).toBe(1100);
  });
});

describe('WEBHOOK_ALLOWED_HOSTS', () => {
  it('reads host names and addresses, each with or without a port, as URL parsing spells them', () => {
    expect(parseAllowedHosts(' Hooks.Example.com, 10.0.0.5:8443 ,[::1]:9000,, ')).toEqual([
      { host: 'hooks.example.com' },
      { host: '10.0.0.5', port: 8443 },
      { host: '[::1]', port: 9000 },
    ]);
    expect(parseAllowedHosts('')).toEqual([]);
  });

  it('refuses entries that are more or less than a host, naming them', () => {
    for (const entry of [
      'hooks.example.com/path',
      'user@hooks.example.com',
      'host:0',
      'host:70000',
      'host:http',
      '::1',
      'a b',
    ]) {
      expect(() => parseAllowedHosts(`ok.example,${entry}`)).toThrow(JSON.stringify(entry));
    }
  });

  it('allows every port of a host named without one, and only the named port otherwise (the scheme default included)', () => {
    const hosts = new AllowedHosts(parseAllowedHosts('hooks.example.com,10.0.0.5:8443,secure.example:443'));
    expect(hosts.enabled).toBe(true);
    const allows = (url: string) => hosts.allows(new URL(url));
    expect(allows('https://hooks.example.com/a')).toBe(true);
    expect(allows('http://HOOKS.example.com:8080/a')).toBe(true);
    expect(allows('http://10.0.0.5:8443/')).toBe(true);
    expect(allows('https://10.0.0.5/')).toBe(false);
    expect(allows('https://secure.example/')).toBe(true);
    expect(allows('http://secure.example/')).toBe(false);
    expect(allows('https://hooks.example.com.evil.example/')).toBe(false);
    expect(allows('https://evil.example/?u=hooks.example.com')).toBe(false);
    expect(new AllowedHosts([]).enabled).toBe(false);
  });

  it('is validated at start with the other settings, as are the delivery settings', () => {
    expect(loadAppConfig({}).webhooks).toEqual({
      allowedHosts: [],
      timeoutMs: 10_000,
      retryDelayMs: 30_000,
      retryForMs: 24 * 3600_000,
    });
    expect(
      loadAppConfig({ WEBHOOK_ALLOWED_HOSTS: 'a.example:81', WEBHOOK_RETRY_FOR: '0s' }).webhooks,
    ).toMatchObject({
      allowedHosts: [{ host: 'a.example', port: 81 }],
      retryForMs: 0,
    });
    for (const env of [
      { WEBHOOK_ALLOWED_HOSTS: 'a.example/x' },
      { WEBHOOK_TIMEOUT: '0s' },
      { WEBHOOK_RETRY_DELAY: 'soon' },
    ]) {
      const [name] = Object.keys(env);
      expect(() => loadAppConfig(env)).toThrow(InvalidConfigurationError);
      expect(() => loadAppConfig(env)).toThrow(new RegExp(`${name}=`));
    }
  });
});

/** ServerSecrets without a database: one key per instance, as one database would hold. */
function memorySecrets(): ServerSecrets {
  const key = randomBytes(32);
  return { getOrCreate: () => Promise.resolve(key) } as unknown as ServerSecrets;
}

describe('WebhookSecretBox', () => {
  it('seals a secret so that it is not in the sealed text, and opens it again with the same key only', async () => {
    const box = new WebhookSecretBox(memorySecrets());
    const secret = 'a-secret-0123456789abcdef';
    const sealed = await box.seal(secret);
    expect(sealed).not.toContain(secret);
    expect(await box.seal(secret)).not.toBe(sealed);
    expect(await box.open(sealed)).toBe(secret);
    await expect(new WebhookSecretBox(memorySecrets()).open(sealed)).rejects.toThrow(UnreadableWebhookSecret);
    const altered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}${sealed.slice(-1)}`;
    await expect(box.open(altered)).rejects.toThrow(UnreadableWebhookSecret);
    await expect(box.open('plain text')).rejects.toThrow(UnreadableWebhookSecret);
  });
});

interface MemoryDelivery {
  claim: Omit<ClaimedDelivery, 'attempt' | 'elapsedMs' | 'body'>;
  state: DeliveryState;
  body: string | null;
  attempts: number;
  firstAttemptAt?: number;
  nextAttemptAt: number;
  leasedBy?: string;
  leaseUntil: number;
  recorded: RecordedAttempt[];
}

/** The delivery queue in memory, with the PostgreSQL one's rules: due times, leases, guarded records. */
class MemoryDeliveryQueue extends WebhookDeliveryQueue {
  readonly deliveries = new Map<string, MemoryDelivery>();

  add(url: string): MemoryDelivery {
    const id = randomUUID();
    const delivery: MemoryDelivery = {
      claim: {
        id,
        jobId: randomUUID(),
        scheduleId: null,
        url,
        sealedSecret: '',
        changes: null,
        job: { status: 'completed', error: null, endedAt: new Date() },
      },
      state: 'pending',
      body: null,
      attempts: 0,
      nextAttemptAt: 0,
      leaseUntil: 0,
      recorded: [],
    };
    this.deliveries.set(id, delivery);
    return delivery;
  }

  claimNext(serverId: string, leaseMs: number): Promise<ClaimedDelivery | null> {
    const now = Date.now();
    const due = [...this.deliveries.values()].find(
      (delivery) =>
        delivery.state === 'pending' && delivery.nextAttemptAt <= now && delivery.leaseUntil < now,
    );
    if (!due) return Promise.resolve(null);
    due.attempts += 1;
    due.firstAttemptAt ??= now;
    due.leasedBy = serverId;
    due.leaseUntil = now + leaseMs;
    return Promise.resolve({
      ...due.claim,
      body: due.body,
      attempt: due.attempts,
      elapsedMs: now - due.firstAttemptAt,
    });
  }

  recordAttempt(delivery: ClaimedDelivery, serverId: string, attempt: RecordedAttempt): Promise<void> {
    const held = this.deliveries.get(delivery.id)!;
    if (held.attempts === delivery.attempt && held.leasedBy === serverId && held.state === 'pending') {
      held.recorded.push(attempt);
      held.body ??= attempt.body;
      held.state = attempt.result.delivered ? 'delivered' : attempt.retryInMs === null ? 'failed' : 'pending';
      held.nextAttemptAt = Date.now() + (attempt.retryInMs ?? 0);
      held.leaseUntil = 0;
    }
    return Promise.resolve();
  }

  msUntilNextRetry(): Promise<number | null> {
    const waiting = [...this.deliveries.values()].filter((delivery) => delivery.state === 'pending');
    if (waiting.length === 0) return Promise.resolve(null);
    return Promise.resolve(
      Math.max(0, Math.min(...waiting.map((d) => Math.max(d.nextAttemptAt, d.leaseUntil))) - Date.now()),
    );
  }
}

/** Answers each delivery with the statuses scripted for its URL's path, in turn, and records what it was sent. */
class ScriptedSender extends WebhookSender {
  readonly sent: WebhookRequest[] = [];

  constructor(private readonly statuses: number[]) {
    super();
  }

  override send(request: WebhookRequest): Promise<AttemptResult> {
    const earlier = this.sent.filter((seen) => seen.deliveryId === request.deliveryId).length;
    this.sent.push(request);
    const status = this.statuses[Math.min(earlier, this.statuses.length - 1)];
    return Promise.resolve(
      status < 300
        ? { delivered: true, statusCode: status }
        : { delivered: false, statusCode: status, error: `answered ${status}` },
    );
  }
}

class LocalSignals extends JobSignals {
  protected broadcast(_signal: JobSignal): Promise<void> {
    return Promise.resolve();
  }
}

async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('not within the time allowed');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('WebhookDeliverer (in-memory queue and sender)', () => {
  const config = loadAppConfig({
    WEBHOOK_ALLOWED_HOSTS: 'hooks.example.com',
    WEBHOOK_RETRY_DELAY: '20ms',
    WEBHOOK_RETRY_FOR: '10s',
    SIGNAL_FALLBACK_POLL: '1s',
  });
  const secret = 'receiver-secret-0123456789';
  const deliverers: WebhookDeliverer[] = [];
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(async () => {
    await Promise.all(deliverers.splice(0).map((deliverer) => deliverer.beforeApplicationShutdown()));
  });

  async function start(
    queue: MemoryDeliveryQueue,
    sender: WebhookSender,
    box: WebhookSecretBox,
  ): Promise<void> {
    const deliverer = new WebhookDeliverer(
      { ...config, serverId: randomUUID() },
      queue,
      sender,
      box,
      new LocalSignals(),
    );
    deliverers.push(deliverer);
    deliverer.onApplicationBootstrap();
    await Promise.resolve();
  }

  it('retries a failed delivery with growing pauses until it is delivered, sending the same signed body each time', async () => {
    const queue = new MemoryDeliveryQueue();
    const box = new WebhookSecretBox(memorySecrets());
    const delivery = queue.add('https://hooks.example.com/exports');
    delivery.claim.sealedSecret = await box.seal(secret);
    const sender = new ScriptedSender([500, 500, 200]);
    await start(queue, sender, box);
    await until(() => delivery.state !== 'pending');
    expect(delivery.state).toBe('delivered');
    expect(sender.sent.map((request) => [request.deliveryId, request.secret, request.body])).toEqual(
      Array(3).fill([delivery.claim.id, secret, delivery.body]),
    );
    expect(JSON.parse(delivery.body!)).toMatchObject({
      event: 'job.completed',
      delivery_id: delivery.claim.id,
    });
    const pauses = delivery.recorded.map((attempt) => attempt.retryInMs);
    expect(pauses[0]).toBeGreaterThanOrEqual(18);
    expect(pauses[0]).toBeLessThanOrEqual(22);
    expect(pauses[1]).toBeGreaterThanOrEqual(36);
    expect(pauses[1]).toBeLessThanOrEqual(44);
    expect(pauses[2]).toBeNull();
  });

  it('sends nothing to a host that is not allowed (any more), and gives up at once', async () => {
    const queue = new MemoryDeliveryQueue();
    const box = new WebhookSecretBox(memorySecrets());
    const delivery = queue.add('https://elsewhere.example/exports');
    delivery.claim.sealedSecret = await box.seal(secret);
    const sender = new ScriptedSender([200]);
    await start(queue, sender, box);
    await until(() => delivery.state !== 'pending');
    expect(delivery.state).toBe('failed');
    expect(sender.sent).toEqual([]);
    expect(delivery.recorded.map((attempt) => attempt.result)).toEqual([
      {
        delivered: false,
        statusCode: null,
        error: 'elsewhere.example is not in WEBHOOK_ALLOWED_HOSTS (any more); not sent',
        final: true,
      },
    ]);
  });

  it('sends each delivery once however many deliverers share the queue', async () => {
    const queue = new MemoryDeliveryQueue();
    const box = new WebhookSecretBox(memorySecrets());
    const deliveries = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const delivery = queue.add('https://hooks.example.com/exports');
        delivery.claim.sealedSecret = await box.seal(secret);
        return delivery;
      }),
    );
    const sender = new ScriptedSender([200]);
    await Promise.all([start(queue, sender, box), start(queue, sender, box)]);
    await until(() => deliveries.every((delivery) => delivery.state === 'delivered'));
    expect(sender.sent.map((request) => request.deliveryId).sort()).toEqual(
      deliveries.map((delivery) => delivery.claim.id).sort(),
    );
  });
});
