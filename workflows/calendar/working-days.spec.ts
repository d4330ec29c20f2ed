import chineseDays from 'chinese-days';
import { CalendarYearNotCoveredError, InvalidInputError } from '../errors.js';
import { addDays } from './local-date.js';
import {
  endInstant,
  shanghaiDate,
  startInstant,
  validateSupplementaryYears,
  WorkingDayCalendar,
  type LocalDate,
} from './working-days.js';

const { isWorkday } = chineseDays;

/*
 * State Council arrangements used below (国务院办公厅关于YYYY年部分节假日安排的通知):
 *
 * 2024 (国办发明电〔2023〕7号)
 *   春节 02-10..02-17 off; 02-04 (Sun) and 02-18 (Sun) worked.
 *   国庆 10-01..10-07 off; 09-29 (Sun) and 10-12 (Sat) worked.
 * 2025 (国办发明电〔2024〕12号)
 *   春节 01-28..02-04 off; 01-26 (Sun) and 02-08 (Sat) worked.
 *   国庆、中秋 10-01..10-08 off; 09-28 (Sun) and 10-11 (Sat) worked.
 * 2026 (国办发明电〔2025〕7号, gov.cn content_7047091)
 *   元旦 01-01..01-03 off; 01-04 (Sun) worked.
 *   春节 02-15..02-23 off; 02-14 (Sat) and 02-28 (Sat) worked.
 *   中秋 09-25..09-27 off.
 *   国庆 10-01..10-07 off; 09-20 (Sun) and 10-10 (Sat) worked.
 */

const calendar = WorkingDayCalendar.fromPackage();

/** Every working day of a period, to show the count in failures. */
function workingDaysIn(cal: WorkingDayCalendar, from: LocalDate, to: LocalDate): LocalDate[] {
  const out: LocalDate[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) if (cal.isWorkingDay(d)) out.push(d);
  return out;
}

