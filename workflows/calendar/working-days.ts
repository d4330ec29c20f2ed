/**
 * Chinese official working days (工作日): Monday–Friday, minus the statutory holidays, plus the
 * weekend days worked in lieu (调休上班), as arranged each year by the State Council's General
 * Office. Used for publicity periods ("公示期为5个工作日", 济南 第十七条, 淄博 第十八条,
 * 忻州 第十八、十九条) and for deadlines counted in working days.
 *
 * Pure: no clock. Dates are 'YYYY-MM-DD' civil dates in Asia/Shanghai.
 * A date in a year without a known arrangement is refused (CalendarYearNotCoveredError), never
 * guessed as plain Monday–Friday: the arrangement moves working days onto weekends.
 */
import { CalendarYearNotCoveredError, InvalidInputError } from '../errors.js';
import type { DayUnit } from '../policy/policy.types.js';
import { loadPackageData, withSupplementaryYears, type CalendarData } from './calendar-data.js';
import {
  addDays,
  endInstant as endInstantOf,
  isLocalDate,
  weekdayOf,
  yearOf,
  type LocalDate,
} from './local-date.js';

export type { LocalDate } from './local-date.js';
export { shanghaiDate, startInstant } from './local-date.js';
export type { SupplementaryYear } from './calendar-data.js';
export { validateSupplementaryYears } from './calendar-data.js';

export interface DayInfo {
  date: LocalDate;
  working: boolean;
  /** Why: a statutory holiday, a weekend day worked in lieu, or an ordinary weekend/weekday. */
  reason: 'holiday' | 'adjusted-workday' | 'weekend' | 'weekday';
  /** The holiday the arrangement belongs to, e.g. 'National Day,国庆节,3'. */
  name?: string;
}

export interface Period {
  start: LocalDate;
  /** First day counted: `start`, or for working days the next working day when `start` is not one. */
  firstDay: LocalDate;
  /** Last day of the period, inclusive. */
  lastDay: LocalDate;
  /** 24:00 Asia/Shanghai of `lastDay`, ISO instant: the period is open while now < endsAt. */
  endsAt: string;
}

let packageData: CalendarData | undefined;

export class WorkingDayCalendar {
  private constructor(private readonly data: CalendarData) {}

  /** The installed chinese-days package only. */
  static fromPackage(): WorkingDayCalendar {
    packageData ??= loadPackageData();
    return new WorkingDayCalendar(packageData);
  }

  /**
   * The package plus supplementary years (see SupplementaryYear; validated, every problem
   * reported at once as InvalidInputError). An entry for a year the package covers overrides
   * the package's days in that year.
   */
  static withExtraYears(entries: unknown): WorkingDayCalendar {
    return WorkingDayCalendar.fromPackage().withExtraYears(entries);
  }

  /** This calendar with further supplementary years laid over it. */
  withExtraYears(entries: unknown): WorkingDayCalendar {
    return new WorkingDayCalendar(withSupplementaryYears(this.data, entries));
  }

  get coveredYears(): number[] {
    return [...this.data.coveredYears].sort((a, b) => a - b);
  }

  covers(year: number): boolean {
    return this.data.coveredYears.has(year);
  }

  /** Throws CalendarYearNotCoveredError unless the date's year has a known arrangement. */
  assertCovered(date: LocalDate): void {
    checkDate(date, 'date');
    const year = yearOf(date);
    if (this.covers(year)) return;
    const covered = describeYears(this.coveredYears);
    throw new CalendarYearNotCoveredError(
      `The working-day calendar has no holiday arrangement for ${year} (it covers ${covered}, from ` +
        `${this.data.description}), so working days in ${year} cannot be counted. Add the State ` +
        `Council's ${year} arrangement as supplementary year data { "year": ${year}, "holidays": ` +
        `["${year}-01-01", ...], "adjustedWorkdays": [...] } (WorkingDayCalendar.withExtraYears), ` +
        `or upgrade the chinese-days package.`,
      { year, coveredYears: covered, source: this.data.description },
    );
  }

  isWorkingDay(date: LocalDate): boolean {
    return this.dayInfo(date).working;
  }

