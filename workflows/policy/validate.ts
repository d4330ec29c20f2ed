import { type Obj, Checker } from './validate-checker.js';
import type { ProgrammePolicy, StageId } from './policy.types.js';

/**
 * Hand-written validation of one policy file. A wrong policy file is an operator's mistake found
 * at start-up, so every problem is listed at once, each with its field path.
 */

export class PolicyFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid policy file ${file}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'PolicyFileError';
  }
}

const KINDS = ['organisation', 'individual'];
const CHANNELS = ['county', 'industry', 'direct'];
const DAY_UNITS = ['working', 'calendar'];
const STAGES: StageId[] = [
  'recommendation',
  'qualification-review',
  'opinion-survey',
  'department-opinions',
  'materials-review',
  'shortlist',
  'on-site-review',
  'oral-defence',
  'candidate',
  'proposed',
  'publicity',
  'approval',
];
/** Reserved for the programme-wide rows of the quota table. */
export const ALL_TIERS = '*';

/**
 * The GB/T 19580 categories a policy's `scoring.categories` must name, each exactly once, and the
 * field of the stored CategoryScores (application/events.ts) each maps onto. Stored events keep
 * these seven fields, so a policy with other categories could not be scored: it is refused at load.
 */
export const SCORING_CATEGORY_FIELDS = Object.freeze({
  leadership: 'leadership',
  strategy: 'strategy',
  'customers-and-market': 'customersAndMarket',
  resources: 'resources',
  'process-management': 'processManagement',
  'measurement-analysis-improvement': 'measurementAnalysisImprovement',
  results: 'results',
} as const);

/**
 * Checks a parsed file against the ProgrammePolicy contract. `expected` is what the file's place
 * (<programmeId>/<version>.json) says it must contain.
 */