describe('WorkingDayCalendar from the chinese-days package', () => {
  it('covers 2004–2026 and no other year', () => {
    expect(calendar.coveredYears).toEqual(Array.from({ length: 23 }, (_, i) => 2004 + i));
    expect(calendar.covers(2003)).toBe(false);
    expect(calendar.covers(2027)).toBe(false);
  });

  describe('isWorkingDay', () => {
    it.each([
      ['2025-09-28', true, 'Sunday worked before National Day 2025'],
      ['2025-10-01', false, 'National Day'],
      ['2025-10-08', false, 'last day of the merged National Day / Mid-Autumn block'],
      ['2025-10-11', true, 'Saturday worked after National Day 2025'],
      ['2025-01-26', true, 'Sunday worked before Spring Festival 2025'],
      ['2025-02-04', false, 'last day of Spring Festival 2025'],
      ['2025-02-08', true, 'Saturday worked after Spring Festival 2025'],
      ['2026-01-04', true, 'Sunday worked after New Year 2026'],
      ['2026-02-14', true, 'Saturday worked before Spring Festival 2026'],
      ['2026-02-23', false, 'last day of Spring Festival 2026'],
      ['2026-02-28', true, 'Saturday worked after Spring Festival 2026'],
      ['2026-09-20', true, 'Sunday worked before National Day 2026'],
      ['2026-10-07', false, 'last day of National Day 2026'],
      ['2026-10-10', true, 'Saturday worked after National Day 2026'],
      ['2025-09-27', false, 'ordinary Saturday'],
      ['2025-09-29', true, 'ordinary Monday'],
    ])('%s → %s (%s)', (date, expected) => {
      expect(calendar.isWorkingDay(date)).toBe(expected);
    });

    it('explains a day', () => {
      expect(calendar.dayInfo('2025-09-28')).toEqual({
        date: '2025-09-28',
        working: true,
        reason: 'adjusted-workday',
        name: expect.stringContaining('国庆节'),
      });
      expect(calendar.dayInfo('2026-02-16')).toMatchObject({ working: false, reason: 'holiday' });
      expect(calendar.dayInfo('2025-09-27')).toEqual({ date: '2025-09-27', working: false, reason: 'weekend' });
      expect(calendar.dayInfo('2025-09-29')).toEqual({ date: '2025-09-29', working: true, reason: 'weekday' });
    });

    // The package's own isWorkday reads the host timezone and is only right at or east of UTC,
    // which is why we read its data file instead. Where it is right, both must agree on every day.
    const hostAtOrEastOfUtc = new Date(Date.UTC(2025, 0, 1)).getTimezoneOffset() <= 0;
    (hostAtOrEastOfUtc ? it : it.skip)('agrees with chinese-days on every day of 2004–2026', () => {
      const disagreements: string[] = [];
      for (let d = '2004-01-01'; d <= '2026-12-31'; d = addDays(d, 1)) {
        if (calendar.isWorkingDay(d) !== isWorkday(d)) disagreements.push(d);
      }
      expect(disagreements).toEqual([]);
    });
  });

  describe('periodEnd in working days (publicity: 济南 第十七条, 淄博 第十八条 — 5个工作日)', () => {
    it('5 working days from Friday 2025-09-26 skip National Day 2025 and count the worked Sunday', () => {
      // 09-26, 09-28 (Sun, worked), 09-29, 09-30, [10-01..10-08 off], 10-09
      expect(calendar.periodEnd('2025-09-26', 5, 'working')).toBe('2025-10-09');
      expect(workingDaysIn(calendar, '2025-09-26', '2025-10-09')).toEqual([
        '2025-09-26',
        '2025-09-28',
        '2025-09-29',
        '2025-09-30',
        '2025-10-09',
      ]);
    });

    it('5 working days from Friday 2026-02-13 skip Spring Festival 2026 and count the worked Saturday', () => {
      // 02-13, 02-14 (Sat, worked), [02-15..02-23 off], 02-24, 02-25, 02-26
      expect(calendar.periodEnd('2026-02-13', 5, 'working')).toBe('2026-02-26');
      expect(workingDaysIn(calendar, '2026-02-13', '2026-02-26')).toEqual([
        '2026-02-13',
        '2026-02-14',
        '2026-02-24',
        '2026-02-25',
        '2026-02-26',
      ]);
    });

    it('5 working days from Friday 2025-01-24 skip Spring Festival 2025', () => {
      // 01-24, 01-26 (Sun, worked), 01-27, [01-28..02-04 off], 02-05, 02-06
      expect(calendar.periodEnd('2025-01-24', 5, 'working')).toBe('2025-02-06');
    });

    it('5 working days from Friday 2024-09-27 skip National Day 2024', () => {
      // 09-27, 09-29 (Sun, worked), 09-30, [10-01..10-07 off], 10-08, 10-09
      expect(calendar.periodEnd('2024-09-27', 5, 'working')).toBe('2024-10-09');
    });

    it('10 working days from Monday 2026-09-28 skip National Day 2026 and count the worked Saturday', () => {
      // 09-28, 09-29, 09-30, [10-01..10-07 off], 10-08, 10-09, 10-10 (Sat, worked), 10-12..10-15
      expect(calendar.periodEnd('2026-09-28', 10, 'working')).toBe('2026-10-15');
    });

    it('skips Mid-Autumn 2026 (09-25 Fri .. 09-27 off)', () => {
      expect(calendar.periodEnd('2026-09-24', 3, 'working')).toBe('2026-09-29');
    });

    it('counts from the next working day when the start is a holiday', () => {
      // published on National Day 2025: 10-09, 10-10, 10-11 (Sat, worked), 10-13, 10-14
      const p = calendar.period('2025-10-01', 5, 'working');
      expect(p.firstDay).toBe('2025-10-09');
      expect(p.lastDay).toBe('2025-10-14');
    });

    it('counts from the worked Sunday when the start is the Saturday before it', () => {
      // 09-28 (Sun, worked), 09-29, 09-30, 10-09, 10-10
      const p = calendar.period('2025-09-27', 5, 'working');
      expect(p.firstDay).toBe('2025-09-28');
      expect(p.lastDay).toBe('2025-10-10');
    });

    it('a 1-working-day period is its first working day', () => {
      expect(calendar.periodEnd('2025-09-29', 1, 'working')).toBe('2025-09-29');
      expect(calendar.periodEnd('2025-10-03', 1, 'working')).toBe('2025-10-09');
    });

    it('an ordinary week without holidays: Monday + 5 working days ends Friday', () => {
      expect(calendar.periodEnd('2025-11-03', 5, 'working')).toBe('2025-11-07');
    });
  });

  describe('periodEnd in calendar days (publicity: 瀍河 第十九条, 朝阳 第十七条(八) — 7天)', () => {
    it('is start + days − 1, holidays included', () => {
      expect(calendar.periodEnd('2025-09-26', 7, 'calendar')).toBe('2025-10-02');
      expect(calendar.periodEnd('2025-12-29', 7, 'calendar')).toBe('2026-01-04');
      expect(calendar.periodEnd('2024-02-26', 7, 'calendar')).toBe('2024-03-03'); // leap year
    });

    it('does not need the holiday arrangement, so an uncovered year is fine', () => {
      expect(calendar.periodEnd('2027-03-01', 7, 'calendar')).toBe('2027-03-07');
    });

    it('gives the instant the period ends', () => {
      expect(calendar.period('2025-09-26', 7, 'calendar')).toEqual({
        start: '2025-09-26',
        firstDay: '2025-09-26',
        lastDay: '2025-10-02',
        endsAt: '2025-10-02T16:00:00.000Z',
      });
    });
  });

  describe('addWorkingDays / nextWorkingDay (deadlines: the request day does not count)', () => {
    it('3 working days from a request on Friday 2025-09-26 end on 09-30', () => {
      // 09-28 (Sun, worked), 09-29, 09-30
      expect(calendar.addWorkingDays('2025-09-26', 3)).toBe('2025-09-30');
    });

    it('1 working day from the last day before National Day 2025 is 10-09', () => {
      expect(calendar.addWorkingDays('2025-09-30', 1)).toBe('2025-10-09');
    });

    it('a request on a holiday counts from the first working day after it', () => {
      expect(calendar.addWorkingDays('2026-02-16', 1)).toBe('2026-02-24');
      expect(calendar.addWorkingDays('2026-02-16', 5)).toBe('2026-02-28'); // Sat, worked
    });

    it('nextWorkingDay is strictly after the date', () => {
      expect(calendar.nextWorkingDay('2026-02-13')).toBe('2026-02-14');
      expect(calendar.nextWorkingDay('2026-02-14')).toBe('2026-02-24');
      expect(calendar.nextWorkingDay('2025-09-29')).toBe('2025-09-30');
    });
  });

  describe('years without an arrangement are refused, never guessed', () => {
    it.each(['2027-01-04', '2003-12-31', '2027-06-01'])('refuses %s', (date) => {
      expect(() => calendar.isWorkingDay(date)).toThrow(CalendarYearNotCoveredError);
      expect(() => calendar.periodEnd(date, 5, 'working')).toThrow(CalendarYearNotCoveredError);
      expect(() => calendar.nextWorkingDay(date)).toThrow(CalendarYearNotCoveredError);
    });

    it('names the year, what is covered and how to add it', () => {
      let error: unknown;
      try {
        calendar.assertCovered('2027-01-04');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CalendarYearNotCoveredError);
      const e = error as CalendarYearNotCoveredError;
      expect(e.code).toBe('CALENDAR_YEAR_NOT_COVERED');
      expect(e.status).toBe(422);
      expect(e.message).toContain('2027');
      expect(e.message).toContain('2004–2026');
      expect(e.message).toContain('withExtraYears');
      expect(e.details).toMatchObject({ year: 2027, coveredYears: '2004–2026' });
    });

    it('refuses a period that crosses into an uncovered year', () => {
      // 2026-12-24 (Thu): 12-24, 12-25, 12-28, 12-29, 12-30, 12-31 — the 7th would be in 2027
      expect(calendar.periodEnd('2026-12-24', 6, 'working')).toBe('2026-12-31');
      expect(() => calendar.periodEnd('2026-12-24', 7, 'working')).toThrow(
        expect.objectContaining({ details: expect.objectContaining({ year: 2027 }) }),
      );
      expect(() => calendar.addWorkingDays('2026-12-31', 1)).toThrow(CalendarYearNotCoveredError);
    });
  });

  describe('input', () => {
    it.each(['2025-02-29', '2025-9-26', '20250926', '', '2025-13-01'])('refuses date %j', (date) => {
      expect(() => calendar.isWorkingDay(date)).toThrow(InvalidInputError);
      expect(() => calendar.periodEnd(date, 5, 'calendar')).toThrow(InvalidInputError);
      expect(() => endInstant(date)).toThrow(InvalidInputError);
    });

    it.each([0, -1, 1.5, Number.NaN])('refuses %p days', (days) => {
      expect(() => calendar.periodEnd('2025-09-26', days, 'working')).toThrow(InvalidInputError);
      expect(() => calendar.addWorkingDays('2025-09-26', days)).toThrow(InvalidInputError);
    });

    it('refuses an unknown unit', () => {
      expect(() => calendar.periodEnd('2025-09-26', 5, 'weeks' as never)).toThrow(InvalidInputError);
    });
  });
});

