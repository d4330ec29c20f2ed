/**
 * What the statechart remembers besides its state: an emmett-style pure `evolve` over the events.
 * Confidential data stays in the stream only: the declaration (trade secrets) and objectors'
 * identities (朝阳 第二十五条, xinzhou 第二十七条) are not copied here, because the context is
 * what GET /api/applications/{id} shows.
 */
import type {
  Applicant,
  ApplicationEvent,
  Channel,
  EvidenceParty,
  ObjectionRefusalRecord,
  ReviewerScore,
  Prize,
} from './events.js';

export interface StageScore {
  reviews: ReviewerScore[];
  counted: number;
  /** Mean of the counted reviewers' totals. */
  score: number;
  on: string;
}

export interface PublicityRoundRecord {
  round: number;
  list: 'candidate' | 'proposed';
  startDate: string;
  endDate: string;
  endsAt: string;
  closedOn?: string;
}

/** 'not-admitted': refused by the policy on receipt (朝阳 第二十条), recorded, never open. */
export type ObjectionStatus = 'received' | 'accepted' | 'refused' | 'upheld' | 'dismissed' | 'not-admitted';
export const OPEN_OBJECTION_STATUSES: readonly ObjectionStatus[] = ['received', 'accepted'];

export interface EvidenceRequest {
  deadlineId: string;
  from: EvidenceParty;
  deadline: string;
  requestedOn: string;
  status: 'pending' | 'recorded' | 'missed';
  summary?: string;
}

export interface ObjectionRecord {
  objectionId: string;
  round: number;
  status: ObjectionStatus;
  receivedOn: string;
  withinPublicity: boolean;
  anonymous: boolean;
  consentToDisclose: boolean;
  evidenceProvided: boolean;
  evidenceRequests: EvidenceRequest[];
  decision?: { decidedBy?: string; reason?: string; on: string };
  /** Why the policy did not admit it (status 'not-admitted'). */
  refusal?: ObjectionRefusalRecord;
}

export type ClosedOutcome = 'rejected' | 'eliminated' | 'withdrawn' | 'disqualified' | 'notAwarded';

export interface ApplicationContext {
  programmeId: string;
  policyVersion: string;
  applicationId: string | null;
  termId: string | null;
  applicant: Applicant | null;
  channel: Channel | null;
  submittedOn: string | null;
  recommendation: { recommender: string; opinion: string; on: string } | null;
  qualification: { outcome: 'accepted' | 'rejected'; reason?: string; on: string } | null;
  opinionSurvey: { findings: string; adverse: boolean; on: string } | null;
  departmentOpinions: {
    opinions: Array<{ department: string; opinion: string; adverse: boolean }>;
    adverse: boolean;
    on: string;
  } | null;
  scores: {
    materialsReview?: StageScore;
    onSiteReview?: StageScore;
    oralDefence?: Partial<StageScore> & { on: string; outcome?: string };
  };
  candidate: { rank?: number; on: string } | null;
  /** Tier of the proposed list (ApplicationProposed), then of the award. */
  tier: string | null;
  publicity: { current: number | null; rounds: PublicityRoundRecord[] };
  objections: Record<string, ObjectionRecord>;
  award: { tier: string; decisionDate: string; documentNo: string; prize?: Prize } | null;
  revocation: {
    ground: string;
    article: string;
    recovers: string[];
    publicNotice: boolean;
    revokedOn: string;
    incidentOn?: string;
  } | null;
  annualReports: Array<{ year: number; filedOn: string }>;
  /** How a closed application ended (final states other than revoked). */
  closed: {
    outcome: ClosedOutcome;
    reason: string;
    on: string;
    stage?: string;
    article?: string;
    objectionId?: string;
  } | null;
  /** Latest business date recorded; later commands may not be dated before it. */
  lastOccurredOn: string | null;
}

export function initialContext(programmeId: string, policyVersion: string): ApplicationContext {
  return {
    programmeId,
    policyVersion,
    applicationId: null,
    termId: null,
    applicant: null,
    channel: null,
    submittedOn: null,
    recommendation: null,
    qualification: null,
    opinionSurvey: null,
    departmentOpinions: null,
    scores: {},
    candidate: null,
    tier: null,
    publicity: { current: null, rounds: [] },
    objections: {},
    award: null,
    revocation: null,
    annualReports: [],
    closed: null,
    lastOccurredOn: null,
  };
}

export function openObjections(context: ApplicationContext): ObjectionRecord[] {
  return Object.values(context.objections).filter((o) => OPEN_OBJECTION_STATUSES.includes(o.status));
}

export function currentRound(context: ApplicationContext): PublicityRoundRecord | undefined {
  return context.publicity.rounds.find((r) => r.round === context.publicity.current);
}

