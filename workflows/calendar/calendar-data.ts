/**
 * Holiday data: the `chinese-days` package's published data set, plus supplementary years
 * supplied by the deployment (e.g. from a JSON file) when the State Council has announced a
 * year the installed package does not have yet.
 *
 * Why the package's JSON and not its functions: `isWorkday('2025-09-29')` and friends read the
 * host's timezone (its mini-dayjs parses as UTC and formats with local getters), and under a
 * timezone west of UTC they answer for the wrong day (checked: TZ=America/Los_Angeles gives
 * false for Monday 2025-09-29). `dist/chinese-days.json` is the same data, documented by the
 * package for direct use, and holds plain date strings.
 */
import { createRequire } from 'node:module';
import { InvalidInputError } from '../errors.js';
import { parseLocalDate, weekdayOf, yearOf, type LocalDate } from './local-date.js';

export type DayKind = 'holiday' | 'adjusted-workday';

export interface DayEntry {
  kind: DayKind;
  /** e.g. 'National Day,国庆节,3' from the package, or the supplementary source. */
  name: string;
}

/** One year's State Council arrangement (国务院办公厅关于YYYY年部分节假日安排的通知). */
export interface SupplementaryYear {
  year: number;
  /** Days off, including weekend days inside a holiday block. */
  holidays: LocalDate[];
  /** Weekend days declared working days (调休上班). */
  adjustedWorkdays: LocalDate[];
  /** Where the arrangement was published, e.g. the gov.cn notice. */
  source?: string;
}

export interface CalendarData {
  days: ReadonlyMap<LocalDate, DayEntry>;
  coveredYears: ReadonlySet<number>;
  /** Human-readable origin, used in error messages. */
  description: string;
}

interface PackageJson {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

const require = createRequire(import.meta.url);

/** The installed package's data; a change of its file format fails loudly here. */
export function loadPackageData(): CalendarData {
  const raw: unknown = require('chinese-days/dist/chinese-days.json');
  const { version } = require('chinese-days/package.json') as { version: string };
  if (!isPackageJson(raw)) {
    throw new Error(`chinese-days ${version}: dist/chinese-days.json is not in the expected format`);
  }
  const days = new Map<LocalDate, DayEntry>();
  for (const [date, name] of Object.entries(raw.holidays)) days.set(date, { kind: 'holiday', name });
  for (const [date, name] of Object.entries(raw.workdays)) days.set(date, { kind: 'adjusted-workday', name });

  // Covered = the package has that year's Spring Festival. Every year's notice arranges it and it
  // always falls in January/February, so December days announced by the *next* year's notice
  // (e.g. 2007-12-30/31 in the 2008 notice) can never make a year look covered.
  const coveredYears = new Set<number>();
  for (const [date, name] of Object.entries(raw.holidays)) {
    if (name.includes('春节')) coveredYears.add(yearOf(date));
  }
  return { days, coveredYears, description: `chinese-days ${version}` };
}

function isPackageJson(raw: unknown): raw is PackageJson {
  if (typeof raw !== 'object' || raw === null) return false;
  const { holidays, workdays } = raw as Record<string, unknown>;
  return isDateMap(holidays) && isDateMap(workdays);
}

function isDateMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.entries(value).every(([k, v]) => parseLocalDate(k) !== null && typeof v === 'string')
  );
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/**
 * Checks supplementary year data (typically parsed JSON, hence `unknown`). All problems are
 * reported at once so an administrator can fix the file in one go.
 *
 * Rules: a year at most once; holidays non-empty; every date real and in the entry's year, or in
 * the December before it (a notice may move a working day or start a holiday there, as the 2008
 * and 2012 notices did); no date both a holiday and a working day; an adjusted working day is a
 * Saturday or Sunday (a Monday–Friday is a working day anyway, so listing one is a typo).
 */
