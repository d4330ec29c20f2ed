/**
 * Civil dates ('YYYY-MM-DD', as read on a wall calendar in Asia/Shanghai) and their arithmetic.
 *
 * Only UTC-based Date operations are used (Date.UTC, getUTC*), so the result never depends on
 * the host's timezone. Asia/Shanghai has been UTC+08:00 without daylight saving since 1991.
 */

export type LocalDate = string;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

export interface DateParts {
  year: number;
  month: number;
  day: number;
}

/** Parts of a real calendar date, or null (wrong shape, or e.g. 2025-02-29). */
export function parseLocalDate(value: unknown): DateParts | null {
  if (typeof value !== 'string') return null;
  const m = DATE_PATTERN.exec(value);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Date.UTC maps years 0–99 to 1900–1999; no business date here is that old.
  if (year < 1000) return null;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

export function isLocalDate(value: unknown): value is LocalDate {
  return parseLocalDate(value) !== null;
}

export function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Days since 1970-01-01 (a tz-free serial number, handy for stepping). */
export function toDayNumber(date: LocalDate): number {
  const p = parseLocalDate(date);
  if (!p) throw new RangeError(`Not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return Date.UTC(p.year, p.month - 1, p.day) / MS_PER_DAY;
}

export function fromDayNumber(dayNumber: number): LocalDate {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return fromDayNumber(toDayNumber(date) + days);
}

export function yearOf(date: LocalDate): number {
  return Number(date.slice(0, 4));
}

/** 0 = Sunday … 6 = Saturday; a property of the civil date, not of any timezone. */
export function weekdayOf(date: LocalDate): number {
  return new Date(toDayNumber(date) * MS_PER_DAY).getUTCDay();
}

/** 00:00 Asia/Shanghai at the start of `date`, as an ISO instant (the previous day T16:00Z). */
export function startInstant(date: LocalDate): string {
  return new Date(toDayNumber(date) * MS_PER_DAY - SHANGHAI_OFFSET_MS).toISOString();
}

/**
 * 24:00 Asia/Shanghai at the end of `date` (= next day 00:00+08:00 = `date`T16:00:00.000Z).
 * A period whose last day is `date` is open until, not including, this instant.
 */
export function endInstant(date: LocalDate): string {
  return startInstant(addDays(date, 1));
}

// An instant must carry its offset: without one, Date.parse would read the host's timezone.
const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** The Asia/Shanghai calendar date of an instant (e.g. a command's `now`). */
export function shanghaiDate(instant: Date | string): LocalDate {
  const ms =
    typeof instant === 'string'
      ? INSTANT_PATTERN.test(instant)
        ? Date.parse(instant)
        : Number.NaN
      : instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`Not an instant: ${JSON.stringify(instant)}`);
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}
