/**
 * Folding an application stream with its own policy version, and the document
 * GET /api/applications/{id} shows. Objector identities never leave the stream (朝阳 第二十五条,
 * 忻州 第二十七条): the statechart's context does not hold them, and this view copies only the
 * objection's status, dates and flags.
 */
import type { StoredEvent } from '../event-store/event-store.port.js';
import { NotFoundError } from '../../workflows/errors.js';
import type { ApplicationSubmitted } from '../../workflows/application/events.js';
import { openObjections } from '../../workflows/application/context.js';
import { replayApplication, type ReplayedApplication } from '../../workflows/application/replay.js';
import type { ProgrammePolicy } from '../../workflows/policy/policy.types.js';

export interface LoadedApplication {
  id: string;
  policy: ProgrammePolicy;
  submitted: ApplicationSubmitted['data'];
  replayed: ReplayedApplication;
  events: StoredEvent[];
}

export function foldApplication(
  id: string,
  events: StoredEvent[],
  resolvePolicy: (programmeId: string, version: string) => ProgrammePolicy,
): LoadedApplication {
  const first = events[0];
  if (!first || first.type !== 'ApplicationSubmitted') throw new NotFoundError(`Application ${id} not found`, { applicationId: id });
  const submitted = first.data as unknown as ApplicationSubmitted['data'];
  const policy = resolvePolicy(submitted.programmeId, submitted.policyVersion);
  return { id, policy, submitted, replayed: replayApplication(policy, events), events };
}

/** How an application on the proposed list stands when the government approves. */
export function publicityStanding(app: LoadedApplication): 'clear' | 'objection-pending' | 'objection-upheld' | 'left-the-procedure' {
  const { state, context } = app.replayed;
  if (state === 'disqualified') return context.closed?.objectionId ? 'objection-upheld' : 'left-the-procedure';
  if (openObjections(context).length > 0) return 'objection-pending';
  if (state === 'publicityClosed' || state === 'publicized') return 'clear';
  return 'left-the-procedure';
}

export interface ApplicationView {
  id: string;
  programmeId: string;
  policyVersion: string;
  termId: string;
  state: string;
  revision: number;
  tier: string | null;
  acceptedCommands: string[];
  applicant: { kind: string; id: string; name: string };
  channel: { kind: string; recommender: string | null } | null;
  submittedOn: string;
  scores: ReplayedApplication['context']['scores'];
  objections: Array<{
    objectionId: string;
    round: number;
    status: string;
    receivedOn: string;
    withinPublicity: boolean;
    anonymous: boolean;
    evidenceProvided: boolean;
    evidenceRequests: Array<{ from: string; deadline: string; requestedOn: string; status: string }>;
    decision?: { reason?: string; on: string };
    /** Not admitted by the policy (朝阳 第二十条): why, and the article. */
    refusal?: { reason: string; article: string; field?: string };
  }>;
  publicity: ReplayedApplication['context']['publicity'];
  award: ReplayedApplication['context']['award'];
  revocation: ReplayedApplication['context']['revocation'];
  closed: ReplayedApplication['context']['closed'];
}

export function applicationView(app: LoadedApplication, acceptedCommands: string[]): ApplicationView {
  const { context, state, revision } = app.replayed;
  return {
    id: app.id,
    programmeId: app.submitted.programmeId,
    policyVersion: app.submitted.policyVersion,
    termId: app.submitted.termId,
    state,
    revision,
    tier: context.tier,
    acceptedCommands,
    applicant: { ...app.submitted.applicant },
    channel: context.channel,
    submittedOn: app.submitted.submittedOn,
    scores: context.scores,
    objections: Object.values(context.objections).map((o) => ({
      objectionId: o.objectionId,
      round: o.round,
      status: o.status,
      receivedOn: o.receivedOn,
      withinPublicity: o.withinPublicity,
      anonymous: o.anonymous,
      evidenceProvided: o.evidenceProvided,
      evidenceRequests: o.evidenceRequests.map((r) => ({ from: r.from, deadline: r.deadline, requestedOn: r.requestedOn, status: r.status })),
      ...(o.decision ? { decision: { reason: o.decision.reason, on: o.decision.on } } : {}),
      ...(o.refusal ? { refusal: { ...o.refusal } } : {}),
    })),
    publicity: context.publicity,
    award: context.award,
    revocation: context.revocation,
    closed: context.closed,
  };
}