export function validatePolicy(raw: unknown, file: string, expected?: { programmeId: string; version: string }): ProgrammePolicy {
  const c = new Checker();
  const p = c.obj(raw, '(root)');
  if (!p) throw new PolicyFileError(file, c.problems);

  if (c.str(p.programmeId, 'programmeId') && expected && p.programmeId !== expected.programmeId)
    c.fail('programmeId', `is ${JSON.stringify(p.programmeId)} but the folder says ${JSON.stringify(expected.programmeId)}`);
  if (c.str(p.version, 'version') && expected && p.version !== expected.version)
    c.fail('version', `is ${JSON.stringify(p.version)} but the file name says ${JSON.stringify(expected.version)}`);
  c.str(p.name, 'name');
  c.str(p.nameEn, 'nameEn');
  c.str(p.issuer, 'issuer');

  const reg = c.obj(p.regulation, 'regulation');
  if (reg) {
    c.str(reg.title, 'regulation.title');
    c.date(reg.issuedOn, 'regulation.issuedOn');
    c.optStr(reg.documentNo, 'regulation.documentNo');
    c.optStr(reg.repeals, 'regulation.repeals');
    c.optStr(reg.reading, 'regulation.reading');
  }

  const validity = c.cited(p.validity, 'validity');
  if (validity) {
    const fromOk = c.date(validity.from, 'validity.from');
    if (validity.until !== null && c.date(validity.until, 'validity.until') && fromOk && (validity.until as string) < (validity.from as string))
      c.fail('validity.until', 'is before validity.from');
  }
  if (p.notice !== undefined) c.cited(p.notice, 'notice');

  const cycle = c.cited(p.cycle, 'cycle');
  if (cycle) c.int(cycle.years, 'cycle.years', 1);

  const applicantKinds = c.cited(p.applicantKinds, 'applicantKinds');
  const kinds = applicantKinds ? c.list(applicantKinds.kinds, KINDS, 'applicantKinds.kinds') : [];

  const channels = c.cited(p.channels, 'channels');
  if (channels) {
    c.list(channels.kinds, CHANNELS, 'channels.kinds');
    c.bool(channels.oneChannelOnly, 'channels.oneChannelOnly');
  }

  const tiers = c.arr(p.tiers, 'tiers');
  if (tiers.length === 0) c.fail('tiers', 'expected at least one tier');
  c.uniqueIds(tiers, 'id', 'tiers');
  tiers.forEach((t, i) => validateTier(c, t, `tiers[${i}]`, kinds));
  const tierIds = tiers.map((t) => (t as Obj | null)?.id).filter((id): id is string => typeof id === 'string');

  if (p.totalQuota !== undefined) {
    const tq = c.cited(p.totalQuota, 'totalQuota');
    if (tq) {
      c.int(tq.total, 'totalQuota.total', 1);
      if (tq.perKind !== undefined) validatePerKind(c, tq.perKind, 'totalQuota.perKind', kinds);
    }
  }
  c.cited(p.vacanciesAllowed, 'vacanciesAllowed');
  if (p.internalPublicity !== undefined) {
    const ip = c.cited(p.internalPublicity, 'internalPublicity');
    if (ip) {
      c.int(ip.days, 'internalPublicity.days', 1);
      c.oneOf(ip.unit, DAY_UNITS, 'internalPublicity.unit');
      c.bool(ip.minimum, 'internalPublicity.minimum');
    }
  }

  validateEligibility(c, p.eligibility, kinds);
  const publicityRounds = validatePublicity(c, p.publicity);
  validateStages(c, p.stages, publicityRounds);

  const scoring = c.cited(p.scoring, 'scoring');
  if (scoring) {
    c.str(scoring.standard, 'scoring.standard');
    c.int(scoring.maxScore, 'scoring.maxScore', 1);
    if (scoring.categories !== undefined) {
      const cats = c.arr(scoring.categories, 'scoring.categories');
      c.uniqueIds(cats, 'id', 'scoring.categories');
      let sum = 0;
      cats.forEach((cat, i) => {
        const o = c.obj(cat, `scoring.categories[${i}]`);
        if (!o) return;
        c.str(o.id, `scoring.categories[${i}].id`);
        c.str(o.name, `scoring.categories[${i}].name`);
        if (c.int(o.points, `scoring.categories[${i}].points`, 1)) sum += o.points;
      });
      if (cats.length > 0 && sum !== scoring.maxScore) c.fail('scoring.categories', `points add up to ${sum}, not maxScore ${String(scoring.maxScore)}`);
      const ids = cats.map((cat) => (cat as Obj | null)?.id);
      const known = Object.keys(SCORING_CATEGORY_FIELDS);
      ids.forEach((id, i) => {
        if (typeof id === 'string' && !known.includes(id)) c.fail(`scoring.categories[${i}].id`, `expected one of ${known.join(', ')}, got ${JSON.stringify(id)}`);
      });
      const missing = known.filter((id) => !ids.includes(id));
      if (missing.length > 0) c.fail('scoring.categories', `missing ${missing.join(', ')} (the seven stored score fields)`);
    }
  }

  validateObjections(c, p.objections);
  const groundCodes = validateRevocation(c, p.revocation, kinds);
  validateBans(c, p.bans, tierIds, groundCodes);

  if (p.postAward !== undefined) {
    const pa = c.obj(p.postAward, 'postAward');
    if (pa?.annualReports !== undefined) {
      const ar = c.cited(pa.annualReports, 'postAward.annualReports');
      if (ar) c.int(ar.years, 'postAward.annualReports.years', 1);
    }
  }
  if (p.supervision !== undefined) {
    const s = c.cited(p.supervision, 'supervision');
    if (s) {
      c.bool(s.endsWithTerm, 'supervision.endsWithTerm');
      c.optStr(s.minRotation, 'supervision.minRotation');
    }
  }
  c.cited(p.noFees, 'noFees');
  if (p.notes !== undefined)
    c.arr(p.notes, 'notes').forEach((n, i) => {
      const o = c.cited(n, `notes[${i}]`);
      if (o) {
        c.str(o.topic, `notes[${i}].topic`);
        c.str(o.reading, `notes[${i}].reading`);
      }
    });

  if (c.problems.length > 0) throw new PolicyFileError(file, c.problems);
  return raw as ProgrammePolicy;
}

function validatePerKind(c: Checker, v: unknown, path: string, kinds: string[]): void {
  const o = c.obj(v, path);
  if (!o) return;
  for (const [kind, limit] of Object.entries(o)) {
    if (!kinds.includes(kind)) c.fail(`${path}.${kind}`, `kind is not in applicantKinds.kinds`);
    c.int(limit, `${path}.${kind}`, 0);
  }
}

