/**
 * Rules of the five seed regulations, checked at their boundaries on the real policy data
 * (docs/rules-coverage.md). Every expected number and article below is copied from the seed text
 * (shared/seeds), not from the policy file, so a wrong data value fails here.
 */
import { NoPolicyVersionError, QuotaExceededError, RuleViolationError } from '../errors.js';
import { evaluateBans, type ApplicantFact } from './bans.js';
import { checkEligibility, type SubmissionInput } from './eligibility.js';
import type { ApplicantKind, ProgrammePolicy } from './policy.types.js';
import { checkQuota, type QuotaClaim } from './quota.js';
import { PolicyRegistry } from './registry.js';

const registry = PolicyRegistry.fromDirectories();
const policies: Record<string, ProgrammePolicy> = {
  'zibo-leader': registry.get('zibo-leader', '2021'),
  'jinan-mayor': registry.get('jinan-mayor', '2018'),
  'xinzhou-mayor': registry.get('xinzhou-mayor', '2021'),
  'chanhe-district': registry.get('chanhe-district', '2021'),
  'chaoyang-mayor': registry.get('chaoyang-mayor', '2022'),
};

function thrown<E extends Error>(type: new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn();
  } catch (e) {
    if (e instanceof type) return e;
    throw e;
  }
  throw new Error(`expected a ${type.name}`);
}

describe('policy validity: the version in force on the notice date, both ends inclusive', () => {
  it.each([
    // 淄博 第三十一条: 自2021年10月1日起施行，有效期至2026年10月1日
    ['淄博 第三十一条', 'zibo-leader', '2021-09-30', '2021-10-01', '2026-10-01', '2026-10-02'],
    // 济南 第三十一条: 自2018年12月7日起施行，有效期至2021年12月6日
    ['济南 第三十一条', 'jinan-mayor', '2018-12-06', '2018-12-07', '2021-12-06', '2021-12-07'],
    // 忻州 第三十三、三十四条: 自公布之日起施行 (2021-11-30)，有效期5年
    ['忻州 第三十三、三十四条', 'xinzhou-mayor', '2021-11-29', '2021-11-30', '2026-11-29', '2026-11-30'],
  ])('%s: refused the day before and after, in force on the first and last day', (_article, programme, before, first, last, after) => {
    expect(registry.inForce(programme, first).version).toBe(policies[programme].version);
    expect(registry.inForce(programme, last).version).toBe(policies[programme].version);
    for (const date of [before, after]) {
      const e = thrown(NoPolicyVersionError, () => registry.inForce(programme, date));
      expect(e.message).toContain(programme);
    }
  });

  it.each([
    // 瀍河 第三十条: 自印发之日起施行 (issue date estimated, see the policy's reading); 朝阳 第三十八条: 自发布之日起施行 (2022-04-29)
    ['瀍河 第三十条', 'chanhe-district', '2021-05-31', '2021-06-01', '第三十条'],
    ['朝阳 第三十八条', 'chaoyang-mayor', '2022-04-28', '2022-04-29', '第三十八条'],
  ])('%s: in force from issue with no end date', (_name, programme, before, first, article) => {
    expect(policies[programme].validity).toMatchObject({ from: first, until: null, article });
    expect(registry.inForce(programme, first).version).toBe(policies[programme].version);
    expect(registry.inForce(programme, '2040-01-01').version).toBe(policies[programme].version);
    thrown(NoPolicyVersionError, () => registry.inForce(programme, before));
  });
});

