import { InvalidInputError, RuleViolationError } from '../errors.js';
import type { ProgrammePolicy } from './policy.types.js';

/** What the applicant declares about the publicity of its application inside its own organisation. */
export interface InternalPublicityDeclaration {
  startDate: string;
  endDate: string;
  /** 公示无异议后: objections raised during it bar the submission. */
  objectionsRaised: boolean;
}

/** The part of the working-day calendar this rule needs. */
export interface PeriodCalendar {
  periodEnd(start: string, days: number, unit: 'working' | 'calendar'): string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * 忻州 第十四条: 申报组织和个人情况应当在本组织或单位内部公示，公示期不少于5个工作日。公示无异议后… —
 * before submitting, the application is publicised inside the applicant's organisation for at
 * least the policy's period, without objection. Reading: the text sets no earliest day, so the
 * declared period must have lasted the minimum and ended no later than the submission day.
 * Programmes without `internalPublicity` in their policy ask nothing.
 */
export function checkInternalPublicity(
  policy: ProgrammePolicy,
  declared: InternalPublicityDeclaration | undefined,
  submittedOn: string,
  calendar: PeriodCalendar,
): void {
  const rule = policy.internalPublicity;
  if (!rule) return;
  const ref = { programme: policy.programmeId, version: policy.version, article: rule.article };
  const field = 'declaration.internalPublicity';
  if (!declared) {
    throw new RuleViolationError(
      `${policy.name} requires the application to be publicised inside the applicant's organisation for at least ${rule.days} ${rule.unit} days before submission`,
      ref,
      field,
    );
  }
  if (!DATE.test(declared.startDate) || !DATE.test(declared.endDate) || declared.endDate < declared.startDate) {
    throw new InvalidInputError('internalPublicity needs startDate ≤ endDate, both YYYY-MM-DD', field);
  }
  if (declared.endDate > submittedOn) {
    throw new RuleViolationError(`The internal publicity must have ended by the submission (${submittedOn})`, ref, `${field}.endDate`);
  }
  // The earliest day a period of the minimum length, begun on startDate, can end.
  const shortestEnd = calendar.periodEnd(declared.startDate, rule.days, rule.unit);
  if (declared.endDate < shortestEnd) {
    throw new RuleViolationError(
      `An internal publicity from ${declared.startDate} must last at least ${rule.days} ${rule.unit} days, until ${shortestEnd}`,
      ref,
      `${field}.endDate`,
      { shortestEnd },
    );
  }
  if (declared.objectionsRaised) {
    throw new RuleViolationError('The internal publicity raised objections: the application may not be submitted (公示无异议后)', ref, `${field}.objectionsRaised`);
  }
}