describe('instants in Asia/Shanghai', () => {
  it('endInstant is 24:00 Shanghai = next day 00:00+08:00 = the day at 16:00Z', () => {
    expect(endInstant('2025-10-09')).toBe('2025-10-09T16:00:00.000Z');
    expect(new Date(endInstant('2025-10-09')).getTime()).toBe(Date.parse('2025-10-10T00:00:00+08:00'));
    expect(endInstant('2025-12-31')).toBe('2025-12-31T16:00:00.000Z');
    expect(endInstant('2024-02-29')).toBe('2024-02-29T16:00:00.000Z');
    expect(calendar.endInstant('2026-02-26')).toBe('2026-02-26T16:00:00.000Z');
  });

  it('a working-day period ends at 24:00 Shanghai of its last day', () => {
    expect(calendar.period('2025-09-26', 5, 'working').endsAt).toBe('2025-10-09T16:00:00.000Z');
  });

  it('startInstant is 00:00 Shanghai = the previous day at 16:00Z', () => {
    expect(startInstant('2025-10-09')).toBe('2025-10-08T16:00:00.000Z');
    expect(startInstant('2026-01-01')).toBe('2025-12-31T16:00:00.000Z');
  });

  it('shanghaiDate reads an instant on the Shanghai wall calendar', () => {
    expect(shanghaiDate('2025-10-09T15:59:59.999Z')).toBe('2025-10-09');
    expect(shanghaiDate('2025-10-09T16:00:00.000Z')).toBe('2025-10-10');
    expect(shanghaiDate('2025-10-10T00:00:00+08:00')).toBe('2025-10-10');
    expect(shanghaiDate(new Date(Date.UTC(2025, 11, 31, 16)))).toBe('2026-01-01');
  });

  it('shanghaiDate refuses an instant without an offset (it would read the host timezone)', () => {
    expect(() => shanghaiDate('2025-10-09T12:00:00')).toThrow(RangeError);
    expect(() => shanghaiDate('2025-10-09')).toThrow(RangeError);
    expect(() => shanghaiDate(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('supplementary years', () => {
  // FICTIONAL 2027/2028 data for the tests only: the State Council had not published 2027 when
  // this was written. A deployment loads the real notice's dates from its own file.
  const fictional2027 = {
    year: 2027,
    holidays: ['2027-01-01', '2027-01-02', '2027-01-03', '2027-02-05', '2027-02-08'],
    adjustedWorkdays: ['2027-02-20'], // a Saturday
    source: 'test data',
  };

  describe('with a 2027 entry', () => {
    const cal = WorkingDayCalendar.withExtraYears([fictional2027]);

    it('covers 2027 as well as the package years', () => {
      expect(cal.covers(2027)).toBe(true);
      expect(cal.coveredYears.at(-1)).toBe(2027);
      expect(cal.covers(2028)).toBe(false);
    });

    it('uses its holidays and worked weekend days, Monday–Friday otherwise', () => {
      expect(cal.isWorkingDay('2027-01-01')).toBe(false); // Fri, listed holiday
      expect(cal.isWorkingDay('2027-01-04')).toBe(true); // Mon
      expect(cal.isWorkingDay('2027-02-20')).toBe(true); // Sat, listed as worked
      expect(cal.isWorkingDay('2027-02-21')).toBe(false); // Sun
      expect(cal.dayInfo('2027-02-20')).toMatchObject({ reason: 'adjusted-workday', name: 'test data' });
    });

    it('lets a period cross from 2026 into 2027', () => {
      // 12-24, 12-25, 12-28..12-31, [01-01..01-03 off], 01-04
      expect(cal.periodEnd('2026-12-24', 7, 'working')).toBe('2027-01-04');
      expect(cal.addWorkingDays('2026-12-31', 1)).toBe('2027-01-04');
    });

    it('leaves the package calendar itself unchanged', () => {
      expect(calendar.covers(2027)).toBe(false);
    });

    it('still refuses the year after', () => {
      expect(() => cal.periodEnd('2027-12-24', 10, 'working')).toThrow(CalendarYearNotCoveredError);
    });
  });

  it('an entry for a covered year replaces the package days of that year', () => {
    const cal = WorkingDayCalendar.withExtraYears([{ year: 2026, holidays: ['2026-01-01'], adjustedWorkdays: [] }]);
    expect(cal.isWorkingDay('2026-10-01')).toBe(true); // no longer a holiday
    expect(cal.isWorkingDay('2026-09-20')).toBe(false); // Sunday no longer worked
    expect(cal.isWorkingDay('2026-01-01')).toBe(false);
    expect(cal.isWorkingDay('2025-10-01')).toBe(false); // other years untouched
  });

  it('may set days in the December before its year without covering that year', () => {
    // 2027-12-25 is a Saturday.
    const cal = WorkingDayCalendar.withExtraYears([
      fictional2027,
      { year: 2028, holidays: ['2028-01-01'], adjustedWorkdays: ['2027-12-25'] },
    ]);
    expect(cal.isWorkingDay('2027-12-25')).toBe(true);
    expect(cal.covers(2028)).toBe(true);
    const only2028 = WorkingDayCalendar.withExtraYears([
      { year: 2028, holidays: ['2028-01-01'], adjustedWorkdays: ['2027-12-25'] },
    ]);
    expect(() => only2028.isWorkingDay('2027-12-25')).toThrow(CalendarYearNotCoveredError);
  });

  it('can be layered', () => {
    const cal = WorkingDayCalendar.fromPackage()
      .withExtraYears([fictional2027])
      .withExtraYears([{ year: 2028, holidays: ['2028-01-01'], adjustedWorkdays: [] }]);
    expect(cal.coveredYears.slice(-2)).toEqual([2027, 2028]);
  });

  it('accepts an empty list', () => {
    expect(WorkingDayCalendar.withExtraYears([]).coveredYears).toEqual(calendar.coveredYears);
  });

  describe('validation reports every problem', () => {
    it.each([
      ['not an array', { year: 2027 }, /must be an array/],
      ['an entry that is not an object', [42], /must be an object/],
      ['a year that is not an integer', [{ ...fictional2027, year: '2027' }], /\[0\]\.year/],
      ['a year given twice', [fictional2027, fictional2027], /2027 is given more than once/],
      ['holidays missing', [{ year: 2027, adjustedWorkdays: [] }], /holidays: must be an array/],
      ['no holidays', [{ year: 2027, holidays: [], adjustedWorkdays: [] }], /holidays: empty/],
      ['an impossible date', [{ ...fictional2027, holidays: ['2027-02-29'] }], /holidays\[0\].*not a real date/],
      ['a badly written date', [{ ...fictional2027, holidays: ['2027-1-1'] }], /not a real date/],
      ['a date in another year', [{ ...fictional2027, holidays: ['2028-01-01'] }], /outside 2027/],
      ['a date before December of the year before', [{ ...fictional2027, adjustedWorkdays: ['2026-11-28'] }], /outside 2027/],
      ['a date listed twice', [{ ...fictional2027, holidays: ['2027-01-01', '2027-01-01'] }], /listed twice/],
      ['a date both off and worked', [{ ...fictional2027, adjustedWorkdays: ['2027-01-02'] }], /both a holiday and an adjusted working day/],
      ['a worked weekday', [{ ...fictional2027, adjustedWorkdays: ['2027-01-04'] }], /Monday–Friday/],
      ['a source that is not a string', [{ ...fictional2027, source: 7 }], /source/],
    ])('refuses %s', (_, input, message) => {
      const result = validateSupplementaryYears(input);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors.join('\n')).toMatch(message);
      expect(() => WorkingDayCalendar.withExtraYears(input)).toThrow(InvalidInputError);
    });

    it('lists all problems at once', () => {
      const result = validateSupplementaryYears([
        { year: 2027, holidays: ['2027-02-30', '2029-01-01'], adjustedWorkdays: ['2027-01-05'] },
      ]);
      expect(result).toEqual({ ok: false, errors: expect.any(Array) });
      if (!result.ok) expect(result.errors).toHaveLength(3);
    });

    it('puts the problems in the error details', () => {
      try {
        WorkingDayCalendar.withExtraYears([{ year: 2027, holidays: [], adjustedWorkdays: [] }]);
        throw new Error('expected a refusal');
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidInputError);
        expect((e as InvalidInputError).details).toMatchObject({ problems: [expect.stringContaining('empty')] });
      }
    });

    it('accepts valid data', () => {
      expect(validateSupplementaryYears([fictional2027])).toEqual({ ok: true, value: [fictional2027] });
    });
  });
});
