/**
 * Deciders for the lists and the publicity: proposal and start (issued by the term's decisions),
 * objections (朝阳 第二十条–第二十五条, 忻州 第二十七条, 济南 第十七条) and closing a round.
 */
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { InvalidInputError, RuleViolationError } from '../errors.js';
import { addDays, endInstant, isLocalDate } from '../calendar/local-date.js';
import { buildChain, roundStep } from './chain.js';
import type {
  ClosePublicityCommand,
  EvidenceDeadlineMissedCommand,
  ObjectCommand,
  ObjectionDecisionCommand,
  ProposeCommand,
  StartPublicityCommand,
} from './commands.js';
import { currentRound, type ObjectionRecord, type PublicityRoundRecord } from './context.js';
import type { ApplicationEvent, EvidenceParty } from './events.js';
import type { ReplayedApplication } from './replay.js';
import { instantBefore, requireDate, requireText, ruleRef } from './decide-support.js';
import { objectionRefusal } from './rules.js';

const idOf = (state: ReplayedApplication) => state.context.applicationId!;
const PARTIES: readonly EvidenceParty[] = ['recommender', 'applicant', 'objector'];

export function propose(command: ProposeCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  const tier = policy.tiers.find((t) => t.id === command.tier);
  if (!tier) {
    throw new InvalidInputError(`Unknown tier '${command.tier}'; tiers: ${policy.tiers.map((t) => t.id).join(', ')}`, 'tier');
  }
  return [{ type: 'ApplicationProposed', data: { applicationId: idOf(state), tier: tier.id, proposedOn: command.occurredOn } }];
}

/** Starts the round the application is waiting for; its list comes from the policy. */
export function startPublicity(command: StartPublicityCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  const chain = buildChain(policy);
  const step = roundStep(chain, command.round);
  if (!step) throw new InvalidInputError(`The programme has no publicity round ${command.round}`, 'round');
  const startDate = requireDate(command.startDate, 'startDate');
  const endDate = requireDate(command.endDate, 'endDate');
  if (endDate < startDate) throw new InvalidInputError('endDate is on or after startDate', 'endDate');
  if (Number.isNaN(Date.parse(command.endsAt))) throw new InvalidInputError('endsAt is an ISO instant', 'endsAt');
  // A calendar-day period can be checked here; working days need the calendar (the term's decision checks those).
  const { round } = step;
  if (round.unit === 'calendar') {
    const shortest = addDays(startDate, round.days - 1);
    if (endDate < shortest || (!round.minimum && endDate !== shortest)) {
      throw new RuleViolationError(
        `Publicity round ${round.round} lasts ${round.minimum ? 'at least ' : ''}${round.days} days (${startDate}–${shortest})`,
        ruleRef(policy, round.article),
        'endDate',
      );
    }
  }
  return [
    {
      type: 'PublicityStarted',
      data: { applicationId: idOf(state), round: round.round, list: round.list, startDate, endDate, endsAt: command.endsAt },
    },
  ];
}

/**
 * 朝阳 第二十条: real identity and written evidence; anonymous or late objections are not accepted.
 * One the policy refuses is recorded as received and not admitted (ObjectionNotAdmitted, with the
 * article), so the objection log shows it; the statechart takes it only once a round has started
 * and the application has not ended, else the command is refused and nothing is written.
 */
export function receiveObjection(command: ObjectCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  const objectionId = requireText(command.objectionId, 'objectionId');
  if (state.context.objections[objectionId]) throw new InvalidInputError(`Objection ${objectionId} is already recorded`, 'objectionId');
  const grounds = requireText(command.grounds, 'grounds');
  const objector = command.objector;
  if (!objector || typeof objector.anonymous !== 'boolean') throw new InvalidInputError('objector.anonymous is required', 'objector.anonymous');
  const round = currentRound(state.context);
  if (!round) throw new InvalidInputError('No publicity round is running', 'round');
  const withinPublicity = isWithinPublicity(round, command.now);
  const evidenceProvided = command.evidenceProvided === true;
  const refusal = objectionRefusal(policy, { objector, evidenceProvided, withinPublicity });
  const data = {
    applicationId: idOf(state),
    objectionId,
    round: round.round,
    receivedOn: command.occurredOn,
    receivedAt: command.now,
    objector: {
      anonymous: objector.anonymous,
      ...(objector.name !== undefined ? { name: objector.name } : {}),
      ...(objector.contact !== undefined ? { contact: objector.contact } : {}),
      // Disclosed only with the objector's consent (朝阳 第二十五条).
      consentToDisclose: objector.consentToDisclose === true,
    },
    grounds,
    evidenceProvided,
    withinPublicity,
  };
  if (refusal) {
    const recorded = { reason: refusal.message, article: refusal.article, ...(refusal.field !== undefined ? { field: refusal.field } : {}) };
    return [{ type: 'ObjectionNotAdmitted', data: { ...data, refusal: recorded } }];
  }
  return [{ type: 'ObjectionReceived', data }];
}

