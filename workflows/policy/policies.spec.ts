import type { ProgrammePolicy } from './policy.types.js';
import { PolicyRegistry } from './registry.js';

/** The five seed regulations as data, checked value by value against shared/seeds. */
const registry = PolicyRegistry.fromDirectories();
const zibo = registry.get('zibo-leader', '2021');
const jinan = registry.get('jinan-mayor', '2018');
const xinzhou = registry.get('xinzhou-mayor', '2021');
const chanhe = registry.get('chanhe-district', '2021');
const chaoyang = registry.get('chaoyang-mayor', '2022');
const all = [zibo, jinan, xinzhou, chanhe, chaoyang];

const tier = (p: ProgrammePolicy, id: string) => p.tiers.find((t) => t.id === id)!;
const stageIds = (p: ProgrammePolicy) => p.stages.map((s) => (s.id === 'publicity' ? `publicity#${s.round}` : s.id));
const exclusion = (p: ProgrammePolicy, code: string) => p.eligibility.exclusions.find((e) => e.code === code)!;
const ground = (p: ProgrammePolicy, code: string) => p.revocation.grounds.find((g) => g.code === code)!;

describe('validity and cycle', () => {
  it.each([
    // 淄博 第三十一条, 济南 第三十一条, 忻州 第三十三、三十四条, 瀍河 第三十条, 朝阳 第三十八条
    [zibo, '2021-10-01', '2026-10-01', '第三十一条', 2],
    [jinan, '2018-12-07', '2021-12-06', '第三十一条', 2],
    [xinzhou, '2021-11-30', '2026-11-29', '第三十三条、第三十四条', 3],
    [chanhe, '2021-06-01', null, '第三十条', 2],
    [chaoyang, '2022-04-29', null, '第三十八条', 2],
  ])('%#: validity (淄博 第三十一条, 济南 第三十一条, 忻州 第三十三、三十四条, 瀍河 第三十条, 朝阳 第三十八条) and cycle of each seed', (p, from, until, article, cycle) => {
    expect(p.validity).toMatchObject({ from, until, article });
    expect(p.cycle.years).toBe(cycle);
  });

  it('瀍河 第三十条: the estimated start date is explained', () => {
    expect(chanhe.regulation.documentNo).toBe('瀍政〔2021〕10号');
    expect(chanhe.validity.reading).toMatch(/estimate/);
  });
});

describe('applicants and channels', () => {
  it('organisations and individuals in 淄博 第三条, 济南 第二条, 忻州 第四条; organisations only in 瀍河 第二条, 朝阳 第二条', () => {
    for (const p of [zibo, jinan, xinzhou]) expect(p.applicantKinds.kinds).toEqual(['organisation', 'individual']);
    for (const p of [chanhe, chaoyang]) expect(p.applicantKinds.kinds).toEqual(['organisation']);
  });

  it('朝阳 第十七条(三): direct, industry or county, one channel only', () => {
    expect(chaoyang.channels).toMatchObject({ kinds: ['direct', 'industry', 'county'], oneChannelOnly: true, article: '第十七条(三)' });
    // 忻州 第十五条: county government or city industry department
    expect(xinzhou.channels.kinds).toEqual(['county', 'industry']);
  });
});

