import { evaluateBans, type ApplicantFact } from './bans.js';
import type { ProgrammePolicy } from './policy.types.js';
import { PolicyRegistry } from './registry.js';

const registry = PolicyRegistry.fromDirectories();
const resolve = (programmeId: string, version: string) => registry.get(programmeId, version);

const VERSIONS: Record<string, string> = {
  'zibo-leader': '2021',
  'jinan-mayor': '2018',
  'xinzhou-mayor': '2021',
  'chanhe-district': '2021',
  'chaoyang-mayor': '2022',
};

function awarded(programmeId: string, termYear: number, date: string, tier?: string): ApplicantFact {
  return { type: 'awarded', programmeId, policyVersion: VERSIONS[programmeId], termId: `${programmeId}-${termYear}`, termYear, applicationId: `app-${termYear}`, date, tier };
}

function revoked(award: ApplicantFact, date: string, ground: string): ApplicantFact {
  return { ...award, type: 'revoked', date, ground, awardedOn: award.date, tier: undefined };
}

const bansOn = (facts: ApplicantFact[], programmeId: string, termYear: number, date = `${termYear}-06-01`) =>
  evaluateBans(resolve, facts, { programmeId, termYear, date });

describe('evaluateBans', () => {
  it('allows an applicant without history', () => {
    expect(bansOn([], 'chaoyang-mayor', 2024)).toEqual([]);
  });

  describe('when awarded', () => {
    it('朝阳 第十五条: a 2022 gold winner is barred in 2024 and 2026, allowed in 2028', () => {
      const gold = awarded('chaoyang-mayor', 2022, '2023-01-15', 'gold');
      const [finding] = bansOn([gold], 'chaoyang-mayor', 2024);
      expect(finding).toMatchObject({
        programme: 'chaoyang-mayor',
        version: '2022',
        article: '第十五条',
        ruleId: 'gold-two-terms',
        from: '2023-01-15',
        until: '2027-12-31',
        restsOn: [{ applicationId: 'app-2022', termId: 'chaoyang-mayor-2022', type: 'awarded', date: '2023-01-15' }],
      });
      expect(bansOn([gold], 'chaoyang-mayor', 2026)).toHaveLength(1);
      expect(bansOn([gold], 'chaoyang-mayor', 2028)).toEqual([]);
    });

    it('朝阳 第十五条: silver and nomination winners may apply again', () => {
      expect(bansOn([awarded('chaoyang-mayor', 2022, '2023-01-15', 'silver')], 'chaoyang-mayor', 2024)).toEqual([]);
    });

    it('忻州 第十二条: an award winner of the 2021 term is barred in 2024 and 2027, allowed in 2030; nomination winners may apply again', () => {
      const award = awarded('xinzhou-mayor', 2021, '2022-03-01', 'award');
      expect(bansOn([award], 'xinzhou-mayor', 2024)[0]).toMatchObject({ article: '第十二条', until: '2029-12-31' });
      expect(bansOn([award], 'xinzhou-mayor', 2027)).toHaveLength(1);
      expect(bansOn([award], 'xinzhou-mayor', 2030)).toEqual([]);
      expect(bansOn([awarded('xinzhou-mayor', 2021, '2022-03-01', 'nomination')], 'xinzhou-mayor', 2024)).toEqual([]);
    });

    it('济南 第六条: an award winner never again; a nomination winner may apply again', () => {
      const award = awarded('jinan-mayor', 2019, '2019-12-20', 'award');
      expect(bansOn([award], 'jinan-mayor', 2041)[0]).toMatchObject({ article: '第六条', until: 'permanent', from: '2019-12-20' });
      expect(bansOn([awarded('jinan-mayor', 2019, '2019-12-20', 'nomination')], 'jinan-mayor', 2021)).toEqual([]);
    });

    it('淄博 第二十七、三十条: no ban, also after revocation', () => {
      const leader = awarded('zibo-leader', 2022, '2022-12-01');
      expect(bansOn([leader, revoked(leader, '2023-06-01', 'no-longer-meets-conditions')], 'zibo-leader', 2024)).toEqual([]);
    });
  });

  describe('when revoked', () => {
    it('朝阳 第二十七条: fraud bars for life, resting on the award and the revocation', () => {
      const award = awarded('chaoyang-mayor', 2022, '2023-01-15', 'silver');
      const [finding] = bansOn([award, revoked(award, '2024-02-01', 'fraud')], 'chaoyang-mayor', 2050);
      expect(finding).toMatchObject({ article: '第二十七条', ground: 'fraud', until: 'permanent', from: '2024-02-01' });
      expect(finding.restsOn.map((r) => r.type)).toEqual(['awarded', 'revoked']);
    });

    it('朝阳 第三十六条: revoked in 2025 (2022 term) → barred from the 2026 term only', () => {
      const award = awarded('chaoyang-mayor', 2022, '2023-01-15', 'silver');
      const facts = [award, revoked(award, '2025-03-01', 'serious-operating-loss')];
      expect(bansOn(facts, 'chaoyang-mayor', 2026)[0]).toMatchObject({ article: '第三十六条', ruleId: 'revoked-next-term', until: '2027-12-31' });
      expect(bansOn(facts, 'chaoyang-mayor', 2028)).toEqual([]);
    });

    it('朝阳 第三十六条: revoked in a term year (2024), the next term is 2026 — see the reading', () => {
      const award = awarded('chaoyang-mayor', 2022, '2023-01-15', 'nomination');
      const facts = [award, revoked(award, '2024-02-01', 'major-accident')];
      expect(bansOn(facts, 'chaoyang-mayor', 2024, '2024-05-01')).toEqual([]);
      const [finding] = bansOn(facts, 'chaoyang-mayor', 2026);
      expect(finding.reading).toMatch(/after the calendar year of the revocation/);
    });

    it('忻州 第二十八条: 3 cycles of 3 years counted from 1 January of the revocation year', () => {
      const award = awarded('xinzhou-mayor', 2021, '2022-03-01', 'nomination');
      const facts = [award, revoked(award, '2023-09-01', 'major-accident')];
      const [finding] = bansOn(facts, 'xinzhou-mayor', 2030, '2031-12-31');
      expect(finding).toMatchObject({ article: '第二十八条', from: '2023-01-01', until: '2031-12-31', ground: 'major-accident' });
      expect(bansOn(facts, 'xinzhou-mayor', 2033, '2032-01-01')).toEqual([]);
    });

    it('瀍河 第二十八条: fraud → 4 years from the revocation date', () => {
      const award = awarded('chanhe-district', 2022, '2022-12-01');
      const facts = [award, revoked(award, '2023-05-10', 'fraud')];
      expect(bansOn(facts, 'chanhe-district', 2026, '2027-05-09')[0]).toMatchObject({ article: '第二十八条', from: '2023-05-10', until: '2027-05-09' });
      expect(bansOn(facts, 'chanhe-district', 2026, '2027-05-10')).toEqual([]);
    });

    it('瀍河 第二十九条: an accident within 2 years of the award → 4 years', () => {
      const award = awarded('chanhe-district', 2022, '2022-12-01');
      const facts = [award, revoked(award, '2024-01-20', 'major-accident-within-2y')];
      expect(bansOn(facts, 'chanhe-district', 2026, '2026-03-01')[0]).toMatchObject({ article: '第二十九条', until: '2028-01-19' });
    });
  });

  describe('at a past moment', () => {
    it('counts only facts dated on or before the as-of date (朝阳 第二十七条)', () => {
      const award = awarded('chaoyang-mayor', 2022, '2023-01-15', 'silver');
      const facts = [award, revoked(award, '2024-08-01', 'fraud')];
      expect(bansOn(facts, 'chaoyang-mayor', 2024, '2024-07-31')).toEqual([]);
      expect(bansOn(facts, 'chaoyang-mayor', 2024, '2024-08-01')).toHaveLength(1);
    });

    it('ignores other programmes’ history (济南 第六条 binds 济南 only)', () => {
      expect(bansOn([awarded('jinan-mayor', 2019, '2019-12-20', 'award')], 'zibo-leader', 2022)).toEqual([]);
    });
  });

  it('takes the rules of the version that governed the decision’s term, not the target’s', () => {
    // A hypothetical later 朝阳 version without the gold ban must not lift a ban earned under 2022.
    const later: ProgrammePolicy = { ...structuredClone(registry.get('chaoyang-mayor', '2022')), version: '2026', bans: [] };
    const resolver = (id: string, version: string) => (version === '2026' ? later : registry.get(id, version));
    const gold = awarded('chaoyang-mayor', 2022, '2023-01-15', 'gold');
    expect(evaluateBans(resolver, [gold], { programmeId: 'chaoyang-mayor', termYear: 2026, date: '2026-06-01' })[0].version).toBe('2022');
    const goldUnderLater = { ...gold, policyVersion: '2026' };
    expect(evaluateBans(resolver, [goldUnderLater], { programmeId: 'chaoyang-mayor', termYear: 2026, date: '2026-06-01' })).toEqual([]);
  });
});
