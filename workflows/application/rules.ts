/**
 * Regulation checks shared by the statechart's guards (so a corrupt history is refused on replay)
 * and the deciders (which refuse a command with the article). Each returns null when allowed.
 */
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { RuleViolationError } from '../errors.js';
import { addDays, parseLocalDate, yearOf } from '../calendar/local-date.js';
import type { ApplicationContext } from './context.js';
import type { Objector } from './events.js';

export interface Refusal {
  message: string;
  article: string;
  field?: string;
}

export function toRuleViolation(policy: ProgrammePolicy, refusal: Refusal): RuleViolationError {
  return new RuleViolationError(
    refusal.message,
    { programme: policy.programmeId, version: policy.version, article: refusal.article },
    refusal.field,
  );
}

/** Who may object and how (朝阳 第二十条: real identity and written evidence, never anonymous or late). */
export function objectionRefusal(
  policy: ProgrammePolicy,
  objection: { objector: Objector; evidenceProvided: boolean; withinPublicity: boolean },
): Refusal | null {
  const rules = policy.objections;
  const { objector } = objection;
  if (objector.anonymous && !rules.anonymousAllowed) {
    return { message: 'Anonymous objections are not accepted', article: rules.article, field: 'objector.anonymous' };
  }
  if (rules.realIdentityRequired && (objector.anonymous || !objector.name?.trim())) {
    return { message: 'An objection must give the objector’s real identity', article: rules.article, field: 'objector.name' };
  }
  if (rules.writtenEvidenceRequired && !objection.evidenceProvided) {
    return { message: 'An objection must come with written evidence', article: rules.article, field: 'evidenceProvided' };
  }
  if (rules.lateRefused && !objection.withinPublicity) {
    return { message: 'Objections after the publicity period are not accepted', article: rules.article, field: 'receivedOn' };
  }
  return null;
}

/** Same month and day `years` later; 29 February falls back to 28 February. */
export function addYears(date: string, years: number): string {
  const p = parseLocalDate(date);
  if (!p) throw new RangeError(`Not a calendar date: ${date}`);
  const year = p.year + years;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const day = p.month === 2 && p.day === 29 && !leap ? 28 : p.day;
  return `${year}-${String(p.month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * 瀍河 第二十四条 "获奖后3年内，每年": the `report`-th report (1-based) is due by the
 * `report`-th anniversary of the award decision (inclusive). Reading: a year of performance after
 * each anniversary of the decision; the filing's `year` label is left to the office.
 */
export function annualReportDueDate(decisionDate: string, report: number): string {
  return addYears(decisionDate, report);
}

/**
 * Last day on which an incident still supports a ground limited to `windowYears` after the award:
 * the day before the anniversary, as revocationRefusal counts (arose < anniversary).
 */
export function revocationWindowLastDay(decisionDate: string, windowYears: number): string {
  return addDays(addYears(decisionDate, windowYears), -1);
}

/**
 * Revocation: only after the award, on a ground of the policy that applies to the applicant's kind,
 * and for a windowed ground only when it arose within `windowYears` after the award decision
 * (瀍河 第二十九条 2 years, 朝阳 第三十六条 3 years).
 */
export function revocationRefusal(
  policy: ProgrammePolicy,
  context: ApplicationContext,
  request: { ground: string; revokedOn: string; incidentOn?: string },
): Refusal | null {
  const rules = policy.revocation;
  if (!context.award) return { message: 'Only an award can be revoked', article: rules.article };
  const ground = rules.grounds.find((g) => g.code === request.ground);
  if (!ground) {
    return {
      message: `Unknown revocation ground '${request.ground}'; known: ${rules.grounds.map((g) => g.code).join(', ')}`,
      article: rules.article,
      field: 'ground',
    };
  }
  if (context.applicant && !ground.appliesTo.includes(context.applicant.kind)) {
    return { message: `Ground '${ground.code}' does not apply to an ${context.applicant.kind}`, article: ground.article, field: 'ground' };
  }
  if (!parseLocalDate(request.revokedOn) || request.revokedOn < context.award.decisionDate) {
    return { message: 'A revocation is dated on or after the award decision', article: ground.article, field: 'revokedOn' };
  }
  if (request.incidentOn !== undefined && (!parseLocalDate(request.incidentOn) || request.incidentOn > request.revokedOn)) {
    return { message: 'The incident date must be a date not after the revocation', article: ground.article, field: 'incidentOn' };
  }
  if (ground.windowYears !== undefined) {
    const arose = request.incidentOn ?? request.revokedOn;
    const anniversary = addYears(context.award.decisionDate, ground.windowYears);
    if (arose < context.award.decisionDate || arose >= anniversary) {
      return {
        message: `Ground '${ground.code}' applies only within ${ground.windowYears} years after the award (before ${anniversary})`,
        article: ground.article,
        field: request.incidentOn !== undefined ? 'incidentOn' : 'revokedOn',
      };
    }
  }
  return null;
}

/**
 * 瀍河 第二十四条 "获奖后3年内，每年": one report per year, `years` reports, each
 * for a year from the award year to `years` years after it (reading: an award early in a year leaves a
 * year of performance to report, so the award year may count).
 */
export function annualReportRefusal(policy: ProgrammePolicy, context: ApplicationContext, year: number): Refusal | null {
  const rule = policy.postAward?.annualReports;
  if (!rule) return { message: 'This programme requires no annual reports', article: policy.revocation.article };
  if (!context.award) return { message: 'Annual reports follow an award', article: rule.article };
  const first = yearOf(context.award.decisionDate);
  if (!Number.isInteger(year) || year < first || year > first + rule.years) {
    return { message: `Reports are due for ${first}–${first + rule.years}`, article: rule.article, field: 'year' };
  }
  if (context.annualReports.length >= rule.years) {
    return { message: `All ${rule.years} annual reports are filed`, article: rule.article, field: 'year' };
  }
  if (context.annualReports.some((r) => r.year === year)) {
    return { message: `The report for ${year} is already filed`, article: rule.article, field: 'year' };
  }
  return null;
}
