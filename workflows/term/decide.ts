/**
 * The term decider: one pure function per command, `(command, state, deps) -> events`.
 * No clock: `now` and business dates come in with the command; the working-day calendar is
 * passed in as data (deps). What the term needs to know about its applications (is it a
 * candidate, how did its publicity end) is read by the service and passed in the command.
 */
import {
  IllegalTransitionError,
  InvalidInputError,
  RuleViolationError,
} from '../errors.js';
import type { ApplicantKind, DayUnit, ProgrammePolicy, PublicityRound } from '../policy/policy.types.js';
import { checkQuota } from '../policy/quota.js';
import type {
  AwardRevokedOnTerm,
  AwardedEntry,
  NotAwardedEntry,
  ProposedEntry,
  ProposedListRecorded,
  PublicityStarted,
  TermApproved,
  TermEvent,
  TermOpened,
  TermRegistered,
} from './events.js';
import { termIdFor } from './events.js';
import { awardsOf, type OpenedTermState, type TermState } from './term.js';
import { approvalArticle, awaitingSupplementary, decideSupplementary, notAfterRecording, type DecideSupplementary } from './decide-supplementary.js';

export type { DecideSupplementary } from './decide-supplementary.js';

/** The part of WorkingDayCalendar (workflows/calendar) the term needs. */
export interface PeriodCalendar {
  periodEnd(start: string, days: number, unit: DayUnit): string;
  endInstant(lastDay: string): string;
}

export interface TermDeps {
  /** The term's policy: for OpenTerm the version in force on the notice date. */
  policy: ProgrammePolicy;
  calendar?: PeriodCalendar;
}

/** What the term needs to know about an application named in a command. */
export interface ApplicationSummary {
  applicationId: string;
  termId: string;
  applicantId: string;
  applicantKind: ApplicantKind;
  /** The application is on the term's candidate list and may be proposed (its machine accepts it). */
  isCandidate: boolean;
}

/** How a listed application stands when the government approves. */
export type PublicityStanding = 'clear' | 'objection-pending' | 'objection-upheld' | 'left-the-procedure';

export type OpenTerm = {
  type: 'OpenTerm';
  data: {
    programmeId: string;
    year: number;
    noticeDate: string;
    applicationDeadline: string;
    /** The programme's earlier terms (programme-<id>-terms). */
    existingTerms: Array<TermRegistered['data']>;
  };
};

export type RecordProposedList = {
  type: 'RecordProposedList';
  data: {
    entries: Array<{ applicationId: string; tier: string }>;
    replace: boolean;
    applications: Record<string, ApplicationSummary>;
  };
};

export type StartPublicity = {
  type: 'StartPublicity';
  data: {
    round: number;
    startDate: string;
    /** The business date the office records the start on (the command's occurredAt). */
    occurredOn: string;
    /** For a candidate-list round (忻州 第十八条): the candidates publicised. */
    candidates?: string[];
    applications: Record<string, ApplicationSummary>;
  };
};

export type ApproveTerm = {
  type: 'ApproveTerm';
  data: {
    decisionDate: string;
    documentNo: string;
    /** The business date the office records the decision on (the command's occurredAt). */
    occurredOn: string;
    /** ISO instant from the clock: approval before the publicity has ended is refused. */
    now: string;
    standings: Record<string, PublicityStanding>;
  };
};

export type NoteRevocation = {
  type: 'NoteRevocation';
  data: { applicationId: string; ground: string };
};

export type TermCommand = OpenTerm | RecordProposedList | StartPublicity | ApproveTerm | DecideSupplementary | NoteRevocation;

/** Stable names of the term commands (API and IllegalTransitionError). */
export const TERM_COMMAND_NAMES: Record<TermCommand['type'], string> = {
  OpenTerm: 'open-term',
  RecordProposedList: 'record-proposed-list',
  StartPublicity: 'start-publicity',
  ApproveTerm: 'approve',
  DecideSupplementary: 'supplementary-approval',
  NoteRevocation: 'note-revocation',
};