function validateTier(c: Checker, v: unknown, path: string, kinds: string[]): void {
  const t = c.cited(v, path);
  if (!t) return;
  if (c.str(t.id, `${path}.id`) && t.id === ALL_TIERS) c.fail(`${path}.id`, `'${ALL_TIERS}' is reserved`);
  c.str(t.name, `${path}.name`);
  const quota = c.obj(t.quota, `${path}.quota`);
  if (quota) {
    if (quota.total !== undefined) c.int(quota.total, `${path}.quota.total`, 0);
    if (quota.perKind !== undefined) validatePerKind(c, quota.perKind, `${path}.quota.perKind`, kinds);
    if (quota.total === undefined && quota.perKind === undefined) c.fail(`${path}.quota`, 'expected total or perKind');
  }
  const prize = c.obj(t.prize, `${path}.prize`);
  if (prize) {
    for (const [key, value] of Object.entries(prize)) {
      if (key === 'article' || key === 'reading') c.str(value, `${path}.prize.${key}`);
      else if (!kinds.includes(key)) c.fail(`${path}.prize.${key}`, 'kind is not in applicantKinds.kinds');
      else if (value !== null) c.int(value, `${path}.prize.${key}`, 0);
    }
  }
}

function validateEligibility(c: Checker, v: unknown, kinds: string[]): void {
  const e = c.obj(v, 'eligibility');
  if (!e) return;
  if (e.organisation !== undefined) {
    const o = c.obj(e.organisation, 'eligibility.organisation');
    if (o) {
      c.int(o.minOperatingYears, 'eligibility.organisation.minOperatingYears');
      c.str(o.article, 'eligibility.organisation.article');
      if (o.fourNewFieldMinYears !== undefined) {
        c.int(o.fourNewFieldMinYears, 'eligibility.organisation.fourNewFieldMinYears');
        c.str(o.fourNewArticle, 'eligibility.organisation.fourNewArticle');
      }
      if (o.waivableBy !== undefined) {
        c.oneOf(o.waivableBy, ['leading-group'], 'eligibility.organisation.waivableBy');
        c.str(o.waiverArticle, 'eligibility.organisation.waiverArticle');
      }
      c.optStr(o.reading, 'eligibility.organisation.reading');
    }
  }
  if (e.individual !== undefined) {
    const i = c.obj(e.individual, 'eligibility.individual');
    if (i) {
      c.int(i.minQualityWorkYears, 'eligibility.individual.minQualityWorkYears');
      c.str(i.article, 'eligibility.individual.article');
      c.optStr(i.reading, 'eligibility.individual.reading');
    }
  }
  const exclusions = c.arr(e.exclusions, 'eligibility.exclusions');
  c.uniqueIds(exclusions, 'code', 'eligibility.exclusions');
  exclusions.forEach((x, i) => {
    const path = `eligibility.exclusions[${i}]`;
    const o = c.cited(x, path);
    if (!o) return;
    c.str(o.code, `${path}.code`);
    c.str(o.description, `${path}.description`);
    c.int(o.lookbackYears, `${path}.lookbackYears`);
    const applies = c.list(o.appliesTo, KINDS, `${path}.appliesTo`);
    applies.filter((k) => !kinds.includes(k)).forEach((k) => c.fail(`${path}.appliesTo`, `${k} is not in applicantKinds.kinds`));
  });
}

function validatePublicity(c: Checker, v: unknown): number[] {
  const rounds = c.arr(v, 'publicity');
  if (rounds.length === 0) c.fail('publicity', 'expected at least one round');
  rounds.forEach((r, i) => {
    const path = `publicity[${i}]`;
    const o = c.cited(r, path);
    if (!o) return;
    if (o.round !== i + 1) c.fail(`${path}.round`, `expected ${i + 1} (rounds are numbered 1.. in order)`);
    c.oneOf(o.list, ['candidate', 'proposed'], `${path}.list`);
    c.int(o.days, `${path}.days`, 1);
    c.oneOf(o.unit, DAY_UNITS, `${path}.unit`);
    c.bool(o.minimum, `${path}.minimum`);
    c.optStr(o.where, `${path}.where`);
  });
  return rounds.map((r) => (r as Obj | null)?.round).filter((n): n is number => typeof n === 'number');
}

function validateStages(c: Checker, v: unknown, publicityRounds: number[]): void {
  const stages = c.arr(v, 'stages');
  if (stages.length === 0) c.fail('stages', 'expected at least one stage');
  const seen = new Set<string>();
  const rounds: number[] = [];
  stages.forEach((s, i) => {
    const path = `stages[${i}]`;
    const o = c.cited(s, path);
    if (!o) return;
    c.oneOf(o.id, STAGES, `${path}.id`);
    if (o.id === 'publicity') {
      if (c.int(o.round, `${path}.round`, 1)) rounds.push(o.round);
      return;
    }
    if (o.round !== undefined) c.fail(`${path}.round`, 'only publicity stages carry a round');
    if (seen.has(o.id as string)) c.fail(`${path}.id`, `duplicate stage ${JSON.stringify(o.id)}`);
    seen.add(o.id as string);
  });
  if (rounds.join(',') !== publicityRounds.join(','))
    c.fail('stages', `publicity stages carry rounds [${rounds.join(', ')}] but publicity defines rounds [${publicityRounds.join(', ')}]`);
  const approval = stages.findIndex((s) => (s as Obj | null)?.id === 'approval');
  if (approval !== -1 && approval !== stages.length - 1) c.fail('stages', "'approval' must be the last stage");
}

