import { InvalidInputError, RuleViolationError } from '../errors.js';
import { checkEligibility, type SubmissionInput } from './eligibility.js';
import type { ApplicantKind, ProgrammePolicy } from './policy.types.js';
import { PolicyRegistry } from './registry.js';

const registry = PolicyRegistry.fromDirectories();
const zibo = registry.get('zibo-leader', '2021');
const jinan = registry.get('jinan-mayor', '2018');
const xinzhou = registry.get('xinzhou-mayor', '2021');
const chanhe = registry.get('chanhe-district', '2021');
const chaoyang = registry.get('chaoyang-mayor', '2022');

/** A clean submission: every exclusion of the policy declared false. */
function submission(policy: ProgrammePolicy, kind: ApplicantKind, declaration: Partial<SubmissionInput['declaration']> = {}): SubmissionInput {
  const exclusions = Object.fromEntries(policy.eligibility.exclusions.filter((e) => e.appliesTo.includes(kind)).map((e) => [e.code, false]));
  return {
    applicant: { kind, id: 'X', name: 'Applicant' },
    channel: { kind: policy.channels.kinds[0], recommender: 'R' },
    declaration: { operatingSince: '2000-01-01', qualityWorkSince: '2000-01-01', ...declaration, exclusions: { ...exclusions, ...declaration.exclusions } },
  };
}

function violation(fn: () => void): RuleViolationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RuleViolationError) return e;
    throw e;
  }
  throw new Error('expected a RuleViolationError');
}