  dayInfo(date: LocalDate): DayInfo {
    this.assertCovered(date);
    const entry = this.data.days.get(date);
    if (entry) {
      return { date, working: entry.kind === 'adjusted-workday', reason: entry.kind, name: entry.name };
    }
    const weekday = weekdayOf(date);
    const weekend = weekday === 0 || weekday === 6;
    return { date, working: !weekend, reason: weekend ? 'weekend' : 'weekday' };
  }

  /** The first working day strictly after `date`. */
  nextWorkingDay(date: LocalDate): LocalDate {
    this.assertCovered(date);
    let day = addDays(date, 1);
    while (!this.isWorkingDay(day)) day = addDays(day, 1);
    return day;
  }

  /** `date` when it is a working day, else the next working day. */
  firstWorkingDayFrom(date: LocalDate): LocalDate {
    return this.isWorkingDay(date) ? date : this.nextWorkingDay(date);
  }

  /**
   * The `n`-th working day after `date`, not counting `date` itself: a deadline of n working days
   * from a request made on `date` ends at 24:00 of the day returned. The day of the request does
   * not count, as for any period counted in days (民法典 第二百零一条: 开始的当日不计入).
   * Example: requested Friday 2025-09-26, 3 working days → 09-28 (Sun, worked), 09-29, 09-30 → 09-30.
   */
  addWorkingDays(date: LocalDate, n: number): LocalDate {
    checkCount(n, 'n');
    let day = date;
    for (let i = 0; i < n; i++) day = this.nextWorkingDay(day);
    return day;
  }

  /**
   * Last day (inclusive) of a period of `days` days beginning on `start`.
   * - 'working': the start day counts when it is a working day (a publicity published on a
   *   working day runs from that day); otherwise counting begins at the next working day.
   *   Every day examined must lie in a covered year.
   * - 'calendar': start + days − 1. Holidays do not matter, so coverage is not required.
   */
  periodEnd(start: LocalDate, days: number, unit: DayUnit): LocalDate {
    return this.period(start, days, unit).lastDay;
  }

  period(start: LocalDate, days: number, unit: DayUnit): Period {
    checkDate(start, 'start');
    checkCount(days, 'days');
    let firstDay: LocalDate;
    let lastDay: LocalDate;
    switch (unit) {
      case 'calendar':
        firstDay = start;
        lastDay = addDays(start, days - 1);
        break;
      case 'working':
        firstDay = this.firstWorkingDayFrom(start);
        lastDay = days === 1 ? firstDay : this.addWorkingDays(firstDay, days - 1);
        break;
      default: {
        const _exhaustive: never = unit;
        throw new InvalidInputError(`Unknown day unit ${String(_exhaustive)}`, 'unit');
      }
    }
    return { start, firstDay, lastDay, endsAt: endInstantOf(lastDay) };
  }

  /** 24:00 Asia/Shanghai of `lastDay` as an ISO instant (`lastDay`T16:00:00.000Z). */
  endInstant(lastDay: LocalDate): string {
    return endInstant(lastDay);
  }
}

/** 24:00 Asia/Shanghai of `lastDay` as an ISO instant (`lastDay`T16:00:00.000Z). */
export function endInstant(lastDay: LocalDate): string {
  checkDate(lastDay, 'lastDay');
  return endInstantOf(lastDay);
}

function checkDate(date: unknown, field: string): asserts date is LocalDate {
  if (!isLocalDate(date)) {
    throw new InvalidInputError(`${field} must be a real date 'YYYY-MM-DD', got ${JSON.stringify(date)}`, field);
  }
}

function checkCount(n: number, field: string): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidInputError(`${field} must be a whole number of days ≥ 1, got ${n}`, field);
  }
}

/** [2004, 2005, 2006, 2008] → '2004–2006, 2008'. */
function describeYears(years: number[]): string {
  if (years.length === 0) return 'no year';
  const ranges: string[] = [];
  let from = years[0];
  let to = years[0];
  for (const y of years.slice(1)) {
    if (y === to + 1) to = y;
    else {
      ranges.push(from === to ? `${from}` : `${from}–${to}`);
      from = to = y;
    }
  }
  ranges.push(from === to ? `${from}` : `${from}–${to}`);
  return ranges.join(', ');
}