describe('tiers, quotas and prizes', () => {
  it('淄博 第四条: one tier, enterprises ≤5, persons ≤3, total ≤8', () => {
    expect(zibo.tiers).toHaveLength(1);
    expect(zibo.tiers[0].quota.perKind).toEqual({ organisation: 5, individual: 3 });
    expect(zibo.totalQuota).toMatchObject({ total: 8, article: '第四条' });
  });

  it('济南 第二条: award org ≤5 ind ≤3, nomination org ≤3 ind ≤2; prize set elsewhere (第十九条)', () => {
    expect(tier(jinan, 'award').quota.perKind).toEqual({ organisation: 5, individual: 3 });
    expect(tier(jinan, 'nomination').quota.perKind).toEqual({ organisation: 3, individual: 2 });
    expect(tier(jinan, 'award').prize).toMatchObject({ organisation: null, individual: null, article: '第十九条' });
  });

  it('忻州 第四条: award ≤3 and nomination ≤10, kinds together; 第二十一条 prizes 200000 / 30000 / none', () => {
    expect(tier(xinzhou, 'award').quota).toEqual({ total: 3 });
    expect(tier(xinzhou, 'nomination').quota).toEqual({ total: 10 });
    expect(tier(xinzhou, 'award').prize).toMatchObject({ organisation: 200000, individual: 30000, article: '第二十一条' });
    expect(tier(xinzhou, 'nomination').prize).toMatchObject({ organisation: 0, individual: 0 });
  });

  it('瀍河 第四条: award ≤5; 第二十条 100000', () => {
    expect(tier(chanhe, 'award').quota).toEqual({ total: 5 });
    expect(tier(chanhe, 'award').prize).toMatchObject({ organisation: 100000, article: '第二十条' });
  });

  it('朝阳 第三条: gold 3, silver 7, nomination 10, total ≤20; 第十八条 200000 / 100000 / 50000', () => {
    expect(chaoyang.tiers.map((t) => [t.id, t.quota.total, t.prize.organisation])).toEqual([
      ['gold', 3, 200000],
      ['silver', 7, 100000],
      ['nomination', 10, 50000],
    ]);
    expect(chaoyang.totalQuota).toMatchObject({ total: 20, article: '第三条' });
  });
});

describe('eligibility', () => {
  it('minimum years: 淄博 第七条(一) 5 / 四新 3, 第九条 10; 济南 第十条 5, 第十二条 10; 忻州 第十条 3 waivable, 第十一条 3; 瀍河 第十条 3; 朝阳 第十三条 5', () => {
    expect(zibo.eligibility.organisation).toMatchObject({ minOperatingYears: 5, fourNewFieldMinYears: 3, fourNewArticle: '第七条(一)' });
    expect(zibo.eligibility.individual?.minQualityWorkYears).toBe(10);
    expect(jinan.eligibility.organisation?.minOperatingYears).toBe(5);
    expect(jinan.eligibility.individual?.minQualityWorkYears).toBe(10);
    expect(xinzhou.eligibility.organisation).toMatchObject({ minOperatingYears: 3, waivableBy: 'leading-group', waiverArticle: '第十条(一)' });
    expect(xinzhou.eligibility.individual?.minQualityWorkYears).toBe(3);
    expect(chanhe.eligibility.organisation?.minOperatingYears).toBe(3);
    expect(chanhe.eligibility.individual).toBeUndefined();
    expect(chaoyang.eligibility.organisation).toMatchObject({ minOperatingYears: 5, article: '第十三条(一)' });
  });

  it('record-based exclusions with their look-back (淄博 第七条(五), 济南 第十条(六), 忻州 第十条(四), 瀍河 第十一条, 朝阳 第十四条)', () => {
    expect(exclusion(zibo, 'major-accident-3y')).toMatchObject({ lookbackYears: 3, article: '第七条(五)' });
    expect(exclusion(jinan, 'financial-discipline-3y')).toMatchObject({ lookbackYears: 3, article: '第十条(六)' });
    expect(exclusion(xinzhou, 'major-accident-3y')).toMatchObject({ lookbackYears: 3, article: '第十条(四)' });
    // 瀍河 第十一条: 2 years, including no operating loss
    expect(exclusion(chanhe, 'operating-loss-2y')).toMatchObject({ lookbackYears: 2, article: '第十一条' });
    // 朝阳 第十四条(一)–(四)
    expect(chaoyang.eligibility.exclusions.filter((e) => e.article.startsWith('第十四条')).map((e) => e.article)).toEqual([
      '第十四条(一)',
      '第十四条(二)',
      '第十四条(三)',
      '第十四条(四)',
    ]);
  });
});

