import { QuotaExceededError, RuleViolationError } from '../errors.js';
import type { ApplicantKind } from './policy.types.js';
import { ALL_TIERS, checkQuota, quotaTable, type QuotaClaim } from './quota.js';
import { PolicyRegistry } from './registry.js';

const registry = PolicyRegistry.fromDirectories();
const zibo = registry.get('zibo-leader', '2021');
const jinan = registry.get('jinan-mayor', '2018');
const xinzhou = registry.get('xinzhou-mayor', '2021');
const chanhe = registry.get('chanhe-district', '2021');
const chaoyang = registry.get('chaoyang-mayor', '2022');

const n = (count: number, tier: string, kind: ApplicantKind = 'organisation'): QuotaClaim[] => Array.from({ length: count }, () => ({ tier, kind }));

function quotaError(fn: () => void): QuotaExceededError {
  try {
    fn();
  } catch (e) {
    if (e instanceof QuotaExceededError) return e;
    throw e;
  }
  throw new Error('expected a QuotaExceededError');
}

describe('checkQuota', () => {
  it('济南 第二条: the 6th organisation award is refused, individuals are counted apart', () => {
    expect(() => checkQuota(jinan, n(4, 'award'), n(1, 'award'))).not.toThrow();
    const e = quotaError(() => checkQuota(jinan, n(5, 'award'), n(1, 'award')));
    expect(e.code).toBe('QUOTA_EXCEEDED');
    expect(e).toBeInstanceOf(RuleViolationError);
    expect(e.rule).toEqual({ programme: 'jinan-mayor', version: '2018', article: '第二条' });
    expect(e.details).toMatchObject({ tier: 'award', kind: 'organisation', limit: 5, used: 5, requested: 1 });
    expect(() => checkQuota(jinan, n(5, 'award'), n(3, 'award', 'individual'))).not.toThrow();
    expect(() => checkQuota(jinan, [], n(3, 'nomination', 'individual'))).toThrow(QuotaExceededError);
  });

  it('refuses two awards decided together that exceed the limit at once (瀍河 第四条)', () => {
    expect(() => checkQuota(chanhe, n(4, 'award'), n(2, 'award'))).toThrow(/limit 5 per term, 4 taken, 2 requested/);
  });

  it('忻州 第四条: organisations and individuals count together', () => {
    const taken = [...n(2, 'award'), ...n(1, 'award', 'individual')];
    const e = quotaError(() => checkQuota(xinzhou, taken, n(1, 'award', 'individual')));
    expect(e.details).toMatchObject({ tier: 'award', kind: 'total', limit: 3 });
  });

  it('淄博 第四条: 5 enterprises + 3 persons, total 8', () => {
    expect(() => checkQuota(zibo, n(5, 'leader'), n(3, 'leader', 'individual'))).not.toThrow();
    const e = quotaError(() => checkQuota(zibo, n(5, 'leader'), n(1, 'leader')));
    expect(e.details).toMatchObject({ tier: 'leader', kind: 'organisation', limit: 5 });
  });

  it('朝阳 第三条: per-tier limits 3/7/10 and the programme total 20', () => {
    expect(() => checkQuota(chaoyang, [...n(3, 'gold'), ...n(7, 'silver'), ...n(9, 'nomination')], n(1, 'nomination'))).not.toThrow();
    const e = quotaError(() => checkQuota(chaoyang, n(3, 'gold'), n(1, 'gold')));
    expect(e.rule.article).toBe('第三条');
    expect(e.details).toMatchObject({ tier: 'gold', kind: 'total', limit: 3 });
  });

  it('the programme total binds across tiers (a policy whose tiers add up to more than its total)', () => {
    const tight = { ...chaoyang, totalQuota: { total: 12, article: '第三条' } };
    const e = quotaError(() => checkQuota(tight, [...n(3, 'gold'), ...n(7, 'silver'), ...n(2, 'nomination')], n(1, 'nomination')));
    expect(e.details).toMatchObject({ tier: ALL_TIERS, kind: 'total', limit: 12, used: 12 });
  });

  it('refuses an unknown tier or a kind the programme does not award', () => {
    const e = (() => {
      try {
        checkQuota(chaoyang, [], n(1, 'platinum'));
      } catch (err) {
        return err as RuleViolationError;
      }
      throw new Error('expected an error');
    })();
    expect(e).toBeInstanceOf(RuleViolationError);
    expect(e).not.toBeInstanceOf(QuotaExceededError);
    expect(e.field).toBe('tier');
    expect(e.rule.article).toBe('第三条');
    // 瀍河 第二条: organisations only
    expect(() => checkQuota(chanhe, [], n(1, 'award', 'individual'))).toThrow(/does not award individual/);
  });

  it('allows empty places (every programme: 名额可以空缺)', () => {
    expect(() => checkQuota(jinan, [], [])).not.toThrow();
  });
});

describe('quotaTable', () => {
  it('朝阳 第三条: one row per tier plus the programme total', () => {
    expect(quotaTable(chaoyang, [...n(1, 'gold'), ...n(2, 'nomination')])).toEqual([
      { tier: 'gold', kind: 'total', limit: 3, used: 1, free: 2, article: '第三条' },
      { tier: 'silver', kind: 'total', limit: 7, used: 0, free: 7, article: '第三条' },
      { tier: 'nomination', kind: 'total', limit: 10, used: 2, free: 8, article: '第三条' },
      { tier: '*', kind: 'total', limit: 20, used: 3, free: 17, article: '第三条' },
    ]);
  });

  it('淄博 第四条 and 济南 第二条: rows per kind', () => {
    expect(quotaTable(zibo, n(2, 'leader', 'individual'))).toEqual([
      { tier: 'leader', kind: 'organisation', limit: 5, used: 0, free: 5, article: '第四条' },
      { tier: 'leader', kind: 'individual', limit: 3, used: 2, free: 1, article: '第四条' },
      { tier: '*', kind: 'total', limit: 8, used: 2, free: 6, article: '第四条' },
    ]);
    expect(quotaTable(jinan, []).map((r) => `${r.tier}/${r.kind}=${r.limit}`)).toEqual([
      'award/organisation=5',
      'award/individual=3',
      'nomination/organisation=3',
      'nomination/individual=2',
    ]);
  });
});