/** Business date an event records, used to keep a stream's dates in order. */
export function businessDateOf(event: ApplicationEvent): string | undefined {
  const d = event.data as Record<string, unknown>;
  const keys = [
    'submittedOn', 'recommendedOn', 'acceptedOn', 'rejectedOn', 'completedOn', 'collectedOn', 'scoredOn',
    'shortlistedOn', 'eliminatedOn', 'heldOn', 'listedOn', 'proposedOn', 'receivedOn', 'refusedOn',
    'requestedOn', 'recordedOn', 'missedOn', 'decidedOn', 'disqualifiedOn', 'closedOn', 'decisionDate',
    'withdrawnOn', 'revokedOn', 'filedOn', 'overdueOn',
  ];
  for (const k of keys) if (typeof d[k] === 'string') return d[k] as string;
  return undefined;
}

function updateObjection(
  context: ApplicationContext,
  objectionId: string,
  change: (o: ObjectionRecord) => ObjectionRecord,
): ApplicationContext['objections'] {
  const current = context.objections[objectionId];
  return current ? { ...context.objections, [objectionId]: change(current) } : context.objections;
}

function updateRequest(
  o: ObjectionRecord,
  match: (r: EvidenceRequest) => boolean,
  change: Partial<EvidenceRequest>,
): ObjectionRecord {
  return { ...o, evidenceRequests: o.evidenceRequests.map((r) => (match(r) ? { ...r, ...change } : r)) };
}

