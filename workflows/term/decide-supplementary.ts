/**
 * The government's supplementary decision on an application the approval left out because an
 * objection was still open ('objection-pending'), once the objection is settled: awarded in the tier
 * it was proposed for, or not awarded. The approval article of each programme governs it (淄博
 * 第十九条, 济南 第十八条, 忻州 第二十条, 瀍河 第十九条, 朝阳 第十七条(九)): the government approves the
 * list as the publicity left it, so only an application whose publicity ended without an open or
 * upheld objection can be awarded. Quotas per term (淄博 第四条, 济南 第二条, 忻州 第四条, 瀍河 第四条,
 * 朝阳 第三条) are checked against every place the term holds; the term stream's revision serialises
 * this decision with every other one, as for the approval.
 */
import { InvalidInputError, RuleViolationError } from '../errors.js';
import { isLocalDate } from '../calendar/local-date.js';
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { checkQuota } from '../policy/quota.js';
import type { NotAwardedEntry, SupplementaryDecisionRecorded } from './events.js';
import { placesHeld, type TermState } from './term.js';

/** How an application the approval left out stands now (PublicityStanding of decide.ts). */
export type SettledStanding = 'clear' | 'objection-pending' | 'objection-upheld' | 'left-the-procedure';

export type DecideSupplementary = {
  type: 'DecideSupplementary';
  data: {
    applicationId: string;
    decision: 'award' | 'not-award';
    decisionDate: string;
    documentNo: string;
    /** The business date the office records the decision on (the command's occurredAt). */
    occurredOn: string;
    /** Required to not award. */
    reason?: string;
    /** Read by the service from the application's stream. */
    standing: SettledStanding;
    /** The application's latest business date (its objection settled on or before it). */
    settledOn: string | null;
  };
};

type ApprovedTerm = Extract<TermState, { status: 'approved' }>;

/** Those the approval left out with an open objection and nothing decided on them since. */
export function awaitingSupplementary(state: ApprovedTerm): NotAwardedEntry[] {
  const decided = new Set(state.supplementary.map((d) => d.applicationId));
  return state.approval.notAwarded.filter((n) => n.reason === 'objection-pending' && !decided.has(n.applicationId));
}

export function approvalArticle(policy: ProgrammePolicy): string {
  return policy.stages.find((stage) => stage.id === 'approval')?.article ?? policy.publicity.at(-1)?.article ?? policy.validity.article;
}

/**
 * A decision is recorded on or after the day it was taken: a decisionDate after the command's
 * business date (never after today) would date an award in the future, and every later event of
 * the application would have to follow it.
 */
export function notAfterRecording(decisionDate: string, occurredOn: string): void {
  if (!isLocalDate(decisionDate)) throw new InvalidInputError('decisionDate must be a date (YYYY-MM-DD)', 'decisionDate');
  if (decisionDate > occurredOn) {
    throw new InvalidInputError(`decisionDate ${decisionDate} is after the day the decision is recorded (${occurredOn})`, 'decisionDate', {
      decisionDate,
      occurredOn,
    });
  }
}

export function decideSupplementary(command: DecideSupplementary, state: ApprovedTerm, policy: ProgrammePolicy): SupplementaryDecisionRecorded {
  const { applicationId, decision, decisionDate, documentNo, occurredOn, reason, standing, settledOn } = command.data;
  const rule = (article: string) => ({ programme: policy.programmeId, version: policy.version, article });
  const entry = state.approval.notAwarded.find((n) => n.applicationId === applicationId);
  if (!entry || entry.reason !== 'objection-pending') {
    throw new InvalidInputError(`Application ${applicationId} was not left out of the approval of ${state.termId} for an open objection`, 'applicationId');
  }
  if (state.supplementary.some((d) => d.applicationId === applicationId)) {
    throw new InvalidInputError(`Application ${applicationId} has already been decided after the approval`, 'applicationId');
  }
  if (standing === 'objection-upheld') {
    // An upheld objection removes the applicant from the list (朝阳 第二十四条): nothing left to decide.
    const article = policy.objections.decidedBy?.article ?? policy.objections.article;
    throw new RuleViolationError(`An upheld objection removed application ${applicationId} from the list`, rule(article), 'applicationId', { standing });
  }
  if (standing !== 'clear') {
    throw new RuleViolationError(
      standing === 'objection-pending'
        ? `An objection to application ${applicationId} is still open: the government decides once it is settled`
        : `Application ${applicationId} has left the procedure`,
      rule(approvalArticle(policy)),
      'applicationId',
      { standing },
    );
  }
  notAfterRecording(decisionDate, occurredOn);
  if (decisionDate < state.approval.decisionDate || (settledOn !== null && decisionDate < settledOn)) {
    throw new InvalidInputError(
      `A supplementary decision is dated on or after the approval (${state.approval.decisionDate}) and the objection's settlement (${settledOn ?? '—'})`,
      'decisionDate',
    );
  }
  if (documentNo.trim() === '') throw new InvalidInputError('The decision needs its document number', 'documentNo');
  const base = { termId: state.termId, applicationId, tier: entry.tier, applicantKind: entry.applicantKind, decisionDate, documentNo };
  if (decision === 'not-award') {
    if (!reason?.trim()) throw new InvalidInputError('A decision not to award gives its reason', 'reason');
    return { type: 'SupplementaryDecisionRecorded', data: { ...base, outcome: 'not-awarded', reason } };
  }
  // In the tier proposed, within the quotas, counting every place the term holds now.
  checkQuota(policy, placesHeld(state), [{ tier: entry.tier, kind: entry.applicantKind }]);
  return { type: 'SupplementaryDecisionRecorded', data: { ...base, outcome: 'awarded' } };
}
