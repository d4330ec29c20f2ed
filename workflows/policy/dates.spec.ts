import { addYears, fullYearsBetween, isIsoDate, previousDay } from './dates.js';

describe('dates', () => {
  it('accepts only real calendar dates', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('2023-2-1')).toBe(false);
    expect(isIsoDate(20230201)).toBe(false);
  });

  it('counts full years; the anniversary counts on the day (minimum years, e.g. 朝阳 第十三条(一))', () => {
    expect(fullYearsBetween('2017-06-01', '2022-06-01')).toBe(5);
    expect(fullYearsBetween('2017-06-02', '2022-06-01')).toBe(4);
    expect(fullYearsBetween('2016-02-29', '2021-02-28')).toBe(4);
    expect(fullYearsBetween('2016-02-29', '2021-03-01')).toBe(5);
  });

  it('adds years and steps back a day across month and year ends (瀍河 第二十八条 "4年内")', () => {
    expect(addYears('2020-02-29', 4)).toBe('2024-02-29');
    expect(addYears('2020-02-29', 1)).toBe('2021-02-28');
    expect(previousDay('2027-01-01')).toBe('2026-12-31');
    expect(previousDay('2024-03-01')).toBe('2024-02-29');
  });
});
