/**
 * Calendar arithmetic on 'YYYY-MM-DD' strings. Business dates come in as arguments; there is no
 * clock here, and no `Date`, so time zones can never shift a day.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface Ymd {
  year: number;
  month: number;
  day: number;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** True for a real calendar date written 'YYYY-MM-DD'. */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

export function parseDate(value: string): Ymd {
  if (!isIsoDate(value)) throw new Error(`Not a date (YYYY-MM-DD): ${JSON.stringify(value)}`);
  const [year, month, day] = value.split('-').map(Number);
  return { year, month, day };
}

export function formatDate({ year, month, day }: Ymd): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Full years from `from` to `to` (an anniversary counts on the day itself). */
export function fullYearsBetween(from: string, to: string): number {
  const a = parseDate(from);
  const b = parseDate(to);
  let years = b.year - a.year;
  if (b.month < a.month || (b.month === a.month && b.day < a.day)) years -= 1;
  return years;
}

/** Same day `years` later; 29 February becomes 28 February in a common year. */
export function addYears(date: string, years: number): string {
  const d = parseDate(date);
  const year = d.year + years;
  return formatDate({ year, month: d.month, day: Math.min(d.day, daysInMonth(year, d.month)) });
}

export function previousDay(date: string): string {
  const d = parseDate(date);
  if (d.day > 1) return formatDate({ ...d, day: d.day - 1 });
  if (d.month > 1) return formatDate({ year: d.year, month: d.month - 1, day: daysInMonth(d.year, d.month - 1) });
  return formatDate({ year: d.year - 1, month: 12, day: 31 });
}

export function yearOf(date: string): number {
  return parseDate(date).year;
}

/** Last day of a calendar year. */
export function endOfYear(year: number): string {
  return formatDate({ year, month: 12, day: 31 });
}

export function startOfYear(year: number): string {
  return formatDate({ year, month: 1, day: 1 });
}