function validateObjections(c: Checker, v: unknown): void {
  const o = c.cited(v, 'objections');
  if (!o) return;
  for (const key of ['anonymousAllowed', 'realIdentityRequired', 'writtenEvidenceRequired', 'lateRefused']) c.bool(o[key], `objections.${key}`);
  if (o.anonymousAllowed === true && o.realIdentityRequired === true)
    c.fail('objections.anonymousAllowed', 'cannot be true while realIdentityRequired is true');
  // The roles that may handle objections (objections.controller.ts): operations (admin) and
  // auditors neither handle them nor see who raised them, so a policy naming one could never have
  // an objection recorded.
  c.oneOf(o.handledBy, ['office', 'supervisor'], 'objections.handledBy');
  c.str(o.confidentialityArticle, 'objections.confidentialityArticle');
  if (o.defaultDeadlines !== undefined) {
    const d = c.obj(o.defaultDeadlines, 'objections.defaultDeadlines');
    if (d) {
      for (const key of ['recommender', 'applicant', 'objector']) c.int(d[key], `objections.defaultDeadlines.${key}`, 1);
      c.oneOf(d.unit, DAY_UNITS, 'objections.defaultDeadlines.unit');
      c.str(d.article, 'objections.defaultDeadlines.article');
    }
  }
  if (o.decidedBy !== undefined) {
    const d = c.obj(o.decidedBy, 'objections.decidedBy');
    if (d) {
      c.oneOf(d.body, ['office', 'leading-group', 'committee', 'supervisor'], 'objections.decidedBy.body');
      c.str(d.article, 'objections.decidedBy.article');
    }
  }
}

function validateRevocation(c: Checker, v: unknown, kinds: string[]): string[] {
  const r = c.cited(v, 'revocation');
  if (!r) return [];
  const grounds = c.arr(r.grounds, 'revocation.grounds');
  c.uniqueIds(grounds, 'code', 'revocation.grounds');
  grounds.forEach((g, i) => {
    const path = `revocation.grounds[${i}]`;
    const o = c.cited(g, path);
    if (!o) return;
    c.str(o.code, `${path}.code`);
    c.str(o.description, `${path}.description`);
    const applies = c.list(o.appliesTo, KINDS, `${path}.appliesTo`);
    applies.filter((k) => !kinds.includes(k)).forEach((k) => c.fail(`${path}.appliesTo`, `${k} is not in applicantKinds.kinds`));
    c.arr(o.recovers, `${path}.recovers`).forEach((x, j) => c.str(x, `${path}.recovers[${j}]`));
    if (o.windowYears !== undefined) c.int(o.windowYears, `${path}.windowYears`, 1);
    c.bool(o.publicNotice, `${path}.publicNotice`);
  });
  return grounds.map((g) => (g as Obj | null)?.code).filter((x): x is string => typeof x === 'string');
}

function validateBans(c: Checker, v: unknown, tierIds: string[], groundCodes: string[]): void {
  const bans = c.arr(v, 'bans');
  c.uniqueIds(bans, 'id', 'bans');
  bans.forEach((b, i) => {
    const path = `bans[${i}]`;
    const o = c.cited(b, path);
    if (!o) return;
    c.str(o.id, `${path}.id`);
    c.str(o.description, `${path}.description`);
    const d = c.obj(o.duration, `${path}.duration`);
    if (d) {
      c.oneOf(d.unit, ['permanent', 'terms', 'years', 'cycles-from-year'], `${path}.duration.unit`);
      if (d.unit !== 'permanent') c.int(d.count, `${path}.duration.count`, 1);
    }
    if (o.trigger === 'awarded') c.list(o.tiers, tierIds, `${path}.tiers`);
    else if (o.trigger === 'revoked') {
      if (o.grounds !== 'any') c.list(o.grounds, groundCodes, `${path}.grounds`);
    } else c.fail(`${path}.trigger`, "expected 'awarded' or 'revoked'");
  });
}