/** Late: at or after the round's end instant, even before the scheduler closed it (朝阳 第二十条). */
export function isWithinPublicity(round: PublicityRoundRecord, now: string): boolean {
  return !round.closedOn && instantBefore(now, round.endsAt);
}

function objectionOf(state: ReplayedApplication, objectionId: string): ObjectionRecord {
  const objection = state.context.objections[objectionId];
  if (!objection) throw new InvalidInputError(`No objection ${objectionId} on this application`, 'objectionId');
  return objection;
}

function requireStatus(objection: ObjectionRecord, status: ObjectionRecord['status'], action: string): void {
  if (objection.status !== status) {
    throw new InvalidInputError(`Objection ${objection.objectionId} is ${objection.status}: cannot ${action}`, 'objectionId');
  }
}

function requireParty(value: unknown): EvidenceParty {
  if (!PARTIES.includes(value as EvidenceParty)) throw new InvalidInputError(`from is one of ${PARTIES.join(', ')}`, 'from');
  return value as EvidenceParty;
}

/** The deciding body: the command's, else the policy's (济南 第十七条 leading group, 朝阳 第二十四条 committee). */
function decidingBody(command: ObjectionDecisionCommand, policy: ProgrammePolicy): string {
  return command.decidedBy ?? policy.objections.decidedBy?.body ?? policy.objections.handledBy;
}

export function decideObjection(command: ObjectionDecisionCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  const objection = objectionOf(state, command.objectionId);
  const applicationId = idOf(state);
  const { objectionId } = objection;
  const on = command.occurredOn;
  switch (command.decision) {
    case 'accept':
      // The office decides whether to accept (朝阳 第二十一条).
      requireStatus(objection, 'received', 'accept it');
      return [{ type: 'ObjectionAccepted', data: { applicationId, objectionId, acceptedOn: on } }];
    case 'refuse':
      requireStatus(objection, 'received', 'refuse it');
      return [{ type: 'ObjectionRefused', data: { applicationId, objectionId, reason: requireText(command.reason, 'reason'), refusedOn: on } }];
    case 'request-evidence': {
      // 朝阳 第二十二、二十三条: each side answers within the time set, and a missed limit decides
      // (missEvidenceDeadline). No other programme's text provides for that: there the office
      // investigates and the deciding body settles the objection (uphold / dismiss).
      const rule = policy.objections.defaultDeadlines;
      if (!rule) {
        throw new RuleViolationError(
          `${policy.programmeId}'s rules set no time limits for evidence on an objection; the objection is settled by upholding or dismissing it`,
          ruleRef(policy, policy.objections.article),
          'decision',
        );
      }
      requireStatus(objection, 'accepted', 'request evidence');
      const from = requireParty(command.from);
      if (from === 'recommender' && state.context.channel?.kind === 'direct') {
        // 朝阳 第十七条(三)1: a direct filing has no recommending body to verify the objection.
        throw new RuleViolationError('The application was filed directly: there is no recommending body to ask', ruleRef(policy, policy.channels.article), 'from');
      }
      if (objection.evidenceRequests.some((r) => r.from === from && r.status === 'pending')) {
        throw new InvalidInputError(`Evidence from the ${from} is already requested`, 'from');
      }
      const deadline = command.deadline ?? defaultDeadline(policy, from, on);
      if (!isLocalDate(deadline) || deadline < on) throw new InvalidInputError('deadline is a date on or after occurredOn', 'deadline');
      const deadlineId = `${objectionId}/${from}/${objection.evidenceRequests.length + 1}`;
      return [{ type: 'ObjectionEvidenceRequested', data: { applicationId, objectionId, from, deadline, deadlineId, requestedOn: on } }];
    }
    case 'record-evidence': {
      requireStatus(objection, 'accepted', 'record evidence');
      const from = requireParty(command.from);
      if (!objection.evidenceRequests.some((r) => r.from === from && r.status === 'pending')) {
        throw new InvalidInputError(`No evidence is awaited from the ${from}`, 'from');
      }
      return [
        { type: 'ObjectionEvidenceRecorded', data: { applicationId, objectionId, from, summary: requireText(command.reason, 'reason'), recordedOn: on } },
      ];
    }
    case 'uphold':
    case 'dismiss': {
      // The deciding body settles it and both sides are told (朝阳 第二十四条).
      requireStatus(objection, 'accepted', command.decision === 'uphold' ? 'uphold it' : 'dismiss it');
      const data = { applicationId, objectionId, decidedBy: decidingBody(command, policy), reason: requireText(command.reason, 'reason'), decidedOn: on };
      return [command.decision === 'uphold' ? { type: 'ObjectionUpheld', data } : { type: 'ObjectionDismissed', data }];
    }
    default: {
      const _exhaustive: never = command.decision;
      throw new InvalidInputError(`Unknown decision '${String(_exhaustive)}'`, 'decision');
    }
  }
}

