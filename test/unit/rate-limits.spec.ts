import { loadAppConfig } from '../../src/config/app-config';
import { RateLimits, RateLimitScope, RequestClass } from '../../src/rate-limit/rate-limits';
import { takeFromAll, TokenBuckets } from '../../src/rate-limit/token-buckets';

describe('TokenBuckets', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('allows a burst of the per-minute limit, then one request per refilled token, with short waits', () => {
    const buckets = new TokenBuckets(20, 100, clock);
    for (let i = 0; i < 20; i++) expect(takeFromAll([buckets], 'a')).toBe(0);
    // Empty: the next token comes in 60 s / 20 = 3 s, not at the end of a minute.
    expect(takeFromAll([buckets], 'a')).toBe(3000);
    now += 2999;
    expect(takeFromAll([buckets], 'a')).toBe(1);
    now += 1;
    expect(takeFromAll([buckets], 'a')).toBe(0);
    expect(takeFromAll([buckets], 'a')).toBe(3000);
    // Other keys have their own buckets.
    expect(takeFromAll([buckets], 'b')).toBe(0);
  });

  it('refills to the limit and no further', () => {
    const buckets = new TokenBuckets(6, 100, clock);
    for (let i = 0; i < 6; i++) takeFromAll([buckets], 'a');
    now += 3_600_000;
    let admitted = 0;
    while (takeFromAll([buckets], 'a') === 0) admitted++;
    expect(admitted).toBe(6);
  });

  it('takes from all buckets or from none', () => {
    const strict = new TokenBuckets(2, 100, clock);
    const loose = new TokenBuckets(100, 100, clock);
    expect(takeFromAll([strict, loose], 'a')).toBe(0);
    expect(takeFromAll([strict, loose], 'a')).toBe(0);
    expect(takeFromAll([strict, loose], 'a')).toBeGreaterThan(0);
    // The refused request cost the loose bucket nothing: 98 left.
    let admitted = 0;
    while (takeFromAll([loose], 'a') === 0) admitted++;
    expect(admitted).toBe(98);
  });

  it('keeps at most maxKeys buckets (a flood of made-up keys cannot grow memory)', () => {
    const buckets = new TokenBuckets(1, 10, clock);
    for (let i = 0; i < 1000; i++) takeFromAll([buckets], `key-${i}`);
    expect((buckets as unknown as { buckets: { size: number } }).buckets.size).toBe(10);
  });

  it('forgets the least recently used bucket first', () => {
    const buckets = new TokenBuckets(1, 3, clock);
    for (const key of ['a', 'b', 'c']) takeFromAll([buckets], key);
    expect(buckets.waitFor('a')).toBeGreaterThan(0);
    // 'a' waits, so it is not used again; 'b' and 'c' are, and 'd' is new.
    for (const key of ['b', 'c']) buckets.take(key);
    takeFromAll([buckets], 'd');
    expect(buckets.waitFor('a')).toBe(0);
    for (const key of ['b', 'c', 'd']) expect(buckets.waitFor(key)).toBeGreaterThan(0);
  });
});

describe('RateLimits with the default settings', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  /** One request as both guards see it: the address budget, then the principal's. */
  const admit = (limits: RateLimits, address: string, principal: string, cls: RequestClass) => {
    const scopes: [RateLimitScope, string][] = [
      ['address', address],
      ['principal', principal],
    ];
    return scopes.map(([scope, key]) => limits.admit(scope, key, cls)).find((wait) => wait > 0) ?? 0;
  };

  it('a client that starts 20 jobs at once and follows Retry-After (5 s) on each is never refused', () => {
    const limits = new RateLimits(loadAppConfig({}));
    const refused: string[] = [];
    const ask = (cls: RequestClass, what: string) => {
      if (admit(limits, '10.0.0.7', 'user:ci', cls) > 0) refused.push(`${what} at ${Date.now()}`);
    };
    // Three rounds of a pipeline: 20 creates, polls every 5 s for 40 minutes, then results,
    // download and log of each job, and a list.
    for (let round = 0; round < 3; round++) {
      for (let job = 0; job < 20; job++) ask('create', `create ${job}`);
      for (let tick = 0; tick < (40 * 60) / 5; tick++) {
        jest.advanceTimersByTime(5000);
        for (let job = 0; job < 20; job++) ask('poll', `poll ${job}`);
      }
      for (let job = 0; job < 20; job++) {
        ask('poll', `results ${job}`);
        ask('request', `download ${job}`);
        ask('request', `log ${job}`);
      }
      ask('request', 'list');
    }
    expect(refused).toEqual([]);
  });

  it('200 creates with made-up tokens from one address are admitted like one client: 20', () => {
    const limits = new RateLimits(loadAppConfig({}));
    let admitted = 0;
    for (let i = 0; i < 200; i++) if (admit(limits, '10.0.0.8', `token-${i}`, 'create') === 0) admitted++;
    expect(admitted).toBe(20);
    const oneClient = new RateLimits(loadAppConfig({}));
    let admittedForOne = 0;
    for (let i = 0; i < 200; i++)
      if (admit(oneClient, '10.0.0.9', 'one-token', 'create') === 0) admittedForOne++;
    expect(admittedForOne).toBe(admitted);
  });
});
