import { WorkingDayCalendar } from '../calendar/working-days.js';
import { InvalidInputError, RuleViolationError } from '../errors.js';
import { checkInternalPublicity } from './internal-publicity.js';
import { PolicyRegistry } from './registry.js';

const registry = PolicyRegistry.fromDirectories();
const xinzhou = registry.get('xinzhou-mayor', '2021');
const chaoyang = registry.get('chaoyang-mayor', '2022');
const calendar = WorkingDayCalendar.fromPackage();

const refusal = (fn: () => void): RuleViolationError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof RuleViolationError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('忻州 第十四条: internal publicity of at least 5 working days, without objection, before submission', () => {
  it('accepts five working days that end by the submission day', () => {
    expect(() =>
      checkInternalPublicity(xinzhou, { startDate: '2025-03-03', endDate: '2025-03-07', objectionsRaised: false }, '2025-03-10', calendar),
    ).not.toThrow();
  });

  it('counts Chinese working days: over Qingming 2025 (04-04..04-06 off) five days run to 04-09', () => {
    // State Council 2025: 清明节 4月4日至6日放假，共3天 — so 04-03, 04-07, 04-08, 04-09 follow 04-02.
    expect(refusal(() =>
      checkInternalPublicity(xinzhou, { startDate: '2025-04-02', endDate: '2025-04-08', objectionsRaised: false }, '2025-04-20', calendar),
    )).toMatchObject({ rule: { programme: 'xinzhou-mayor', article: '第十四条' }, field: 'declaration.internalPublicity.endDate' });
    expect(() =>
      checkInternalPublicity(xinzhou, { startDate: '2025-04-02', endDate: '2025-04-09', objectionsRaised: false }, '2025-04-20', calendar),
    ).not.toThrow();
  });

  it('refuses a missing declaration, four working days, a period still running, and one that raised objections', () => {
    expect(refusal(() => checkInternalPublicity(xinzhou, undefined, '2025-03-10', calendar)).rule.article).toBe('第十四条');
    expect(refusal(() =>
      checkInternalPublicity(xinzhou, { startDate: '2025-03-03', endDate: '2025-03-06', objectionsRaised: false }, '2025-03-10', calendar),
    ).details).toMatchObject({ shortestEnd: '2025-03-07' });
    expect(refusal(() =>
      checkInternalPublicity(xinzhou, { startDate: '2025-03-03', endDate: '2025-03-11', objectionsRaised: false }, '2025-03-10', calendar),
    ).field).toBe('declaration.internalPublicity.endDate');
    expect(refusal(() =>
      checkInternalPublicity(xinzhou, { startDate: '2025-03-03', endDate: '2025-03-07', objectionsRaised: true }, '2025-03-10', calendar),
    ).field).toBe('declaration.internalPublicity.objectionsRaised');
    expect(() =>
      checkInternalPublicity(xinzhou, { startDate: '2025-03-07', endDate: '2025-03-03', objectionsRaised: false }, '2025-03-10', calendar),
    ).toThrow(InvalidInputError);
  });

  it('asks nothing of programmes whose text has no such step (朝阳)', () => {
    expect(() => checkInternalPublicity(chaoyang, undefined, '2025-03-10', calendar)).not.toThrow();
  });
});