/** Only calendar-day defaults are computed here; working days need the calendar (the service passes `deadline`). */
function defaultDeadline(policy: ProgrammePolicy, from: EvidenceParty, on: string): string {
  const defaults = policy.objections.defaultDeadlines;
  if (defaults?.unit === 'calendar') return addDays(on, defaults[from]);
  throw new InvalidInputError('deadline is required', 'deadline');
}

/**
 * The scheduler reports a missed evidence deadline; the consequence follows (朝阳 第二十二、二十三条):
 * recommender → the applicant fails review; applicant → taken to admit the objection (upheld);
 * objector → taken to abandon it (dismissed). A deadline no longer pending decides nothing.
 */
export function missEvidenceDeadline(
  command: EvidenceDeadlineMissedCommand,
  state: ReplayedApplication,
  policy: ProgrammePolicy,
): ApplicationEvent[] {
  const objection = state.context.objections[command.objectionId];
  const request = objection?.evidenceRequests.find((r) => r.deadlineId === command.deadlineId);
  if (!objection || !request) throw new InvalidInputError(`No evidence deadline ${command.deadlineId}`, 'deadlineId');
  if (request.status !== 'pending' || objection.status !== 'accepted' || state.state !== 'objected') return [];
  const article = policy.objections.defaultDeadlines?.article ?? policy.objections.article;
  if (instantBefore(command.now, endInstant(request.deadline))) {
    throw new RuleViolationError(`The deadline ${request.deadline} has not passed`, ruleRef(policy, article), 'deadlineId');
  }
  const applicationId = idOf(state);
  const { objectionId } = objection;
  const on = command.occurredOn;
  const missed: ApplicationEvent = {
    type: 'ObjectionEvidenceDeadlineMissed',
    data: { applicationId, objectionId, from: request.from, deadlineId: request.deadlineId, missedOn: on },
  };
  // A request recorded before 2026-12-01 where the rules attach no consequence to a miss (another
  // programme, or a recommender asked about a direct filing): the miss is recorded, nothing decided.
  if (!hasEvidenceConsequence(policy, state, request.from)) return [missed];
  switch (request.from) {
    case 'recommender':
      return [
        missed,
        {
          type: 'ApplicationDisqualified',
          data: { applicationId, objectionId, article, reason: 'The recommending body did not report its verification in time', disqualifiedOn: on },
        },
      ];
    case 'applicant':
      return [
        missed,
        { type: 'ObjectionUpheld', data: { applicationId, objectionId, decidedBy: 'deemed', reason: 'The applicant did not supply the evidence in time: taken to admit the objection', decidedOn: on } },
      ];
    case 'objector':
      return [
        missed,
        { type: 'ObjectionDismissed', data: { applicationId, objectionId, decidedBy: 'deemed', reason: 'The objector did not supply the evidence in time: taken to abandon the objection', decidedOn: on } },
      ];
  }
}

/** Whether a missed evidence limit decides anything: 朝阳 第二十二、二十三条 only, and never for a recommender a direct filing has not got. */
function hasEvidenceConsequence(policy: ProgrammePolicy, state: ReplayedApplication, from: EvidenceParty): boolean {
  return policy.objections.defaultDeadlines !== undefined && !(from === 'recommender' && state.context.channel?.kind === 'direct');
}

/** Closes the running round at or after its end, with no objection open. */
export function closePublicity(command: ClosePublicityCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  const round = currentRound(state.context);
  if (!round) throw new InvalidInputError('No publicity round is running', 'round');
  if (command.round !== undefined && command.round !== round.round) {
    throw new InvalidInputError(`Round ${round.round} is running, not ${command.round}`, 'round');
  }
  const step = roundStep(buildChain(policy), round.round);
  // The period runs its full length ("公示期为5个工作日", "不少于5个工作日", "为期7天").
  if (instantBefore(command.now, round.endsAt)) {
    throw new RuleViolationError(
      `Publicity round ${round.round} runs until ${round.endsAt}`,
      ruleRef(policy, step?.article ?? policy.publicity[0]?.article ?? ''),
      'round',
    );
  }
  return [{ type: 'PublicityClosed', data: { applicationId: idOf(state), round: round.round, closedOn: command.occurredOn } }];
}
