import {
  MAX_COUNTED_MISSES,
  planDueRuns,
  ScheduleTiming,
  TimingProblem,
} from '../../src/schedules/schedule-timing';

const MINUTE = 60_000;
const NOW = new Date('2026-12-01T10:00:30.000Z');

function problemOf(cron: string, timeZone: string, minIntervalMs = MINUTE): TimingProblem {
  try {
    ScheduleTiming.parse(cron, timeZone, minIntervalMs, NOW);
  } catch (error) {
    if (error instanceof TimingProblem) return error;
    throw error;
  }
  throw new Error(`${cron} in ${timeZone} was accepted`);
}

describe('ScheduleTiming.parse', () => {
  it('accepts 5-field crons, names, nicknames, and 6-field ones whose runs are far enough apart', () => {
    for (const cron of ['0 2 * * *', '30 7 * * MON-FRI', '@daily', '0 0 L * *', '0 */5 * * * *']) {
      expect(ScheduleTiming.parse(cron, 'Europe/Berlin', MINUTE, NOW).expression).toBe(cron);
    }
  });

  it('reads the cron in its time zone, across a daylight-saving change', () => {
    const timing = ScheduleTiming.parse('0 2 * * *', 'America/New_York', MINUTE, NOW);
    // 02:00 EST is 07:00 UTC; on 2027-03-14 at 02:00 clocks jump to 03:00 EDT (07:00 UTC again).
    expect(timing.nextAfter(NOW)!.toISOString()).toBe('2026-12-02T07:00:00.000Z');
    expect(timing.nextAfter(new Date('2027-03-15T00:00:00Z'))!.toISOString()).toBe(
      '2027-03-15T06:00:00.000Z',
    );
  });

  it('refuses a cron that never fires, naming the time zone', () => {
    const problem = problemOf('0 0 30 2 *', 'UTC');
    expect(problem.field).toBe('cron');
    expect(problem.message).toBe('cron "0 0 30 2 *" never fires (in UTC)');
  });

  it('refuses what croner cannot read, saying why', () => {
    expect(problemOf('0 25 * * *', 'UTC').message).toMatch(/hour/);
    expect(problemOf('every day', 'UTC').field).toBe('cron');
    expect(problemOf('* * * *', 'UTC').message).toMatch(/5 fields .* or 6/);
  });

  it('refuses runs closer together than the minimum interval, anywhere in the next runs', () => {
    expect(problemOf('*/30 * * * * *', 'UTC').message).toMatch(
      /at least 60 s apart .* at most 60 runs an hour/,
    );
    // Only two minutes apart once an hour: 10:00 and 10:02, with a 5-minute minimum.
    expect(problemOf('0,2 * * * *', 'UTC', 5 * MINUTE).message).toMatch(
      /runs at .*T11:00:00.000Z and again at .*T11:02:00.000Z/,
    );
    expect(ScheduleTiming.parse('*/5 * * * *', 'UTC', 5 * MINUTE, NOW).expression).toBe('*/5 * * * *');
    expect(ScheduleTiming.parse('*/2 * * * * *', 'UTC', 2000, NOW).expression).toBe('*/2 * * * * *');
  });

  it('refuses a time zone that is not a known IANA name', () => {
    for (const zone of ['Mars/Base', 'Europe/Atlantis', '+01:00', 'GMT+1', '', 'Europe/../etc']) {
      expect(problemOf('0 2 * * *', zone).field).toBe('time_zone');
    }
    for (const zone of ['UTC', 'Etc/GMT+5', 'America/Argentina/Buenos_Aires', 'Asia/Kolkata']) {
      expect(ScheduleTiming.parse('0 2 * * *', zone, MINUTE, NOW).timeZone).toBe(zone);
    }
  });
});

describe('planDueRuns', () => {
  const everyFiveMinutes = ScheduleTiming.of('*/5 * * * *', 'UTC');
  const at = (time: string) => new Date(`2026-12-01T${time}Z`);

  it('a run picked up on time starts, and the next keeps its time', () => {
    expect(planDueRuns(everyFiveMinutes, at('10:00:00'), at('10:00:02'), MINUTE)).toEqual({
      start: at('10:00:00'),
      missed: 0,
      lastMissedAt: null,
      nextRunAt: at('10:05:00'),
    });
  });

  it('a run picked up later than the allowed lateness is missed, not started', () => {
    expect(planDueRuns(everyFiveMinutes, at('10:00:00'), at('10:01:30'), MINUTE)).toEqual({
      start: null,
      missed: 1,
      lastMissedAt: at('10:00:00'),
      nextRunAt: at('10:05:00'),
    });
  });

  it('after downtime, the runs missed are counted and not replayed; one due just now still starts', () => {
    // Down from before 10:00 until 10:20:10: 10:00, 10:05, 10:10 and 10:15 were missed.
    expect(planDueRuns(everyFiveMinutes, at('10:00:00'), at('10:20:10'), MINUTE)).toEqual({
      start: at('10:20:00'),
      missed: 4,
      lastMissedAt: at('10:15:00'),
      nextRunAt: at('10:25:00'),
    });
    expect(planDueRuns(everyFiveMinutes, at('10:00:00'), at('10:23:00'), MINUTE)).toEqual({
      start: null,
      missed: 5,
      lastMissedAt: at('10:20:00'),
      nextRunAt: at('10:25:00'),
    });
  });

  it('counts at most MAX_COUNTED_MISSES after a very long outage, and still finds the next run', () => {
    const everyMinute = ScheduleTiming.of('* * * * *', 'UTC');
    const plan = planDueRuns(everyMinute, new Date('2026-11-01T00:00:00Z'), at('10:00:30'), 1000);
    expect(plan).toEqual({
      start: null,
      missed: MAX_COUNTED_MISSES,
      lastMissedAt: at('10:00:00'),
      nextRunAt: at('10:01:00'),
    });
  });
});
