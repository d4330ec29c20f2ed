import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError, NoPolicyVersionError, NotFoundError } from '../errors.js';
import { builtInPolicyDirectory, defaultPolicyDirectories, PolicyFileError, PolicyRegistry } from './registry.js';

const builtIn = builtInPolicyDirectory();

function readBuiltIn(programmeId: string, version: string): Record<string, any> {
  return JSON.parse(readFileSync(join(builtIn, programmeId, `${version}.json`), 'utf8'));
}

describe('PolicyRegistry', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'policies-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  function writePolicy(dir: string, policy: Record<string, any>, file = `${policy.version}.json`): string {
    mkdirSync(join(dir, policy.programmeId), { recursive: true });
    const path = join(dir, policy.programmeId, file);
    writeFileSync(path, JSON.stringify(policy));
    return path;
  }

  describe('the built-in folder', () => {
    const registry = PolicyRegistry.fromDirectories();

    it('is workflows/policies, found relative to the module', () => {
      expect(builtIn.replace(/\\/g, '/')).toMatch(/workflows\/policies$/);
      expect(PolicyRegistry.builtInDirectory()).toBe(builtIn);
    });

    it('holds the five seed programmes', () => {
      expect(registry.programmes()).toEqual(['chanhe-district', 'chaoyang-mayor', 'jinan-mayor', 'xinzhou-mayor', 'zibo-leader']);
    });

    it('deep-freezes policies', () => {
      const p = registry.get('jinan-mayor', '2018');
      expect(Object.isFrozen(p)).toBe(true);
      expect(Object.isFrozen(p.tiers[0].quota.perKind)).toBe(true);
      expect(() => {
        (p.tiers[0].quota.perKind as Record<string, number>).organisation = 50;
      }).toThrow(TypeError);
    });

    it('refuses unknown programmes and versions with NotFoundError', () => {
      expect(() => registry.versions('beijing-mayor')).toThrow(NotFoundError);
      expect(() => registry.inForce('beijing-mayor', '2022-01-01')).toThrow(NotFoundError);
      expect(() => registry.get('jinan-mayor', '1999')).toThrow(NotFoundError);
    });

    it('refuses a malformed date', () => {
      expect(() => registry.inForce('jinan-mayor', '2019-02-30')).toThrow(InvalidInputError);
    });
  });

  describe('inForce', () => {
    const registry = PolicyRegistry.fromDirectories([builtIn]);

    it('finds the version whose validity contains the date, both ends inclusive', () => {
      // 济南 第三十一条: 2018-12-07 – 2021-12-06
      expect(registry.inForce('jinan-mayor', '2018-12-07').version).toBe('2018');
      expect(registry.inForce('jinan-mayor', '2021-12-06').version).toBe('2018');
      // 淄博 第三十一条: until 2026-10-01
      expect(registry.inForce('zibo-leader', '2026-10-01').version).toBe('2021');
      // 朝阳 第三十八条: no end
      expect(registry.inForce('chaoyang-mayor', '2040-01-01').version).toBe('2022');
    });

    it('refuses a notice date outside every version with NoPolicyVersionError naming programme, date and ranges', () => {
      // 济南 第三十一条: the 2018 version expired on 2021-12-06
      let error: unknown;
      try {
        registry.inForce('jinan-mayor', '2021-12-07');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(NoPolicyVersionError);
      const e = error as NoPolicyVersionError;
      expect(e.code).toBe('NO_POLICY_VERSION');
      expect(e.message).toContain('jinan-mayor');
      expect(e.message).toContain('2021-12-07');
      expect(e.message).toContain('2018: 2018-12-07 – 2021-12-06');
      expect(e.message).toMatch(/Add a version/);
      expect(e.details).toMatchObject({ programme: 'jinan-mayor', date: '2021-12-07', versions: [{ version: '2018', from: '2018-12-07', until: '2021-12-06' }] });
      // 淄博 第三十一条: nothing before 2021-10-01
      expect(() => registry.inForce('zibo-leader', '2021-09-30')).toThrow(NoPolicyVersionError);
    });
  });

  describe('adding data without code changes', () => {
    it('loads a sixth programme from a folder of its own', () => {
      const sixth: Record<string, any> = { ...readBuiltIn('chanhe-district', '2021'), programmeId: 'luoyang-test', version: 'v1', name: '测试区长质量奖' };
      sixth.validity = { from: '2024-01-01', until: '2028-12-31', article: '第一条' };
      writePolicy(tmp, sixth);
      const registry = PolicyRegistry.fromDirectories([builtIn, tmp]);
      expect(registry.programmes()).toHaveLength(6);
      expect(registry.inForce('luoyang-test', '2025-05-05').name).toBe('测试区长质量奖');
    });

    it('loads it from POLICY_DIRS too', () => {
      const dirs = defaultPolicyDirectories({ POLICY_DIRS: `${tmp},` });
      expect(dirs).toEqual([builtIn, tmp]);
      expect(defaultPolicyDirectories({})).toEqual([builtIn]);
    });

    it('supports several versions per programme and picks by date', () => {
      const next: Record<string, any> = { ...readBuiltIn('jinan-mayor', '2018'), version: '2021' };
      next.validity = { from: '2021-12-07', until: null, article: '第三十一条' };
      writePolicy(tmp, next);
      const registry = PolicyRegistry.fromDirectories([builtIn, tmp]);
      expect(registry.versions('jinan-mayor').map((p) => p.version)).toEqual(['2018', '2021']);
      expect(registry.inForce('jinan-mayor', '2021-12-06').version).toBe('2018');
      expect(registry.inForce('jinan-mayor', '2021-12-07').version).toBe('2021');
      expect(registry.get('jinan-mayor', '2018').validity.until).toBe('2021-12-06');
    });
  });

  describe('validation on load', () => {
    function loadError(): PolicyFileError {
      try {
        PolicyRegistry.fromDirectories([tmp]);
      } catch (e) {
        if (e instanceof PolicyFileError) return e;
        throw e;
      }
      throw new Error('expected a PolicyFileError');
    }

    it('refuses overlapping validity ranges of one programme', () => {
      const next: Record<string, any> = { ...readBuiltIn('jinan-mayor', '2018'), version: '2021' };
      next.validity = { from: '2021-12-06', until: null, article: '第三十一条' };
      writePolicy(tmp, readBuiltIn('jinan-mayor', '2018'));
      writePolicy(tmp, next);
      const e = loadError();
      expect(e.message).toContain('jinan-mayor/2021.json');
      expect(e.message).toMatch(/validity: overlaps version 2018/);
    });

    it('refuses an open-ended version followed by a later one', () => {
      const later: Record<string, any> = { ...readBuiltIn('chaoyang-mayor', '2022'), version: '2030' };
      later.validity = { from: '2030-01-01', until: null, article: '第一条' };
      writePolicy(tmp, readBuiltIn('chaoyang-mayor', '2022'));
      writePolicy(tmp, later);
      expect(loadError().message).toMatch(/overlaps version 2022: 2022-04-29 – open-ended/);
    });

    it('refuses the same version defined in two folders', () => {
      const other = mkdtempSync(join(tmpdir(), 'policies-'));
      try {
        writePolicy(tmp, readBuiltIn('zibo-leader', '2021'));
        writePolicy(other, readBuiltIn('zibo-leader', '2021'));
        expect(() => PolicyRegistry.fromDirectories([tmp, other])).toThrow(/zibo-leader\/2021 is already defined/);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    });

    it('names the file and every bad field', () => {
      const bad = readBuiltIn('chaoyang-mayor', '2022');
      delete bad.tiers[0].article;
      bad.validity.from = '2022-02-30';
      bad.applicantKinds.kinds = ['organisation', 'robot'];
      bad.cycle.years = 0;
      bad.bans[0].tiers = ['platinum'];
      const file = writePolicy(tmp, bad);
      const e = loadError();
      expect(e.file).toBe(file);
      expect(e.message).toContain(file);
      expect(e.problems).toEqual(
        expect.arrayContaining([
          'tiers[0].article: expected a non-empty string',
          'validity.from: expected a date YYYY-MM-DD, got "2022-02-30"',
          'applicantKinds.kinds[1]: expected one of organisation, individual, got "robot"',
          'cycle.years: expected an integer >= 1',
          'bans[0].tiers[0]: expected one of gold, silver, nomination, got "platinum"',
        ]),
      );
    });

    it('requires the file to sit at <programmeId>/<version>.json', () => {
      writePolicy(tmp, readBuiltIn('chanhe-district', '2021'), '2020.json');
      expect(loadError().problems).toEqual(['version: is "2021" but the file name says "2020"']);
    });

    it('requires publicity stages to match the publicity rounds', () => {
      const bad = readBuiltIn('xinzhou-mayor', '2021');
      bad.stages = bad.stages.filter((s: { id: string; round?: number }) => !(s.id === 'publicity' && s.round === 2));
      writePolicy(tmp, bad);
      expect(loadError().problems).toEqual(['stages: publicity stages carry rounds [1] but publicity defines rounds [1, 2]']);
    });

    it('refuses scoring categories that do not map onto the seven stored GB/T 19580 fields (瀍河 第十三条, 朝阳 第五条)', () => {
      const bad = readBuiltIn('chaoyang-mayor', '2022');
      bad.scoring.categories[6] = { id: 'business-results', name: '经营结果', points: 400 };
      writePolicy(tmp, bad);
      expect(loadError().problems).toEqual([
        expect.stringMatching(/^scoring\.categories\[6\]\.id: expected one of leadership, .*results, got "business-results"$/),
        'scoring.categories: missing results (the seven stored score fields)',
      ]);
    });

    it('refuses a scoring.categories that names fewer than the seven categories', () => {
      const bad = readBuiltIn('chanhe-district', '2021');
      bad.scoring.categories = bad.scoring.categories.slice(0, 6);
      bad.scoring.maxScore = 600;
      writePolicy(tmp, bad);
      expect(loadError().problems).toEqual(['scoring.categories: missing results (the seven stored score fields)']);
    });

    it('refuses an objection handler no role can act as (朝阳 第二十一条 names the office, 忻州 第二十七条 the supervision group)', () => {
      const bad = readBuiltIn('chaoyang-mayor', '2022');
      bad.objections.handledBy = 'admin';
      writePolicy(tmp, bad);
      expect(loadError().problems).toEqual([expect.stringMatching(/^objections\.handledBy: expected one of office, supervisor, got "admin"$/)]);
    });

    it('refuses files that are not JSON', () => {
      mkdirSync(join(tmp, 'broken'));
      writeFileSync(join(tmp, 'broken', '1.json'), '{ nope');
      expect(loadError().problems[0]).toMatch(/^not valid JSON/);
    });
  });
});