/** Pure evolve; events it does not care about leave the context as it is. */
export function evolveContext(context: ApplicationContext, event: ApplicationEvent): ApplicationContext {
  const on = businessDateOf(event);
  const ctx: ApplicationContext =
    on && (!context.lastOccurredOn || on > context.lastOccurredOn) ? { ...context, lastOccurredOn: on } : context;
  switch (event.type) {
    case 'ApplicationSubmitted': {
      const d = event.data;
      return {
        ...ctx,
        applicationId: d.applicationId,
        termId: d.termId,
        applicant: d.applicant,
        channel: d.channel,
        submittedOn: d.submittedOn,
      };
    }
    case 'ApplicationRecommended':
      return {
        ...ctx,
        recommendation: { recommender: event.data.recommender, opinion: event.data.opinion, on: event.data.recommendedOn },
      };
    case 'QualificationAccepted':
      return { ...ctx, qualification: { outcome: 'accepted', on: event.data.acceptedOn } };
    case 'QualificationRejected':
      return {
        ...ctx,
        qualification: { outcome: 'rejected', reason: event.data.reason, on: event.data.rejectedOn },
        closed: { outcome: 'rejected', reason: event.data.reason, on: event.data.rejectedOn, stage: 'qualification-review' },
      };
    case 'OpinionSurveyCompleted':
      return {
        ...ctx,
        opinionSurvey: { findings: event.data.findings, adverse: event.data.adverse, on: event.data.completedOn },
      };
    case 'DepartmentOpinionsCollected':
      return {
        ...ctx,
        departmentOpinions: {
          opinions: event.data.opinions,
          adverse: event.data.opinions.some((o) => o.adverse),
          on: event.data.collectedOn,
        },
      };
    case 'MaterialsReviewScored': {
      const { reviews, counted, score, scoredOn } = event.data;
      return { ...ctx, scores: { ...ctx.scores, materialsReview: { reviews, counted, score, on: scoredOn } } };
    }
    case 'OnSiteReviewScored': {
      const { reviews, counted, score, scoredOn } = event.data;
      return { ...ctx, scores: { ...ctx.scores, onSiteReview: { reviews, counted, score, on: scoredOn } } };
    }
    case 'OralDefenceHeld': {
      const { reviews, counted, score, outcome, heldOn } = event.data;
      return {
        ...ctx,
        scores: {
          ...ctx.scores,
          oralDefence: {
            on: heldOn,
            ...(reviews ? { reviews } : {}),
            ...(counted !== undefined ? { counted } : {}),
            ...(score !== undefined ? { score } : {}),
            ...(outcome !== undefined ? { outcome } : {}),
          },
        },
      };
    }
    case 'CandidateListed':
      return {
        ...ctx,
        candidate: { on: event.data.listedOn, ...(event.data.rank !== undefined ? { rank: event.data.rank } : {}) },
      };
    case 'ApplicationProposed':
      return { ...ctx, tier: event.data.tier };
    case 'PublicityStarted': {
      const { round, list, startDate, endDate, endsAt } = event.data;
      return {
        ...ctx,
        publicity: {
          current: round,
          rounds: [...ctx.publicity.rounds.filter((r) => r.round !== round), { round, list, startDate, endDate, endsAt }],
        },
      };
    }
    case 'PublicityClosed':
      return {
        ...ctx,
        publicity: {
          current: ctx.publicity.current,
          rounds: ctx.publicity.rounds.map((r) =>
            r.round === event.data.round ? { ...r, closedOn: event.data.closedOn } : r,
          ),
        },
      };
    case 'ObjectionReceived':
    case 'ObjectionNotAdmitted': {
      // An objection not admitted (朝阳 第二十条) is recorded as received, with its refusal, and never opens.
      const d = event.data;
      return {
        ...ctx,
        objections: {
          ...ctx.objections,
          [d.objectionId]: {
            objectionId: d.objectionId,
            round: d.round,
            status: event.type === 'ObjectionReceived' ? 'received' : 'not-admitted',
            receivedOn: d.receivedOn,
            withinPublicity: d.withinPublicity,
            anonymous: d.objector.anonymous,
            consentToDisclose: d.objector.consentToDisclose,
            evidenceProvided: d.evidenceProvided,
            evidenceRequests: [],
            ...(event.type === 'ObjectionNotAdmitted' ? { refusal: event.data.refusal } : {}),
          },
        },
      };
    }
    case 'ObjectionAccepted':
      return {
        ...ctx,
        objections: updateObjection(ctx, event.data.objectionId, (o) => ({ ...o, status: 'accepted' })),
      };
    case 'ObjectionRefused':
      return {
        ...ctx,
        objections: updateObjection(ctx, event.data.objectionId, (o) => ({
          ...o,
          status: 'refused',
          decision: { reason: event.data.reason, on: event.data.refusedOn },
        })),
      };
    case 'ObjectionEvidenceRequested': {
      const { from, deadline, deadlineId, requestedOn } = event.data;
      return {
        ...ctx,
        objections: updateObjection(ctx, event.data.objectionId, (o) => ({
          ...o,
          evidenceRequests: [...o.evidenceRequests, { deadlineId, from, deadline, requestedOn, status: 'pending' }],
        })),
      };
    }
    case 'ObjectionEvidenceRecorded':
      return {
        ...ctx,
        objections: updateObjection(ctx, event.data.objectionId, (o) =>
          updateRequest(o, (r) => r.from === event.data.from && r.status === 'pending', {
            status: 'recorded',
            summary: event.data.summary,
          }),
        ),
      };
    case 'ObjectionEvidenceDeadlineMissed':
      return {
        ...ctx,
        objections: updateObjection(ctx, event.data.objectionId, (o) =>
          updateRequest(o, (r) => r.deadlineId === event.data.deadlineId, { status: 'missed' }),
        ),
      };
    case 'ObjectionUpheld':
    case 'ObjectionDismissed': {
      const { objectionId, decidedBy, reason, decidedOn } = event.data;
      const status = event.type === 'ObjectionUpheld' ? 'upheld' : 'dismissed';
      const next: ApplicationContext = {
        ...ctx,
        objections: updateObjection(ctx, objectionId, (o) => ({ ...o, status, decision: { decidedBy, reason, on: decidedOn } })),
      };
      return status === 'upheld'
        ? { ...next, closed: { outcome: 'disqualified', reason, on: decidedOn, objectionId } }
        : next;
    }
    case 'ApplicationDisqualified': {
      const { reason, article, objectionId, disqualifiedOn } = event.data;
      return {
        ...ctx,
        closed: { outcome: 'disqualified', reason, article, on: disqualifiedOn, ...(objectionId ? { objectionId } : {}) },
      };
    }
    case 'ApplicationEliminated':
      return {
        ...ctx,
        closed: { outcome: 'eliminated', reason: event.data.reason, stage: event.data.stage, on: event.data.eliminatedOn },
      };
    case 'ApplicationNotAwarded':
      return { ...ctx, closed: { outcome: 'notAwarded', reason: event.data.reason, on: event.data.decidedOn } };
    case 'ApplicationWithdrawn':
      return { ...ctx, closed: { outcome: 'withdrawn', reason: event.data.reason, on: event.data.withdrawnOn } };
    case 'ApplicationAwarded': {
      const { tier, decisionDate, documentNo, prize } = event.data;
      return { ...ctx, tier, award: { tier, decisionDate, documentNo, ...(prize ? { prize } : {}) } };
    }
    case 'ApplicationRevoked': {
      const { ground, article, recovers, publicNotice, revokedOn, incidentOn } = event.data;
      return {
        ...ctx,
        revocation: { ground, article, recovers, publicNotice, revokedOn, ...(incidentOn ? { incidentOn } : {}) },
      };
    }
    case 'AnnualReportFiled':
      return { ...ctx, annualReports: [...ctx.annualReports, { year: event.data.year, filedOn: event.data.filedOn }] };
    case 'ApplicationShortlisted':
    // Facts for the office (overdue duty, closed window); the rules read the award date itself.
    case 'AnnualReportOverdue':
    case 'RevocationWindowClosed':
      return ctx;
    default: {
      const _exhaustive: never = event;
      void _exhaustive;
      return ctx;
    }
  }
}
