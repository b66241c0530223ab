import { Cron } from 'croner';

/** How many upcoming runs a new timing is checked over for runs closer together than the minimum interval. */
export const CHECKED_RUNS = 100;

/**
 * Missed runs counted in one outage at most: counting walks the cron run by run (croner needs
 * about 0.3 ms a step), so a long outage of a frequent schedule must not block the event loop.
 */
export const MAX_COUNTED_MISSES = 1000;

/** IANA names: letters, digits and `_+-` in `/`-separated parts (`Europe/Berlin`, `UTC`, `Etc/GMT+5`). */
const IANA_TIME_ZONE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;

/** Why a cron expression and time zone cannot be a schedule, for the request's field `field`. */
export class TimingProblem extends Error {
  constructor(
    readonly field: 'cron' | 'time_zone',
    detail: string,
  ) {
    super(detail);
    this.name = 'TimingProblem';
  }
}

/** Whether `timeZone` is an IANA time zone this Node.js knows (its ICU data). */
export function isKnownTimeZone(timeZone: string): boolean {
  if (!IANA_TIME_ZONE.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A schedule's cron expression in its time zone: 5 fields (minute precision) or 6 (a leading
 * seconds field), read by croner with day-of-month and day-of-week OR-ed as in Vixie cron.
 */
export class ScheduleTiming {
  private readonly cron: Cron;

  private constructor(
    readonly expression: string,
    readonly timeZone: string,
  ) {
    this.cron = new Cron(expression, { timezone: timeZone, mode: '5-or-6-parts', legacyMode: true });
  }

  /** The timing of a stored schedule (validated when it was created). */
  static of(expression: string, timeZone: string): ScheduleTiming {
    return new ScheduleTiming(expression, timeZone);
  }

  /**
   * Validates a timing for a new or changed schedule: a known time zone, a cron croner reads,
   * that fires at all after `now`, and whose next CHECKED_RUNS runs are `minIntervalMs` apart or more.
   */
  static parse(expression: string, timeZone: string, minIntervalMs: number, now: Date): ScheduleTiming {
    if (!isKnownTimeZone(timeZone)) {
      throw new TimingProblem(
        'time_zone',
        `time_zone ${JSON.stringify(timeZone)} is not an IANA time zone, such as Europe/Berlin or UTC`,
      );
    }
    let timing: ScheduleTiming;
    try {
      timing = new ScheduleTiming(expression, timeZone);
    } catch (error) {
      const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
      throw new TimingProblem(
        'cron',
        `cron is not a cron expression of 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first): ${reason}`,
      );
    }
    const runs = timing.cron.nextRuns(CHECKED_RUNS, now);
    if (runs.length === 0) {
      throw new TimingProblem('cron', `cron ${JSON.stringify(expression)} never fires (in ${timeZone})`);
    }
    for (let index = 1; index < runs.length; index += 1) {
      if (runs[index].getTime() - runs[index - 1].getTime() < minIntervalMs) {
        throw new TimingProblem(
          'cron',
          `cron ${JSON.stringify(expression)} runs at ${runs[index - 1].toISOString()} and again at ` +
            `${runs[index].toISOString()}; runs must be at least ${minIntervalMs / 1000} s apart ` +
            `(SCHEDULE_MIN_INTERVAL), at most ${Math.floor(3_600_000 / minIntervalMs)} runs an hour`,
        );
      }
    }
    return timing;
  }

  /** The first run strictly after `instant`; null when the cron never fires again. */
  nextAfter(instant: Date): Date | null {
    return this.cron.nextRun(instant);
  }

  /** The latest run at or before `instant` and the one before it (absent when there are none). */
  lastTwoUpTo(instant: Date): (Date | undefined)[] {
    return this.cron.previousRuns(2, new Date(instant.getTime() + 1));
  }

  /** Runs from `first` (a run) to `last` inclusive, counted up to MAX_COUNTED_MISSES. */
  countRuns(first: Date, last: Date): number {
    let count = 1;
    for (let run = this.nextAfter(first); run && run.getTime() <= last.getTime(); run = this.nextAfter(run)) {
      count += 1;
      if (count === MAX_COUNTED_MISSES) break;
    }
    return count;
  }
}

/** What a scheduler does with a schedule whose next run is due. */
export interface DuePlan {
  /** The run to start now; null when every due run is missed (the server was not there in time). */
  start: Date | null;
  /** Due runs that are not started (at most MAX_COUNTED_MISSES are counted), and the latest of them. */
  missed: number;
  lastMissedAt: Date | null;
  /** The schedule's new next run, after `now` (null: the cron never fires again). */
  nextRunAt: Date | null;
}

/**
 * Plans a due schedule at `now`. Of the runs from `dueAt` (the stored next run) up to `now`, only
 * the latest is started, and only if it is at most `lateLimitMs` late; the earlier ones are
 * missed, never replayed (the server was down or every server busy), and the next run keeps its time.
 */
export function planDueRuns(timing: ScheduleTiming, dueAt: Date, now: Date, lateLimitMs: number): DuePlan {
  const [latestRun, runBefore] = timing.lastTwoUpTo(now);
  const latest = latestRun && latestRun.getTime() > dueAt.getTime() ? latestRun : dueAt;
  const onTime = now.getTime() - latest.getTime() <= lateLimitMs;
  const lastMissedAt = onTime ? (latest === dueAt ? null : (runBefore ?? dueAt)) : latest;
  return {
    start: onTime ? latest : null,
    missed: lastMissedAt ? timing.countRuns(dueAt, lastMissedAt) : 0,
    lastMissedAt,
    nextRunAt: timing.nextAfter(now),
  };
}
