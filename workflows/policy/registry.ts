import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidInputError, NoPolicyVersionError, NotFoundError } from '../errors.js';
import { isIsoDate } from './dates.js';
import type { ProgrammePolicy } from './policy.types.js';
import { PolicyFileError, validatePolicy } from './validate.js';

export { PolicyFileError } from './validate.js';

const MODULE_DIR = dirname(fileURLToPath(import.meta.url));

/**
 * The policies shipped with the code (workflows/policies). From source (jest, ts) this module
 * sits in workflows/policy, so it is ../policies. Compiled, it runs from dist/workflows/policy,
 * where tsc copies no JSON, so we fall back to the project root's workflows/policies
 * (three levels up from dist/workflows/policy).
 */
export function builtInPolicyDirectory(): string {
  const candidates = [resolve(MODULE_DIR, '../policies'), resolve(MODULE_DIR, '../../../workflows/policies')];
  const found = candidates.find((dir) => existsSync(dir) && statSync(dir).isDirectory());
  if (!found) throw new Error(`Built-in policy folder not found; looked in ${candidates.join(', ')}`);
  return found;
}

/**
 * The built-in folder plus the folders a deployment lists in POLICY_DIRS (separated by the
 * platform's path delimiter, ':' on Linux, or by commas).
 */
export function defaultPolicyDirectories(env: Record<string, string | undefined> = process.env): string[] {
  const extra = (env.POLICY_DIRS ?? '')
    .split(new RegExp(`[${delimiter === ';' ? ';' : ':'},]`))
    .map((d) => d.trim())
    .filter((d) => d !== '');
  return [builtInPolicyDirectory(), ...extra.map((d) => resolve(d))];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function describeRange(p: ProgrammePolicy): string {
  return `${p.version}: ${p.validity.from} – ${p.validity.until ?? 'open-ended'}`;
}

/** Validated, deep-frozen programme policies, by programme and version. */
export class PolicyRegistry {
  /** Per programme, versions sorted by validity.from. */
  private readonly byProgramme: ReadonlyMap<string, readonly ProgrammePolicy[]>;

  constructor(policies: ProgrammePolicy[]) {
    const map = new Map<string, ProgrammePolicy[]>();
    for (const p of policies) map.set(p.programmeId, [...(map.get(p.programmeId) ?? []), deepFreeze(p)]);
    for (const [id, versions] of map) {
      versions.sort((a, b) => (a.validity.from < b.validity.from ? -1 : a.validity.from > b.validity.from ? 1 : 0));
      PolicyRegistry.checkVersions(id, versions);
    }
    this.byProgramme = map;
  }

  /** Same as builtInPolicyDirectory(), for callers holding only the class. */
  static builtInDirectory(): string {
    return builtInPolicyDirectory();
  }

  /**
   * Reads <dir>/<programmeId>/<version>.json from exactly the folders given (synchronously, at
   * start-up). Without an argument: the built-in folder plus POLICY_DIRS.
   */
  static fromDirectories(dirs: string[] = defaultPolicyDirectories()): PolicyRegistry {
    const policies: ProgrammePolicy[] = [];
    const origin = new Map<string, string>();
    for (const dir of dirs) {
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`Policy folder not found: ${dir}`);
      for (const programmeId of readdirSync(dir).sort()) {
        const programmeDir = join(dir, programmeId);
        if (!statSync(programmeDir).isDirectory()) continue;
        for (const name of readdirSync(programmeDir).sort()) {
          if (!name.endsWith('.json')) continue;
          const file = join(programmeDir, name);
          const version = name.slice(0, -'.json'.length);
          let raw: unknown;
          try {
            raw = JSON.parse(readFileSync(file, 'utf8'));
          } catch (e) {
            throw new PolicyFileError(file, [`not valid JSON: ${(e as Error).message}`]);
          }
          const policy = validatePolicy(raw, file, { programmeId, version });
          const key = `${programmeId}/${version}`;
          const earlier = origin.get(key);
          if (earlier) throw new PolicyFileError(file, [`version: ${key} is already defined in ${earlier}`]);
          origin.set(key, file);
          policies.push(policy);
        }
      }
    }
    return new PolicyRegistry(policies);
  }

  /** Versions of one programme must not overlap in time; only the latest may be open-ended. */
  private static checkVersions(programmeId: string, versions: ProgrammePolicy[]): void {
    for (let i = 1; i < versions.length; i++) {
      const prev = versions[i - 1];
      const next = versions[i];
      if (prev.validity.until === null || prev.validity.until >= next.validity.from)
        throw new PolicyFileError(`${programmeId}/${next.version}.json`, [
          `validity: overlaps version ${describeRange(prev)} (this one is ${describeRange(next)}); end the earlier version the day before`,
        ]);
    }
  }

  programmes(): string[] {
    return [...this.byProgramme.keys()].sort();
  }

  /** All versions of a programme, oldest first. */
  versions(programmeId: string): readonly ProgrammePolicy[] {
    const versions = this.byProgramme.get(programmeId);
    if (!versions) throw new NotFoundError(`Unknown programme '${programmeId}'`, { programme: programmeId, known: this.programmes() });
    return versions;
  }

  get(programmeId: string, version: string): ProgrammePolicy {
    const policy = this.versions(programmeId).find((p) => p.version === version);
    if (!policy)
      throw new NotFoundError(`Programme '${programmeId}' has no policy version '${version}'`, {
        programme: programmeId,
        version,
        known: this.versions(programmeId).map((p) => p.version),
      });
    return policy;
  }

  /**
   * The version whose validity contains `date` (a term's notice date), inclusive at both ends
   * (淄博 第三十一条, 济南 第三十一条, 忻州 第三十三、三十四条, 瀍河 第三十条, 朝阳 第三十八条).
   */
  inForce(programmeId: string, date: string): ProgrammePolicy {
    if (!isIsoDate(date)) throw new InvalidInputError(`Not a date (YYYY-MM-DD): ${JSON.stringify(date)}`, 'date');
    const versions = this.versions(programmeId);
    const policy = versions.find((p) => p.validity.from <= date && (p.validity.until === null || date <= p.validity.until));
    if (policy) return policy;
    const ranges = versions.map(describeRange);
    throw new NoPolicyVersionError(
      `No policy version of '${programmeId}' is in force on ${date} (known: ${ranges.join('; ')}). ` +
        `Add a version file workflows/policies/${programmeId}/<version>.json (or in a POLICY_DIRS folder) whose validity covers ${date}.`,
      {
        programme: programmeId,
        date,
        versions: versions.map((p) => ({ version: p.version, from: p.validity.from, until: p.validity.until })),
      },
    );
  }
}