export function decideTerm(command: TermCommand, state: TermState, deps: TermDeps): TermEvent[] {
  const { type } = command;
  switch (type) {
    case 'OpenTerm':
      return [openTerm(command, state, deps)];
    case 'RecordProposedList':
      return [recordProposedList(command, state, deps)];
    case 'StartPublicity':
      return [startPublicity(command, state, deps)];
    case 'ApproveTerm':
      return [approve(command, state, deps)];
    case 'DecideSupplementary':
      if (state.status !== 'approved') refuse(command, state, deps.policy);
      return [decideSupplementary(command, state, deps.policy)];
    case 'NoteRevocation':
      return [noteRevocation(command, state)];
    default: {
      const _exhaustive: never = type;
      throw new Error(`Unknown term command ${String(_exhaustive)}`);
    }
  }
}

/** Commands the term accepts in its state (shown by the API, used in 409 answers). */
export function termAcceptedCommands(state: TermState, policy?: ProgrammePolicy): string[] {
  switch (state.status) {
    case 'not-opened':
      return ['open-term'];
    case 'open':
    case 'publicity': {
      const accepted: string[] = [];
      if (!proposedListPublicised(state)) accepted.push('record-proposed-list');
      const rounds = policy ? sortedRounds(policy) : [];
      if (!policy || state.publicity.length < rounds.length) accepted.push('start-publicity');
      if (state.status === 'publicity' && (!policy || state.publicity.length === rounds.length)) accepted.push('approve');
      return accepted;
    }
    case 'approved':
      return ['note-revocation', ...(awaitingSupplementary(state).length > 0 ? ['supplementary-approval'] : [])];
  }
}

function refuse(command: TermCommand, state: TermState, policy?: ProgrammePolicy): never {
  throw new IllegalTransitionError(TERM_COMMAND_NAMES[command.type], state.status, termAcceptedCommands(state, policy));
}

export function openTerm(command: OpenTerm, state: TermState, { policy }: TermDeps): TermOpened {
  if (state.status !== 'not-opened') refuse(command, state, policy);
  const { programmeId, year, noticeDate, applicationDeadline, existingTerms } = command.data;
  if (policy.programmeId !== programmeId) {
    throw new InvalidInputError(`Policy ${policy.programmeId} does not govern ${programmeId}`, 'programmeId');
  }
  if (!Number.isInteger(year) || Number(noticeDate.slice(0, 4)) !== year) {
    throw new InvalidInputError(`The term year ${year} must be the year of its notice (${noticeDate})`, 'year');
  }
  if (!(applicationDeadline > noticeDate)) {
    throw new InvalidInputError('The application deadline must be after the notice date', 'applicationDeadline');
  }
  // One term per programme per year; the stream id (<programme>-<year>) makes it hold under races too.
  if (existingTerms.some((t) => t.year === year)) {
    throw new RuleViolationError(`${programmeId} already has a term in ${year}`, rule(policy, policy.cycle.article), 'year');
  }
  // 每N年评定一届: a term follows the previous one by at least the cycle (e.g. 朝阳 第三条, 忻州 第四条).
  const previous = existingTerms.filter((t) => t.year < year).sort((a, b) => b.year - a.year)[0];
  const next = existingTerms.filter((t) => t.year > year).sort((a, b) => a.year - b.year)[0];
  if (
    (previous && year - previous.year < policy.cycle.years) ||
    (next && next.year - year < policy.cycle.years)
  ) {
    throw new RuleViolationError(
      `${programmeId} holds one term every ${policy.cycle.years} years`,
      rule(policy, policy.cycle.article),
      'year',
      { previousTermYear: previous?.year, nextTermYear: next?.year },
    );
  }
  return {
    type: 'TermOpened',
    data: {
      termId: termIdFor(programmeId, year),
      programmeId,
      policyVersion: policy.version,
      year,
      noticeDate,
      applicationDeadline,
      cycleYears: policy.cycle.years,
    },
  };
}