describe('stages', () => {
  it('淄博 第十六条 has the opinion survey and an oral defence', () => {
    expect(stageIds(zibo)).toEqual([
      'recommendation',
      'opinion-survey',
      'qualification-review',
      'materials-review',
      'shortlist',
      'on-site-review',
      'oral-defence',
      'candidate',
      'proposed',
      'publicity#1',
      'approval',
    ]);
  });

  it('忻州 第十八、十九条: candidate list, department opinions, regional publicity, proposed list, city-wide publicity', () => {
    expect(stageIds(xinzhou).slice(-6)).toEqual(['candidate', 'department-opinions', 'publicity#1', 'proposed', 'publicity#2', 'approval']);
    expect(xinzhou.stages.find((s) => s.id === 'department-opinions')?.article).toBe('第十八条');
  });

  it('瀍河 and 朝阳 have no oral defence', () => {
    expect(stageIds(chanhe)).not.toContain('oral-defence');
    expect(stageIds(chaoyang)).not.toContain('oral-defence');
    expect(stageIds(jinan)).toContain('oral-defence'); // 济南 第十五条
  });

  it('scoring: GB/T 19580, 1000 points in seven categories (瀍河 第十三条, 朝阳 第五条)', () => {
    for (const p of [chanhe, chaoyang]) {
      expect(p.scoring.maxScore).toBe(1000);
      expect(p.scoring.categories?.map((c) => c.points)).toEqual([110, 90, 90, 130, 100, 80, 400]);
    }
    expect(chanhe.scoring.article).toBe('第十三条');
    expect(chaoyang.scoring.article).toBe('第五条');
    for (const p of all) expect(p.scoring.maxScore).toBe(1000);
  });
});

describe('publicity and objections', () => {
  it('publicity rounds: 淄博 第十八条 and 济南 第十七条 5 working days; 瀍河 第十九条 and 朝阳 第十七条(八) 7 calendar days', () => {
    expect(zibo.publicity).toEqual([expect.objectContaining({ days: 5, unit: 'working', list: 'proposed', article: '第十八条' })]);
    expect(jinan.publicity).toEqual([expect.objectContaining({ days: 5, unit: 'working', article: '第十七条' })]);
    expect(chanhe.publicity).toEqual([expect.objectContaining({ days: 7, unit: 'calendar', article: '第十九条' })]);
    expect(chaoyang.publicity).toEqual([expect.objectContaining({ days: 7, unit: 'calendar', article: '第十七条(八)' })]);
  });

  it('忻州 第十八、十九条: two rounds of at least 5 working days', () => {
    expect(xinzhou.publicity.map((r) => [r.round, r.list, r.days, r.unit, r.minimum, r.article])).toEqual([
      [1, 'candidate', 5, 'working', true, '第十八条'],
      [2, 'proposed', 5, 'working', true, '第十九条'],
    ]);
    // 忻州 第十四条: internal publicity before submission
    expect(xinzhou.internalPublicity).toMatchObject({ days: 5, unit: 'working', minimum: true });
  });

  it('朝阳 第二十至二十五条: real identity, written evidence, no anonymous or late objections, office handles, identity confidential', () => {
    expect(chaoyang.objections).toMatchObject({
      anonymousAllowed: false,
      realIdentityRequired: true,
      writtenEvidenceRequired: true,
      lateRefused: true,
      handledBy: 'office',
      confidentialityArticle: '第二十五条',
      defaultDeadlines: { recommender: 5, applicant: 5, objector: 5, unit: 'working', article: '第二十二条、第二十三条' },
    });
  });

  it('忻州 第二十七条: anonymous allowed, supervision group handles; 济南 第十七条: office investigates, leading group approves', () => {
    expect(xinzhou.objections).toMatchObject({ anonymousAllowed: true, realIdentityRequired: false, handledBy: 'supervisor', confidentialityArticle: '第二十七条' });
    expect(jinan.objections).toMatchObject({ handledBy: 'office', decidedBy: { body: 'leading-group', article: '第十七条' } });
  });

  it('淄博 and 瀍河 are silent on objections: the reading is written down', () => {
    for (const p of [zibo, chanhe]) expect(p.objections.reading).toMatch(/silent/);
  });
});