describe('quotas per term: the limit is allowed, one more is refused with the article', () => {
  const claims = (count: number, tier: string, kind: ApplicantKind): QuotaClaim[] => Array.from({ length: count }, () => ({ tier, kind }));

  it.each([
    // 淄博 第四条: 质量领军企业每届不超过5个，质量领军人物每届不超过3个
    ['淄博 第四条', 'zibo-leader', 'leader', 'organisation', 5, '第四条'],
    ['淄博 第四条', 'zibo-leader', 'leader', 'individual', 3, '第四条'],
    // 济南 第二条: 单位总计不超过5家、个人总计不超过3名；提名奖单位不超过3家、个人不超过2名
    ['济南 第二条', 'jinan-mayor', 'award', 'organisation', 5, '第二条'],
    ['济南 第二条', 'jinan-mayor', 'award', 'individual', 3, '第二条'],
    ['济南 第二条', 'jinan-mayor', 'nomination', 'organisation', 3, '第二条'],
    ['济南 第二条', 'jinan-mayor', 'nomination', 'individual', 2, '第二条'],
    // 忻州 第四条: 市长质量奖的组织和个人不超过3个，提名奖的组织和个人不超过10个
    ['忻州 第四条', 'xinzhou-mayor', 'award', 'individual', 3, '第四条'],
    ['忻州 第四条', 'xinzhou-mayor', 'nomination', 'organisation', 10, '第四条'],
    // 瀍河 第四条: 每届区长质量奖名额不超过5个
    ['瀍河 第四条', 'chanhe-district', 'award', 'organisation', 5, '第四条'],
    // 朝阳 第三条: 金奖3个、银奖7个、提名奖10个
    ['朝阳 第三条', 'chaoyang-mayor', 'gold', 'organisation', 3, '第三条'],
    ['朝阳 第三条', 'chaoyang-mayor', 'silver', 'organisation', 7, '第三条'],
    ['朝阳 第三条', 'chaoyang-mayor', 'nomination', 'organisation', 10, '第三条'],
  ] as const)('%s: %s %s %s ≤ %i', (_name, programme, tier, kind, limit, article) => {
    const policy = policies[programme];
    expect(() => checkQuota(policy, claims(limit - 1, tier, kind), claims(1, tier, kind))).not.toThrow();
    const e = thrown(QuotaExceededError, () => checkQuota(policy, claims(limit, tier, kind), claims(1, tier, kind)));
    expect(e.rule).toEqual({ programme, version: policy.version, article });
    expect(e.details).toMatchObject({ limit, used: limit, requested: 1 });
  });

  it('忻州 第四条: organisations and individuals share the 3 award places', () => {
    const xinzhou = policies['xinzhou-mayor'];
    expect(() => checkQuota(xinzhou, [...claims(2, 'award', 'organisation')], claims(1, 'award', 'individual'))).not.toThrow();
    expect(thrown(QuotaExceededError, () => checkQuota(xinzhou, claims(2, 'award', 'organisation'), claims(2, 'award', 'individual'))).rule.article).toBe('第四条');
  });

  it('朝阳 第三条: every tier full is the programme total of 20, allowed', () => {
    const chaoyang = policies['chaoyang-mayor'];
    expect(() => checkQuota(chaoyang, [], [...claims(3, 'gold', 'organisation'), ...claims(7, 'silver', 'organisation'), ...claims(10, 'nomination', 'organisation')])).not.toThrow();
  });
});

describe('eligibility at submission: minimum years on the notice date', () => {
  const NOTICE = '2025-03-01';
  function submission(policy: ProgrammePolicy, kind: ApplicantKind, declaration: Partial<SubmissionInput['declaration']>): SubmissionInput {
    const exclusions = Object.fromEntries(policy.eligibility.exclusions.filter((e) => e.appliesTo.includes(kind)).map((e) => [e.code, false]));
    return {
      applicant: { kind, id: 'X', name: 'Applicant' },
      channel: { kind: policy.channels.kinds[0], recommender: 'R' },
      declaration: { operatingSince: '2000-01-01', qualityWorkSince: '2000-01-01', ...declaration, exclusions },
    };
  }

  it.each([
    // 淄博 第七条(一) 主体业务正常运行5年以上; 第九条(二) 在本市从事质量相关工作10年以上
    ['淄博 第七条(一)', 'zibo-leader', 'organisation', 'operatingSince', 5, '第七条(一)'],
    ['淄博 第九条(二)', 'zibo-leader', 'individual', 'qualityWorkSince', 10, '第九条(二)'],
    // 济南 第十条(一) 5年以上; 第十二条(二) 10年以上
    ['济南 第十条(一)', 'jinan-mayor', 'organisation', 'operatingSince', 5, '第十条(一)'],
    ['济南 第十二条(二)', 'jinan-mayor', 'individual', 'qualityWorkSince', 10, '第十二条(二)'],
    // 忻州 第十条 正常开展活动3年以上; 第十一条 从事质量相关工作3年以上
    ['忻州 第十条(一)', 'xinzhou-mayor', 'organisation', 'operatingSince', 3, '第十条(一)'],
    ['忻州 第十一条(二)', 'xinzhou-mayor', 'individual', 'qualityWorkSince', 3, '第十一条(二)'],
    // 瀍河 第十条 主体业务正常运行3年以上
    ['瀍河 第十条', 'chanhe-district', 'organisation', 'operatingSince', 3, '第十条'],
    // 朝阳 第十三条(一) 合法生产经营5年以上
    ['朝阳 第十三条(一)', 'chaoyang-mayor', 'organisation', 'operatingSince', 5, '第十三条(一)'],
  ] as const)('%s: %s %s needs %s ≥ %i years', (_name, programme, kind, field, years, article) => {
    const policy = policies[programme];
    const exactly = `${2025 - years}-03-01`;
    const dayShort = `${2025 - years}-03-02`;
    expect(() => checkEligibility(policy, submission(policy, kind, { [field]: exactly }), NOTICE)).not.toThrow();
    const e = thrown(RuleViolationError, () => checkEligibility(policy, submission(policy, kind, { [field]: dayShort }), NOTICE));
    expect(e.rule).toEqual({ programme, version: policy.version, article });
    expect(e.field).toBe(`declaration.${field}`);
  });

  it('淄博 第七条(一): a 四新 organisation at exactly 3 years is allowed, a day short is refused', () => {
    const zibo = policies['zibo-leader'];
    expect(() => checkEligibility(zibo, submission(zibo, 'organisation', { operatingSince: '2022-03-01', fourNewField: true }), NOTICE)).not.toThrow();
    const e = thrown(RuleViolationError, () =>
      checkEligibility(zibo, submission(zibo, 'organisation', { operatingSince: '2022-03-02', fourNewField: true }), NOTICE),
    );
    expect(e.rule.article).toBe('第七条(一)');
  });
});