export function recordProposedList(
  command: RecordProposedList,
  state: TermState,
  { policy }: TermDeps,
): ProposedListRecorded {
  // The list may change (be added to or replaced) only until its publicity starts: what the
  // public saw is what the government approves.
  if (state.status === 'not-opened' || state.status === 'approved' || proposedListPublicised(state)) {
    refuse(command, state, policy);
  }
  const { entries, replace, applications } = command.data;
  if (entries.length === 0 && !replace) throw new InvalidInputError('The proposed list is empty', 'entries');
  const listed = new Set(replace ? [] : state.proposed.map((p) => p.applicationId));
  const recorded: ProposedEntry[] = entries.map((entry, index) => {
    const field = `entries[${index}]`;
    if (listed.has(entry.applicationId)) {
      throw new InvalidInputError(`Application ${entry.applicationId} is already on the list`, `${field}.applicationId`);
    }
    listed.add(entry.applicationId);
    const application = applications[entry.applicationId];
    if (!application || application.termId !== state.termId) {
      throw new InvalidInputError(`Application ${entry.applicationId} is not in term ${state.termId}`, `${field}.applicationId`);
    }
    if (!application.isCandidate) {
      throw new InvalidInputError(`Application ${entry.applicationId} is not a candidate of this term`, `${field}.applicationId`);
    }
    if (!policy.tiers.some((t) => t.id === entry.tier)) {
      throw new InvalidInputError(`Unknown tier '${entry.tier}'`, `${field}.tier`, { tiers: policy.tiers.map((t) => t.id) });
    }
    return {
      applicationId: entry.applicationId,
      applicantId: application.applicantId,
      applicantKind: application.applicantKind,
      tier: entry.tier,
    };
  });
  // Quotas per term, tier, kind and in total (淄博 第四条, 济南 第二条, 忻州 第四条, 瀍河 第四条, 朝阳 第三条).
  const taken = replace ? [] : state.proposed.map((p) => ({ tier: p.tier, kind: p.applicantKind }));
  checkQuota(policy, taken, recorded.map((r) => ({ tier: r.tier, kind: r.applicantKind })));
  return { type: 'ProposedListRecorded', data: { termId: state.termId, entries: recorded, replaces: replace } };
}

export function startPublicity(command: StartPublicity, state: TermState, { policy, calendar }: TermDeps): PublicityStarted {
  if (state.status === 'not-opened' || state.status === 'approved') refuse(command, state, policy);
  if (!calendar) throw new Error('startPublicity needs the working-day calendar');
  const { round, startDate, occurredOn, candidates, applications } = command.data;
  const rounds = sortedRounds(policy);
  const expected = rounds[state.publicity.length];
  if (!expected) refuse(command, state, policy);
  const roundPolicy = rounds.find((r) => r.round === round);
  if (round !== expected.round || !roundPolicy) {
    throw new RuleViolationError(
      `Publicity round ${expected.round} comes next, not ${round}`,
      rule(policy, expected.article),
      'round',
    );
  }
  const previous = state.publicity.at(-1);
  if (previous && !(startDate > previous.endDate)) {
    throw new InvalidInputError(`Round ${round} may start only after round ${previous.round} ended (${previous.endDate})`, 'startDate');
  }
  if (!(startDate > state.applicationDeadline)) {
    throw new InvalidInputError('Publicity starts after the application deadline', 'startDate');
  }
  // A round recorded as started on a day already past would have run without anyone seeing the
  // list: its days, the only time to object, would be over before it was announced.
  if (startDate < occurredOn) {
    throw new RuleViolationError(
      `Publicity round ${round} cannot start on ${startDate}, before the day it is recorded (${occurredOn}): the public must have the whole period`,
      rule(policy, roundPolicy.article),
      'startDate',
    );
  }
  let applicationIds: string[];
  if (roundPolicy.list === 'proposed') {
    if (state.proposed.length === 0) {
      throw new RuleViolationError('There is no proposed list to publicise', rule(policy, roundPolicy.article), 'round');
    }
    applicationIds = state.proposed.map((p) => p.applicationId);
  } else {
    // 忻州 第十八条: the candidate list is publicised before the proposed list is formed.
    if (!candidates || candidates.length === 0) {
      throw new InvalidInputError('A candidate-list round names the candidates it publicises', 'candidates');
    }
    candidates.forEach((id, index) => {
      const application = applications[id];
      if (!application || application.termId !== state.termId || !application.isCandidate) {
        throw new InvalidInputError(`Application ${id} is not a candidate of this term`, `candidates[${index}]`);
      }
    });
    applicationIds = [...new Set(candidates)];
  }
  // Length and unit of the period (淄博 第十八条 / 济南 第十七条 5个工作日, 忻州 第十八、十九条 不少于5个工作日,
  // 瀍河 第十九条 / 朝阳 第十七条(八) 7天). The calendar refuses years it does not cover
  // (CalendarYearNotCoveredError), never guesses.
  const endDate = calendar.periodEnd(startDate, roundPolicy.days, roundPolicy.unit);
  return {
    type: 'PublicityStarted',
    data: {
      termId: state.termId,
      round,
      list: roundPolicy.list,
      startDate,
      endDate,
      endsAt: calendar.endInstant(endDate),
      applicationIds,
    },
  };
}

