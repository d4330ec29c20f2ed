/**
 * 济南 第九条, 淄博 第十二条: the supervision group (评审监督小组) is appointed per term and its
 * work ends with the term. Recorded on the term stream as SupervisionGroupDissolved at 24:00
 * Asia/Shanghai of the government's decision day (see projections/deadlines.ts). The term's fold
 * ignores the event, so the term's own decisions are unchanged by it.
 */
import { endInstant } from '../../workflows/calendar/local-date.js';
import { InvalidInputError, RuleViolationError } from '../../workflows/errors.js';
import type { ProgrammePolicy } from '../../workflows/policy/policy.types.js';
import { foldTerm } from '../../workflows/term/term.js';
import type { TermEvent, TermEventShape } from '../../workflows/term/events.js';

export type SupervisionGroupDissolved = TermEventShape<
  'SupervisionGroupDissolved',
  { termId: string; programmeId: string; article: string; dissolvedOn: string }
>;

/** Pure: the term's stored events, its policy, the business date and the instant of the decision. */
export function decideDissolution(
  events: ReadonlyArray<{ type: string; data: unknown }>,
  policy: ProgrammePolicy,
  occurredOn: string,
  now: Date,
): SupervisionGroupDissolved[] {
  if (events.some((e) => e.type === 'SupervisionGroupDissolved')) return [];
  const term = foldTerm(events.filter((e) => e.type !== 'SupervisionGroupDissolved') as unknown as TermEvent[]);
  const supervision = policy.supervision;
  if (term.status !== 'approved' || !supervision?.endsWithTerm) {
    throw new InvalidInputError('Only an approved term of a programme whose supervision group ends with the term dissolves it', 'termId');
  }
  const endsAt = endInstant(term.approval.decisionDate);
  if (now.getTime() < Date.parse(endsAt)) {
    throw new RuleViolationError(
      `The supervision group serves until ${endsAt}`,
      { programme: policy.programmeId, version: policy.version, article: supervision.article },
      'termId',
    );
  }
  return [
    {
      type: 'SupervisionGroupDissolved',
      data: { termId: term.termId, programmeId: term.programmeId, article: supervision.article, dissolvedOn: occurredOn },
    },
  ];
}