describe('bans and revocation', () => {
  it('济南 第六条: award winners never again (not nomination winners)', () => {
    expect(jinan.bans).toEqual([expect.objectContaining({ trigger: 'awarded', tiers: ['award'], duration: { unit: 'permanent' }, article: '第六条' })]);
  });

  it('淄博 第二十七、三十条: no ban, with a note', () => {
    expect(zibo.bans).toEqual([]);
    expect(zibo.notes?.find((n) => n.topic === 'bans')?.article).toBe('第二十七条、第三十条');
  });

  it('忻州 第十二条 two terms after an award; 第二十八条 3 cycles from the year of revocation', () => {
    expect(xinzhou.bans.map((b) => [b.id, b.duration, b.article])).toEqual([
      ['award-winner-two-terms', { unit: 'terms', count: 2 }, '第十二条'],
      ['revoked-three-cycles', { unit: 'cycles-from-year', count: 3 }, '第二十八条'],
    ]);
  });

  it('瀍河 第二十八、二十九条: 4 years after revocation; 第二十九条 window 2 years; 第二十四条 annual reports for 3 years', () => {
    expect(chanhe.bans.map((b) => [b.duration, b.article])).toEqual([
      [{ unit: 'years', count: 4 }, '第二十八条'],
      [{ unit: 'years', count: 4 }, '第二十九条'],
    ]);
    expect(ground(chanhe, 'major-accident-within-2y')).toMatchObject({ windowYears: 2, recovers: ['trophy', 'certificate'] });
    expect(ground(chanhe, 'fraud').recovers).toContain('prize-money');
    expect(chanhe.postAward?.annualReports).toMatchObject({ years: 3, article: '第二十四条' });
  });

  it('朝阳 第十五条 gold two terms, 第二十七条 fraud for life, 第三十六条 next term with six grounds within 3 years', () => {
    expect(chaoyang.bans.map((b) => [b.id, b.duration, b.article])).toEqual([
      ['gold-two-terms', { unit: 'terms', count: 2 }, '第十五条'],
      ['fraud-life', { unit: 'permanent' }, '第二十七条'],
      ['revoked-next-term', { unit: 'terms', count: 1 }, '第三十六条'],
    ]);
    const art36 = chaoyang.revocation.grounds.filter((g) => g.article.startsWith('第三十六条'));
    expect(art36).toHaveLength(6);
    for (const g of art36) expect(g.windowYears).toBe(3);
  });

  it('revocation grounds: 济南 第二十九条 12 + 第三十条 10, 忻州 第二十八条 4, 淄博 第三十条 1', () => {
    expect(jinan.revocation.grounds.filter((g) => g.article.startsWith('第二十九条'))).toHaveLength(12);
    expect(jinan.revocation.grounds.filter((g) => g.article.startsWith('第三十条'))).toHaveLength(10);
    expect(xinzhou.revocation.grounds).toHaveLength(4);
    expect(zibo.revocation.grounds.map((g) => g.code)).toEqual(['no-longer-meets-conditions']);
  });
});

describe('oversight', () => {
  it('supervision group ends with the term and rotates ≥1/3 (淄博 第十二条, 济南 第九条)', () => {
    expect(zibo.supervision).toMatchObject({ endsWithTerm: true, minRotation: '1/3', article: '第十二条' });
    expect(jinan.supervision).toMatchObject({ endsWithTerm: true, minRotation: '1/3', article: '第九条' });
  });

  it('no fees in every programme (淄博 第二十三条, 济南 第八条、第二十条, 忻州 第九条, 瀍河 第三条, 朝阳 第十九条)', () => {
    expect(all.map((p) => p.noFees.article)).toEqual(['第二十三条', '第八条、第二十条', '第九条', '第三条', '第十九条']);
  });
});