describe('eligibility at submission: record-based exclusions, refused with the excluding article', () => {
  it.each([
    ['淄博 第七条(五)', 'zibo-leader', 'organisation', 'major-accident-3y', '第七条(五)'],
    ['淄博 第七条(五)', 'zibo-leader', 'organisation', 'customer-complaints-3y', '第七条(五)'],
    ['淄博 第七条(六)', 'zibo-leader', 'organisation', 'serious-violation-3y', '第七条(六)'],
    ['淄博 第九条(七)', 'zibo-leader', 'individual', 'misconduct', '第九条(七)'],
    ['济南 第十条(五)', 'jinan-mayor', 'organisation', 'serious-safety-accident-3y', '第十条(五)'],
    ['济南 第十条(五)', 'jinan-mayor', 'organisation', 'major-accident-3y', '第十条(五)'],
    ['济南 第十条(七)', 'jinan-mayor', 'organisation', 'legal-violation-3y', '第十条(七)'],
    ['济南 第十二条(六)', 'jinan-mayor', 'individual', 'employer-accident-3y', '第十二条(六)'],
    ['济南 第十二条(七)', 'jinan-mayor', 'individual', 'misconduct', '第十二条(七)'],
    ['忻州 第十条(四)', 'xinzhou-mayor', 'organisation', 'major-accident-3y', '第十条(四)'],
    ['忻州 第十一条(一)', 'xinzhou-mayor', 'individual', 'legal-violation', '第十条(一)、第十一条(一)'],
    ['瀍河 第十条', 'chanhe-district', 'organisation', 'not-registered-locally', '第十条'],
    ['瀍河 第十一条', 'chanhe-district', 'organisation', 'major-accident-2y', '第十一条'],
    ['瀍河 第十一条', 'chanhe-district', 'organisation', 'major-quality-complaint-2y', '第十一条'],
    ['瀍河 第十一条', 'chanhe-district', 'organisation', 'serious-dishonesty-2y', '第十一条'],
    ['朝阳 第十三条(一)', 'chaoyang-mayor', 'organisation', 'not-registered-locally', '第十三条(一)'],
    ['朝阳 第十四条(一)', 'chaoyang-mayor', 'organisation', 'serious-safety-accident-3y', '第十四条(一)'],
    ['朝阳 第十四条(三)', 'chaoyang-mayor', 'organisation', 'major-valid-complaint-3y', '第十四条(三)'],
    ['朝阳 第十四条(四)', 'chaoyang-mayor', 'organisation', 'serious-credit-record-3y', '第十四条(四)'],
  ] as const)('%s: %s %s %s declared true is refused', (_name, programme, kind, code, article) => {
    const policy = policies[programme];
    const exclusions = Object.fromEntries(policy.eligibility.exclusions.filter((e) => e.appliesTo.includes(kind)).map((e) => [e.code, false]));
    const clean: SubmissionInput = {
      applicant: { kind, id: 'X', name: 'Applicant' },
      channel: { kind: policy.channels.kinds[0], recommender: 'R' },
      declaration: { operatingSince: '2000-01-01', qualityWorkSince: '2000-01-01', exclusions },
    };
    expect(() => checkEligibility(policy, clean, '2025-03-01')).not.toThrow();
    const e = thrown(RuleViolationError, () =>
      checkEligibility(policy, { ...clean, declaration: { ...clean.declaration, exclusions: { ...exclusions, [code]: true } } }, '2025-03-01'),
    );
    expect(e.rule).toEqual({ programme, version: policy.version, article });
    expect(e.field).toBe(`declaration.exclusions.${code}`);
  });

  it('朝阳 第十四条 and 瀍河 第十一条 look back 3 and 2 years; 淄博 第七条(五), 济南 第十条(五)(六), 忻州 第十条(四) 3 years', () => {
    const lookback = (programme: string, code: string) => policies[programme].eligibility.exclusions.find((e) => e.code === code)!.lookbackYears;
    expect(lookback('chaoyang-mayor', 'failed-spot-check-3y')).toBe(3);
    expect(lookback('chanhe-district', 'operating-loss-2y')).toBe(2);
    expect(lookback('zibo-leader', 'major-accident-3y')).toBe(3);
    expect(lookback('jinan-mayor', 'financial-discipline-3y')).toBe(3);
    expect(lookback('xinzhou-mayor', 'major-accident-3y')).toBe(3);
  });
});