describe('checkEligibility', () => {
  it('accepts a clean submission in every programme', () => {
    for (const p of [zibo, jinan, xinzhou, chanhe, chaoyang])
      for (const kind of p.applicantKinds.kinds) expect(() => checkEligibility(p, submission(p, kind), '2022-06-01')).not.toThrow();
  });

  it('refuses individuals where only organisations are awarded (瀍河 第二条, 朝阳 第二条)', () => {
    const e = violation(() => checkEligibility(chaoyang, submission(chaoyang, 'individual'), '2022-06-01'));
    expect(e.rule).toEqual({ programme: 'chaoyang-mayor', version: '2022', article: '第二条' });
    expect(e.field).toBe('applicant.kind');
    expect(() => checkEligibility(chanhe, submission(chanhe, 'individual'), '2022-06-01')).toThrow(RuleViolationError);
  });

  it('refuses a channel the programme does not have (济南 第十四条: county only)', () => {
    const s = { ...submission(jinan, 'organisation'), channel: { kind: 'direct' as const, recommender: 'R' } };
    const e = violation(() => checkEligibility(jinan, s, '2019-06-01'));
    expect(e.rule.article).toBe('第十四条');
    expect(e.field).toBe('channel.kind');
  });

  describe('minimum years on the notice date', () => {
    it('朝阳 第十三条(一): 5 full years, the anniversary counts on the day', () => {
      expect(() => checkEligibility(chaoyang, submission(chaoyang, 'organisation', { operatingSince: '2017-06-01' }), '2022-06-01')).not.toThrow();
      const e = violation(() => checkEligibility(chaoyang, submission(chaoyang, 'organisation', { operatingSince: '2017-06-02' }), '2022-06-01'));
      expect(e.rule.article).toBe('第十三条(一)');
      expect(e.field).toBe('declaration.operatingSince');
      expect(e.message).toMatch(/at least 5 years.*it has 4/);
    });

    it('淄博 第七条(一): 四新 organisations need 3 years instead of 5', () => {
      const young = { operatingSince: '2019-01-01' };
      expect(violation(() => checkEligibility(zibo, submission(zibo, 'organisation', young), '2022-06-01')).rule.article).toBe('第七条(一)');
      expect(() => checkEligibility(zibo, submission(zibo, 'organisation', { ...young, fourNewField: true }), '2022-06-01')).not.toThrow();
      expect(() => checkEligibility(zibo, submission(zibo, 'organisation', { operatingSince: '2020-01-01', fourNewField: true }), '2022-06-01')).toThrow(
        RuleViolationError,
      );
    });

    it('四新 does not shorten the minimum where the programme has no such rule (济南 第十条(一))', () => {
      expect(() => checkEligibility(jinan, submission(jinan, 'organisation', { operatingSince: '2016-01-01', fourNewField: true }), '2019-06-01')).toThrow(
        RuleViolationError,
      );
    });

    it('济南 第十二条(二): individuals need 10 years of quality work', () => {
      const e = violation(() => checkEligibility(jinan, submission(jinan, 'individual', { qualityWorkSince: '2010-01-01' }), '2019-06-01'));
      expect(e.rule.article).toBe('第十二条(二)');
      expect(e.field).toBe('declaration.qualityWorkSince');
    });

    it('忻州 第十条(一): the leading group may waive the 3 years', () => {
      const young = { operatingSince: '2021-01-01' };
      expect(violation(() => checkEligibility(xinzhou, submission(xinzhou, 'organisation', young), '2022-06-01')).rule.article).toBe('第十条(一)');
      const waiver = { grantedBy: 'leading-group' as const, documentNo: '忻质强〔2022〕1号', date: '2022-05-01' };
      expect(() => checkEligibility(xinzhou, submission(xinzhou, 'organisation', { ...young, waiver }), '2022-06-01')).not.toThrow();
      const unnamed = violation(() => checkEligibility(xinzhou, submission(xinzhou, 'organisation', { ...young, waiver: { ...waiver, documentNo: ' ' } }), '2022-06-01'));
      expect(unnamed.field).toBe('declaration.waiver.documentNo');
    });

    it('a waiver is refused where the text has none (朝阳 第十三条(一))', () => {
      const waiver = { grantedBy: 'leading-group' as const, documentNo: 'X', date: '2022-05-01' };
      const e = violation(() => checkEligibility(chaoyang, submission(chaoyang, 'organisation', { waiver }), '2022-06-01'));
      expect(e.field).toBe('declaration.waiver');
      expect(e.rule.article).toBe('第十三条(一)');
    });

    it('refuses a missing or late start date, and a malformed one as invalid input', () => {
      expect(violation(() => checkEligibility(chanhe, submission(chanhe, 'organisation', { operatingSince: undefined }), '2022-06-01')).field).toBe(
        'declaration.operatingSince',
      );
      expect(() => checkEligibility(chanhe, submission(chanhe, 'organisation', { operatingSince: '2023-01-01' }), '2022-06-01')).toThrow(/after the notice date/);
      expect(() => checkEligibility(chanhe, submission(chanhe, 'organisation', { operatingSince: '2019/01/01' }), '2022-06-01')).toThrow(InvalidInputError);
    });
  });

  describe('exclusions', () => {
    it('朝阳 第十四条(二): a declared failed spot check is refused with its article', () => {
      const e = violation(() =>
        checkEligibility(chaoyang, submission(chaoyang, 'organisation', { exclusions: { 'failed-spot-check-3y': true } }), '2022-06-01'),
      );
      expect(e.rule).toEqual({ programme: 'chaoyang-mayor', version: '2022', article: '第十四条(二)' });
      expect(e.field).toBe('declaration.exclusions.failed-spot-check-3y');
      expect(e.message).toMatch(/within 3 years before 2022-06-01/);
    });

    it('瀍河 第十一条: an undeclared operating loss is refused with the field path', () => {
      const s = submission(chanhe, 'organisation');
      delete s.declaration.exclusions['operating-loss-2y'];
      const e = violation(() => checkEligibility(chanhe, s, '2022-06-01'));
      expect(e.field).toBe('declaration.exclusions.operating-loss-2y');
      expect(e.rule.article).toBe('第十一条');
      expect(e.message).toMatch(/must declare/);
    });

    it('淄博 第九条(六): individuals declare their employer’s accidents, not the organisation list', () => {
      const s = submission(zibo, 'individual');
      expect(Object.keys(s.declaration.exclusions)).toEqual(['not-working-locally', 'employer-major-accident-3y', 'misconduct']);
      s.declaration.exclusions['employer-major-accident-3y'] = true;
      expect(violation(() => checkEligibility(zibo, s, '2022-06-01')).rule.article).toBe('第九条(六)');
    });

    it('济南 第十条(六): a financial-discipline breach excludes an organisation', () => {
      const s = submission(jinan, 'organisation', { exclusions: { 'financial-discipline-3y': true } });
      expect(violation(() => checkEligibility(jinan, s, '2019-06-01')).rule.article).toBe('第十条(六)');
    });

    it('a non-boolean declaration counts as missing (忻州 第十条(四))', () => {
      const s = submission(xinzhou, 'organisation');
      (s.declaration.exclusions as Record<string, unknown>)['major-accident-3y'] = 'no';
      expect(violation(() => checkEligibility(xinzhou, s, '2022-06-01')).field).toBe('declaration.exclusions.major-accident-3y');
    });
  });
});