export function validateSupplementaryYears(input: unknown): ValidationResult<SupplementaryYear[]> {
  const errors: string[] = [];
  if (!Array.isArray(input)) return { ok: false, errors: ['supplementary years must be an array'] };
  const seenYears = new Set<number>();
  const entries: SupplementaryYear[] = [];

  input.forEach((entry: unknown, i) => {
    const at = `[${i}]`;
    if (typeof entry !== 'object' || entry === null) {
      errors.push(`${at}: must be an object { year, holidays, adjustedWorkdays }`);
      return;
    }
    const { year, holidays, adjustedWorkdays, source } = entry as Record<string, unknown>;
    if (typeof year !== 'number' || !Number.isInteger(year) || year < 2000 || year > 2200) {
      errors.push(`${at}.year: must be an integer year between 2000 and 2200`);
      return;
    }
    if (seenYears.has(year)) errors.push(`${at}.year: ${year} is given more than once`);
    seenYears.add(year);
    if (source !== undefined && typeof source !== 'string') errors.push(`${at}.source: must be a string`);

    const dates = (field: 'holidays' | 'adjustedWorkdays', list: unknown): LocalDate[] => {
      if (!Array.isArray(list)) {
        errors.push(`${at}.${field}: must be an array of 'YYYY-MM-DD' dates`);
        return [];
      }
      const seen = new Set<string>();
      const valid: LocalDate[] = [];
      list.forEach((d: unknown, j) => {
        const where = `${at}.${field}[${j}]`;
        const p = parseLocalDate(d);
        if (!p) return errors.push(`${where}: ${JSON.stringify(d)} is not a real date 'YYYY-MM-DD'`);
        const date = d as LocalDate;
        const inYear = p.year === year;
        const inDecemberBefore = p.year === year - 1 && p.month === 12;
        if (!inYear && !inDecemberBefore) {
          return errors.push(`${where}: ${date} is outside ${year} (only December ${year - 1} may precede it)`);
        }
        if (seen.has(date)) return errors.push(`${where}: ${date} is listed twice`);
        seen.add(date);
        valid.push(date);
      });
      return valid;
    };
    const h = dates('holidays', holidays);
    const w = dates('adjustedWorkdays', adjustedWorkdays);
    if (Array.isArray(holidays) && holidays.length === 0) {
      errors.push(`${at}.holidays: empty; every year has statutory holidays (at least New Year's Day)`);
    }
    for (const d of w) {
      if (h.includes(d)) errors.push(`${at}: ${d} is both a holiday and an adjusted working day`);
      const wd = weekdayOf(d);
      if (wd !== 0 && wd !== 6) errors.push(`${at}.adjustedWorkdays: ${d} is a Monday–Friday, a working day anyway`);
    }
    entries.push({ year, holidays: h, adjustedWorkdays: w, ...(typeof source === 'string' ? { source } : {}) });
  });

  return errors.length ? { ok: false, errors } : { ok: true, value: entries };
}

/**
 * The base data with supplementary years laid over it. An entry for a year the base already
 * covers REPLACES the base's days dated in that year (so a corrected arrangement can be shipped
 * before the package is updated); its December-before days are added on top of that year.
 * Throws InvalidInputError listing every problem when the entries are invalid.
 */
export function withSupplementaryYears(base: CalendarData, input: unknown): CalendarData {
  const result = validateSupplementaryYears(input);
  if (!result.ok) {
    throw new InvalidInputError(
      `Invalid supplementary calendar data: ${result.errors.join('; ')}`,
      'calendar.extraYears',
      { problems: result.errors },
    );
  }
  const days = new Map(base.days);
  const coveredYears = new Set(base.coveredYears);
  for (const entry of result.value) {
    for (const date of [...days.keys()]) if (yearOf(date) === entry.year) days.delete(date);
    const name = entry.source ?? `supplementary data for ${entry.year}`;
    for (const date of entry.holidays) days.set(date, { kind: 'holiday', name });
    for (const date of entry.adjustedWorkdays) days.set(date, { kind: 'adjusted-workday', name });
    coveredYears.add(entry.year);
  }
  const years = result.value.map((e) => e.year).sort((a, b) => a - b);
  return {
    days,
    coveredYears,
    description: years.length ? `${base.description} + supplementary ${years.join(', ')}` : base.description,
  };
}
