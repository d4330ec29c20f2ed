/**
 * The application's decider: `decide(command, state, policy) → events`. One small pure function
 * per command (decide-review/-publicity/-award.ts); this dispatcher first asks the statechart
 * whether the state takes the command at all (409 IllegalTransitionError with the accepted
 * commands), then lets the command's function apply the regulation (422 RuleViolationError with the
 * article), and finally walks the events through the statechart so nothing it refuses is stored.
 */
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { InvalidInputError } from '../errors.js';
import { acceptedCommands } from './accepted.js';
import type { ApplicationCommand } from './commands.js';
import { acceptedBy, checkOccurredOn, illegal } from './decide-support.js';
import { annualReportOverdue, award, closeRevocationWindow, fileAnnualReport, notAward, revoke, withdraw } from './decide-award.js';
import {
  closePublicity,
  decideObjection,
  isWithinPublicity,
  missEvidenceDeadline,
  propose,
  receiveObjection,
  startPublicity,
} from './decide-publicity.js';
import {
  collectDepartmentOpinions,
  completeOpinionSurvey,
  eliminate,
  holdOralDefence,
  listCandidate,
  recommend,
  reviewQualification,
  scoreMaterials,
  scoreOnSite,
  shortlist,
} from './decide-review.js';
import type { ApplicationEvent } from './events.js';
import type { ReplayedApplication } from './replay.js';
import { currentRound } from './context.js';
import { objectionRefusal, revocationRefusal, toRuleViolation } from './rules.js';

export { acceptedCommands } from './accepted.js';
export { submitApplication, type SubmitApplicationData } from './submit.js';

function route(command: ApplicationCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  switch (command.type) {
    case 'recommend':
      return recommend(command, state);
    case 'qualification-review':
      return reviewQualification(command, state);
    case 'opinion-survey':
      return completeOpinionSurvey(command, state);
    case 'department-opinions':
      return collectDepartmentOpinions(command, state);
    case 'materials-review':
      return scoreMaterials(command, state, policy);
    case 'shortlist':
      return shortlist(command, state);
    case 'eliminate':
      return eliminate(command, state, policy);
    case 'on-site-review':
      return scoreOnSite(command, state, policy);
    case 'oral-defence':
      return holdOralDefence(command, state, policy);
    case 'candidate':
      return listCandidate(command, state);
    case 'withdraw':
      return withdraw(command, state);
    case 'revoke':
      return revoke(command, state, policy);
    case 'object':
      return receiveObjection(command, state, policy);
    case 'objection-decision':
      return decideObjection(command, state, policy);
    case 'close-publicity':
      return closePublicity(command, state, policy);
    case 'file-annual-report':
      return fileAnnualReport(command, state, policy);
    case 'propose':
      return propose(command, state, policy);
    case 'start-publicity':
      return startPublicity(command, state, policy);
    case 'award':
      return award(command, state, policy);
    case 'not-award':
      return notAward(command, state);
    case 'evidence-deadline-missed':
      return missEvidenceDeadline(command, state, policy);
    case 'annual-report-overdue':
      return annualReportOverdue(command, state, policy);
    case 'close-revocation-window':
      return closeRevocationWindow(command, state, policy);
    default: {
      const _exhaustive: never = command;
      throw new InvalidInputError(`Unknown command '${(_exhaustive as { type: string }).type}'`, 'type');
    }
  }
}

/**
 * Where the regulation, not the state, is the reason a command cannot be taken, say so with the
 * article: revoking what was never awarded, objecting after a publicity period.
 */
function refuseByRule(command: ApplicationCommand, state: ReplayedApplication, policy: ProgrammePolicy): void {
  if (command.type === 'revoke' && !state.context.award) {
    const refusal = revocationRefusal(policy, state.context, { ground: command.ground, revokedOn: command.revokedOn ?? command.occurredOn });
    if (refusal) throw toRuleViolation(policy, refusal);
  }
  // 朝阳 第二十条: where not even a not-admitted record can be made (a final state), an objection the
  // policy refuses (anonymous, unevidenced, 逾公示期) is refused with the article, nothing written.
  const round = currentRound(state.context);
  if (command.type === 'object' && round) {
    const objection = { objector: command.objector, evidenceProvided: command.evidenceProvided === true, withinPublicity: isWithinPublicity(round, command.now) };
    const refusal = objectionRefusal(policy, objection);
    if (refusal) throw toRuleViolation(policy, refusal);
  }
}

export function decide(command: ApplicationCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  if (!acceptedCommands(policy, state.snapshot, 'all').includes(command.type)) {
    refuseByRule(command, state, policy);
    throw illegal(policy, command, state);
  }
  checkOccurredOn(command, state);
  const events = route(command, state, policy);
  return acceptedBy(policy, command, state, events);
}