export function approve(command: ApproveTerm, state: TermState, { policy }: TermDeps): TermApproved {
  if (state.status !== 'publicity') refuse(command, state, policy);
  const { decisionDate, documentNo, occurredOn, now, standings } = command.data;
  notAfterRecording(decisionDate, occurredOn);
  const rounds = sortedRounds(policy);
  const missing = rounds[state.publicity.length];
  if (missing) {
    throw new RuleViolationError(`Publicity round ${missing.round} has not been held`, rule(policy, missing.article));
  }
  const last = state.publicity.at(-1)!;
  const lastRound = rounds.at(-1)!;
  // Approval is of the list that passed its publicity (淄博 第十九条, 济南 第十八条, 忻州 第二十条,
  // 瀍河 第十九条, 朝阳 第十七条(九)): the approval stage's article is the rule refused; the
  // publicity's own article goes along in the details.
  if (Date.parse(now) < Date.parse(last.endsAt) || !(decisionDate > last.endDate)) {
    throw new RuleViolationError(
      `The publicity runs until ${last.endDate}; approval before its end is refused`,
      rule(policy, approvalArticle(policy)),
      'decisionDate',
      { publicityEndsAt: last.endsAt, publicityArticle: lastRound.article },
    );
  }
  if (documentNo.trim() === '') throw new InvalidInputError('The decision needs its document number', 'documentNo');
  const awarded: AwardedEntry[] = [];
  const notAwarded: NotAwardedEntry[] = [];
  for (const entry of state.proposed) {
    const standing = standings[entry.applicationId] ?? 'objection-pending';
    const place = { applicationId: entry.applicationId, tier: entry.tier, applicantKind: entry.applicantKind };
    if (standing === 'clear') awarded.push(place);
    else notAwarded.push({ ...place, reason: standing });
  }
  // Defensive: the list was checked when recorded, and the term's revision serialises the two.
  checkQuota(policy, [], awarded.map((a) => ({ tier: a.tier, kind: a.applicantKind })));
  return { type: 'TermApproved', data: { termId: state.termId, decisionDate, documentNo, awarded, notAwarded } };
}

export function noteRevocation(command: NoteRevocation, state: TermState): AwardRevokedOnTerm {
  if (state.status !== 'approved') refuse(command, state);
  const { applicationId, ground } = command.data;
  const place = awardsOf(state).find((a) => a.applicationId === applicationId);
  if (!place) throw new InvalidInputError(`Application ${applicationId} was not awarded in ${state.termId}`, 'applicationId');
  if (state.revoked.some((r) => r.applicationId === applicationId)) {
    throw new InvalidInputError(`The award of ${applicationId} is already revoked`, 'applicationId');
  }
  return {
    type: 'AwardRevokedOnTerm',
    data: { termId: state.termId, applicationId, tier: place.tier, kind: place.applicantKind, ground },
  };
}

export function sortedRounds(policy: ProgrammePolicy): PublicityRound[] {
  return [...policy.publicity].sort((a, b) => a.round - b.round);
}

function proposedListPublicised(state: OpenedTermState): boolean {
  return state.publicity.some((p) => p.list === 'proposed');
}

function rule(policy: ProgrammePolicy, article: string) {
  return { programme: policy.programmeId, version: policy.version, article };
}
