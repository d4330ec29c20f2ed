/**
 * The applicant's side of a submission (docs/rules-coverage.md): one application per applicant per
 * term (朝阳 第十七条(三): 禁止通过多个渠道重复申报) and the re-application bans, on the real policies.
 */
import { RuleViolationError } from '../errors.js';
import { evaluateBans } from '../policy/bans.js';
import { PolicyRegistry } from '../policy/registry.js';
import { decideApply, type ApplicantEvent } from './applicant.js';

const registry = PolicyRegistry.fromDirectories();
const chaoyang = registry.get('chaoyang-mayor', '2022');
const jinan = registry.get('jinan-mayor', '2018');

const bansFor = (programmeId: string, termYear: number, date: string) => (facts: Parameters<typeof evaluateBans>[1]) =>
  evaluateBans((p, v) => registry.get(p, v), facts, { programmeId, termYear, date });

function refusal(fn: () => unknown): RuleViolationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RuleViolationError) return e;
    throw e;
  }
  throw new Error('expected a RuleViolationError');
}

describe('decideApply', () => {
  const applied: ApplicantEvent = {
    type: 'ApplicantApplied',
    data: { applicationId: 'app-1', termId: 'chaoyang-mayor-2024', termYear: 2024, policyVersion: '2022', date: '2024-03-10' },
  };

  it('朝阳 第十七条(三): a second application in the same term is refused, whatever the channel; the next term is open', () => {
    const second = { applicationId: 'app-2', termId: 'chaoyang-mayor-2024', termYear: 2024, policyVersion: '2022', date: '2024-03-12' };
    const e = refusal(() => decideApply(second, [applied], chaoyang, bansFor('chaoyang-mayor', 2024, '2024-03-12')));
    expect(e.rule).toEqual({ programme: 'chaoyang-mayor', version: '2022', article: '第十七条(三)' });
    expect(e.details).toMatchObject({ applicationId: 'app-1' });
    const next = { ...second, termId: 'chaoyang-mayor-2026', termYear: 2026, date: '2026-03-12' };
    expect(decideApply(next, [applied], chaoyang, bansFor('chaoyang-mayor', 2026, '2026-03-12'))).toEqual({ type: 'ApplicantApplied', data: next });
  });

  it('济南 第十四条: a second application in one term is refused too, and the refusal says it is a reading', () => {
    // Only 朝阳 第十七条(三) forbids duplicates outright; elsewhere an applicant goes through one body.
    const first: ApplicantEvent = {
      type: 'ApplicantApplied',
      data: { applicationId: 'app-1', termId: 'jinan-mayor-2019', termYear: 2019, policyVersion: '2018', date: '2019-03-10' },
    };
    const second = { applicationId: 'app-2', termId: 'jinan-mayor-2019', termYear: 2019, policyVersion: '2018', date: '2019-03-12' };
    const e = refusal(() => decideApply(second, [first], jinan, bansFor('jinan-mayor', 2019, '2019-03-12')));
    expect(e.rule).toMatchObject({ programme: 'jinan-mayor', article: '第十四条', reading: expect.stringContaining('one recommending body') });
  });

  it('济南 第六条: refuses an award winner with the ban’s article and window', () => {
    const history: ApplicantEvent[] = [
      { type: 'ApplicantApplied', data: { applicationId: 'app-1', termId: 'jinan-mayor-2019', termYear: 2019, policyVersion: '2018', date: '2019-03-10' } },
      { type: 'ApplicantAwarded', data: { applicationId: 'app-1', termId: 'jinan-mayor-2019', termYear: 2019, tier: 'award', date: '2019-12-20' } },
    ];
    const command = { applicationId: 'app-2', termId: 'jinan-mayor-2021', termYear: 2021, policyVersion: '2018', date: '2021-03-10' };
    const e = refusal(() => decideApply(command, history, jinan, bansFor('jinan-mayor', 2021, '2021-03-10')));
    expect(e.rule).toEqual({ programme: 'jinan-mayor', version: '2018', article: '第六条' });
    expect(e.details).toMatchObject({ ban: { ruleId: 'award-winner-never-again', from: '2019-12-20', until: 'permanent' } });
  });
});
