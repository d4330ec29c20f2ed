import { addYears, endOfYear, previousDay, startOfYear, yearOf } from './dates.js';
import type { BanRule, ProgrammePolicy } from './policy.types.js';

/** One fact of an applicant's own history, as the ban projection and the submission see it. */
export interface ApplicantFact {
  type: 'applied' | 'awarded' | 'revoked';
  programmeId: string;
  /** Version that governed the term of the application (fixed when the term was noticed). */
  policyVersion: string;
  termId: string;
  /** Year of that term (the awarded term, also for a revocation). */
  termYear: number;
  applicationId: string;
  /** Business date of the fact: submission, award or revocation. */
  date: string;
  tier?: string;
  /** Revocation ground code. */
  ground?: string;
  awardedOn?: string;
}

export interface BanFinding {
  programme: string;
  version: string;
  article: string;
  ruleId: string;
  description: string;
  ground?: string;
  /** Date of the decision the ban rests on (or 1 January of its year, 忻州 第二十八条). */
  from: string;
  /** Last day of the ban, inclusive. For term bans: 31 December before the first open term's year. */
  until: string | 'permanent';
  restsOn: Array<{ applicationId: string; termId: string; type: ApplicantFact['type']; date: string }>;
  reading?: string;
}

export interface BanTarget {
  programmeId: string;
  /** Year of the term applied for (or asked about). */
  termYear: number;
  /** As-of date: only facts dated on or before it count, so past questions get past answers. */
  date: string;
}

/**
 * Re-application bans on `target` from the applicant's own history. Each rule is read from the
 * policy version that governed the term of the decision (the fact's `policyVersion`), not the
 * version in force for the target: a ban is a consequence of the decision under the rules it was
 * taken by. Used both at submission and by the ban read model, so both agree by construction.
 * An empty answer means allowed.
 */
export function evaluateBans(
  resolvePolicy: (programmeId: string, version: string) => ProgrammePolicy,
  facts: ApplicantFact[],
  target: BanTarget,
): BanFinding[] {
  const known = facts.filter((f) => f.programmeId === target.programmeId && f.date <= target.date);
  const findings: BanFinding[] = [];
  for (const fact of known) {
    if (fact.type === 'applied') continue;
    const policy = resolvePolicy(fact.programmeId, fact.policyVersion);
    for (const rule of policy.bans) {
      if (!triggeredBy(rule, fact, policy)) continue;
      const window = banWindow(rule, fact, policy.cycle.years);
      if (!window.covers(target)) continue;
      const award = fact.type === 'revoked' ? known.find((f) => f.type === 'awarded' && f.applicationId === fact.applicationId) : undefined;
      findings.push({
        programme: policy.programmeId,
        version: policy.version,
        article: rule.article,
        ruleId: rule.id,
        description: rule.description,
        ...(fact.ground !== undefined && fact.type === 'revoked' ? { ground: fact.ground } : {}),
        from: window.from,
        until: window.until,
        restsOn: [...(award ? [award] : []), fact].map(({ applicationId, termId, type, date }) => ({ applicationId, termId, type, date })),
        ...(rule.reading !== undefined ? { reading: rule.reading } : {}),
      });
    }
  }
  return findings.sort((a, b) => cmp(a.from, b.from) || cmp(a.ruleId, b.ruleId) || cmp(a.restsOn[0].applicationId, b.restsOn[0].applicationId));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function triggeredBy(rule: BanRule, fact: ApplicantFact, policy: ProgrammePolicy): boolean {
  if (rule.trigger === 'awarded') {
    if (fact.type !== 'awarded') return false;
    // A single-tier programme need not name the tier on its facts.
    const tier = fact.tier ?? (policy.tiers.length === 1 ? policy.tiers[0].id : undefined);
    return tier !== undefined && rule.tiers.includes(tier);
  }
  if (fact.type !== 'revoked') return false;
  return rule.grounds === 'any' || (fact.ground !== undefined && rule.grounds.includes(fact.ground));
}

interface BanWindow {
  from: string;
  until: string | 'permanent';
  covers(target: BanTarget): boolean;
}

function banWindow(rule: BanRule, fact: ApplicantFact, cycleYears: number): BanWindow {
  const d = rule.duration;
  switch (d.unit) {
    case 'permanent':
      // 济南 第六条 (award winners never again), 朝阳 第二十七条 (fraud: 终身不得再次申报).
      return { from: fact.date, until: 'permanent', covers: () => true };
    case 'years': {
      // 瀍河 第二十八、二十九条 "4年内": from the revocation date to the day before its 4th anniversary.
      const until = previousDay(addYears(fact.date, d.count));
      return { from: fact.date, until, covers: (t) => fact.date <= t.date && t.date <= until };
    }
    case 'cycles-from-year': {
      // 忻州 第二十八条 "自撤销奖项当年起，3个评选周期内": from 1 January of that year.
      const year = yearOf(fact.date);
      const from = startOfYear(year);
      const until = endOfYear(year + d.count * cycleYears - 1);
      return { from, until, covers: (t) => from <= t.date && t.date <= until };
    }
    case 'terms': {
      // 忻州 第十二条 (two terms after an award), 朝阳 第十五条 (gold: 两届之后), 朝阳 第三十六条 (下一届).
      // The terms after the one the decision belongs to. An award belongs to its own term; a
      // revocation to the latest term of the schedule (award term + k × cycle) not after the
      // revocation's year (朝阳 第三十六条 下一届, see the rule's reading).
      const decisionTerm = fact.type === 'revoked' ? currentTermYear(fact.termYear, yearOf(fact.date), cycleYears) : fact.termYear;
      const firstOpen = decisionTerm + (d.count + 1) * cycleYears;
      return {
        from: fact.date,
        until: endOfYear(firstOpen - 1),
        covers: (t) => decisionTerm < t.termYear && t.termYear < firstOpen,
      };
    }
    default: {
      const _exhaustive: never = d;
      return _exhaustive;
    }
  }
}

/** Latest term year of the schedule anchored at `anchorYear` that is not after `year`. */
function currentTermYear(anchorYear: number, year: number, cycleYears: number): number {
  if (year <= anchorYear) return anchorYear;
  return anchorYear + Math.floor((year - anchorYear) / cycleYears) * cycleYears;
}