describe('re-application bans at their last day', () => {
  const award = (programme: string, termYear: number, date: string, tier?: string): ApplicantFact => ({
    type: 'awarded',
    programmeId: programme,
    policyVersion: policies[programme].version,
    termId: `${programme}-${termYear}`,
    termYear,
    applicationId: `app-${termYear}`,
    date,
    ...(tier ? { tier } : {}),
  });
  const revoke = (a: ApplicantFact, date: string, ground: string): ApplicantFact => ({ ...a, type: 'revoked', date, ground, awardedOn: a.date });
  const bans = (facts: ApplicantFact[], programmeId: string, termYear: number, date: string) =>
    evaluateBans((p, v) => registry.get(p, v), facts, { programmeId, termYear, date });

  it('瀍河 第二十九条: 4年内 after an accident revocation — barred on the last day, allowed the day after', () => {
    const a = award('chanhe-district', 2022, '2022-12-01');
    const facts = [a, revoke(a, '2024-01-20', 'major-accident-within-2y')];
    expect(bans(facts, 'chanhe-district', 2028, '2028-01-19')[0]).toMatchObject({ article: '第二十九条', until: '2028-01-19' });
    expect(bans(facts, 'chanhe-district', 2028, '2028-01-20')).toEqual([]);
  });

  it('忻州 第二十八条: any ground bars 3 cycles from the revocation year, also a nomination winner', () => {
    const a = award('xinzhou-mayor', 2021, '2022-03-01', 'nomination');
    const facts = [a, revoke(a, '2023-09-01', 'fraud')];
    expect(bans(facts, 'xinzhou-mayor', 2030, '2031-12-31')[0]).toMatchObject({ article: '第二十八条', ground: 'fraud', until: '2031-12-31' });
    expect(bans(facts, 'xinzhou-mayor', 2033, '2032-01-01')).toEqual([]);
  });

  it('朝阳 第三十六条 bars a silver winner revoked within 3 years from the next term only; 第十五条 keeps a gold winner out two terms', () => {
    const silver = award('chaoyang-mayor', 2022, '2023-01-15', 'silver');
    const facts = [silver, revoke(silver, '2023-06-01', 'consumer-fraud')];
    expect(bans(facts, 'chaoyang-mayor', 2024, '2024-03-01')[0]).toMatchObject({ article: '第三十六条', ground: 'consumer-fraud' });
    expect(bans(facts, 'chaoyang-mayor', 2026, '2026-03-01')).toEqual([]);
    const gold = award('chaoyang-mayor', 2022, '2023-01-15', 'gold');
    expect(bans([gold], 'chaoyang-mayor', 2026, '2026-03-01')[0].article).toBe('第十五条');
  });

  it('济南 第六条: a nomination winner who later wins the award is barred from then on', () => {
    const nomination = { ...award('jinan-mayor', 2019, '2019-12-20', 'nomination'), applicationId: 'app-n' };
    const win = award('jinan-mayor', 2021, '2021-11-30', 'award');
    expect(bans([nomination], 'jinan-mayor', 2021, '2021-03-01')).toEqual([]);
    expect(bans([nomination, win], 'jinan-mayor', 2023, '2023-03-01')[0]).toMatchObject({ article: '第六条', until: 'permanent' });
  });
});
