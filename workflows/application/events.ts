/**
 * Events of one application's stream (`application-<id>`), past tense, data only (JSON-safe).
 * Business dates are 'YYYY-MM-DD' strings, instants ISO 8601 strings. These are also the events of
 * the application statechart (machine.ts): replaying a stream through it gives the state.
 *
 * Who appends what: the API's commands (decide.ts) append most; the term's decisions append
 * CandidateListed/ApplicationProposed/PublicityStarted/ApplicationAwarded/ApplicationNotAwarded
 * per application; the scheduler appends PublicityClosed, ObjectionEvidenceDeadlineMissed,
 * AnnualReportOverdue and RevocationWindowClosed (src/deadlines).
 */
import type { ApplicantKind, ChannelKind } from '../policy/policy.types.js';

/** emmett's shape: a type tag and its data. */
export type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };

/** The only place an application's stream id is built. */
export function applicationStreamId(applicationId: string): string {
  return `application-${applicationId}`;
}

export const APPLICATION_STREAM_PREFIX = 'application-';

// --- value types -------------------------------------------------------------------------------

export interface Applicant {
  kind: ApplicantKind;
  /** USCC (organisation, GB 32100) or resident id (individual, GB 11643). */
  id: string;
  name: string;
}

export interface Channel {
  kind: ChannelKind;
  /** Recommending body; null for a direct filing (朝阳 第十七条(三) 1). */
  recommender: string | null;
}

/** Facts the applicant declares at submission (checked by the terms/service engineer's eligibility rules). */
export interface Declaration {
  /** Organisation: 'YYYY-MM-DD' it began operating. */
  operatingSince?: string;
  /** 四新 field (zibo 第七条(一)). */
  fourNewField?: boolean;
  /** Individual: years of quality work in the city. */
  qualityWorkYears?: number;
  /** Exclusion code (policy.eligibility.exclusions[].code) → true when the applicant had such an event. */
  exclusions: Record<string, boolean>;
  /** Leading-group waiver of the minimum operating years (xinzhou 第十条). */
  waiver?: { grantedBy: 'leading-group'; reference: string };
  /** Anything else the form carries. */
  [extra: string]: unknown;
}

/**
 * One reviewer's scores in the seven GB/T 19580 categories; every programme's events keep this shape.
 * The maxima (110/90/90/130/100/80/400) are the policy's `scoring.categories`, enforced only where the
 * text names GB/T 19580 (瀍河 第十三条, 朝阳 第五条); elsewhere only the total is checked (scoring.ts).
 */
export interface CategoryScores {
  leadership: number;
  strategy: number;
  customersAndMarket: number;
  resources: number;
  processManagement: number;
  measurementAnalysisImprovement: number;
  results: number;
}

/** One reviewer's score; a recused reviewer (xinzhou 第二十九条, 朝阳 第三十二条) is recorded but not counted. */
export interface ReviewerScore {
  reviewerId: string;
  recused: boolean;
  /** Required unless recused. */
  scores?: CategoryScores;
  /** Why the reviewer withdrew: own declaration or the applicant's written request (朝阳 第三十二条). */
  recusalReason?: string;
}

/** A scored review as recorded: the reviews plus the mean over the counted reviewers' totals. */
export interface ScoredReview {
  reviews: ReviewerScore[];
  /** Reviewers counted (not recused). */
  counted: number;
  /** Mean of the counted reviewers' totals, rounded to 2 decimals. */
  score: number;
}

export type EvidenceParty = 'recommender' | 'applicant' | 'objector';

export interface Objector {
  anonymous: boolean;
  name?: string;
  contact?: string;
  /** The objector agreed that the identity may be disclosed (朝阳 第二十五条); otherwise it stays confidential. */
  consentToDisclose: boolean;
}

/** Stages where an application can be eliminated (a StageId or a publicity round). */
export type EliminationStage = string;

// --- events ------------------------------------------------------------------------------------

export type ApplicationSubmitted = Event<
  'ApplicationSubmitted',
  {
    applicationId: string;
    termId: string;
    programmeId: string;
    policyVersion: string;
    applicant: Applicant;
    channel: Channel;
    declaration: Declaration;
    submittedOn: string;
  }
>;
export type ApplicationRecommended = Event<
  'ApplicationRecommended',
  { applicationId: string; recommender: string; opinion: string; recommendedOn: string }
>;
export type QualificationAccepted = Event<'QualificationAccepted', { applicationId: string; acceptedOn: string }>;
/** Refusals are explained to the recommending body (朝阳 第十七条(四)). */
export type QualificationRejected = Event<
  'QualificationRejected',
  { applicationId: string; reason: string; rejectedOn: string }
>;
/** 舆情调查 (zibo 第十六条). */
export type OpinionSurveyCompleted = Event<
  'OpinionSurveyCompleted',
  { applicationId: string; findings: string; adverse: boolean; completedOn: string }
>;
/** 征求部门意见 (xinzhou 第十八条). */
export type DepartmentOpinionsCollected = Event<
  'DepartmentOpinionsCollected',
  {
    applicationId: string;
    opinions: Array<{ department: string; opinion: string; adverse: boolean }>;
    collectedOn: string;
  }
>;
export type MaterialsReviewScored = Event<
  'MaterialsReviewScored',
  { applicationId: string; scoredOn: string } & ScoredReview
>;
export type ApplicationShortlisted = Event<
  'ApplicationShortlisted',
  { applicationId: string; shortlistedOn: string }
>;
export type ApplicationEliminated = Event<
  'ApplicationEliminated',
  { applicationId: string; stage: EliminationStage; reason: string; eliminatedOn: string }
>;
export type OnSiteReviewScored = Event<
  'OnSiteReviewScored',
  { applicationId: string; scoredOn: string } & ScoredReview
>;
/** 陈述答辩: scored like the reviews, or just an outcome where the scheme does not score it. */
export type OralDefenceHeld = Event<
  'OralDefenceHeld',
  { applicationId: string; heldOn: string; outcome?: string } & Partial<ScoredReview>
>;
export type CandidateListed = Event<
  'CandidateListed',
  { applicationId: string; rank?: number; listedOn: string }
>;
/** Appended by the term's proposed-list decision. */
export type ApplicationProposed = Event<
  'ApplicationProposed',
  { applicationId: string; tier: string; proposedOn: string }
>;
/** Appended per application by the term's publicity decision. */
export type PublicityStarted = Event<
  'PublicityStarted',
  {
    applicationId: string;
    round: number;
    list: 'candidate' | 'proposed';
    startDate: string;
    /** Last day of publicity (inclusive). */
    endDate: string;
    /** Instant the period ends (scheduler fires PublicityClosed then). */
    endsAt: string;
  }
>;
export type ObjectionReceived = Event<
  'ObjectionReceived',
  {
    applicationId: string;
    objectionId: string;
    round: number;
    receivedOn: string;
    receivedAt: string;
    objector: Objector;
    grounds: string;
    evidenceProvided: boolean;
    withinPublicity: boolean;
  }
>;
/**
 * An objection the office received but the policy does not admit (朝阳 第二十条: anonymous, without
 * the real identity or written evidence, or after the publicity period): recorded with what was
 * received and why it is not admitted, so the objection log shows it. It opens nothing: the round
 * goes on as if it had not come (not an open objection), and nothing can be decided on it.
 */
export type ObjectionNotAdmitted = Event<
  'ObjectionNotAdmitted',
  ObjectionReceived['data'] & { refusal: ObjectionRefusalRecord }
>;

/** Why the policy does not admit an objection: the rule's message, article and the field at fault. */
export interface ObjectionRefusalRecord {
  reason: string;
  article: string;
  field?: string;
}
export type ObjectionAccepted = Event<
  'ObjectionAccepted',
  { applicationId: string; objectionId: string; acceptedOn: string }
>;
/** 朝阳 第二十一条: not accepted (e.g. insufficient evidence). */
export type ObjectionRefused = Event<
  'ObjectionRefused',
  { applicationId: string; objectionId: string; reason: string; refusedOn: string }
>;
export type ObjectionEvidenceRequested = Event<
  'ObjectionEvidenceRequested',
  {
    applicationId: string;
    objectionId: string;
    from: EvidenceParty;
    /** Last day to answer (inclusive). */
    deadline: string;
    /** Stable id the scheduler keys on. */
    deadlineId: string;
    requestedOn: string;
  }
>;
export type ObjectionEvidenceRecorded = Event<
  'ObjectionEvidenceRecorded',
  { applicationId: string; objectionId: string; from: EvidenceParty; summary: string; recordedOn: string }
>;
/**
 * Appended by the scheduler when a requested answer did not come (朝阳 第二十二、二十三条). The
 * consequence follows as its own event: recommender → ApplicationDisqualified; applicant →
 * ObjectionUpheld (taken to admit it); objector → ObjectionDismissed (taken to abandon it).
 */
export type ObjectionEvidenceDeadlineMissed = Event<
  'ObjectionEvidenceDeadlineMissed',
  { applicationId: string; objectionId: string; from: EvidenceParty; deadlineId: string; missedOn: string }
>;
export type ObjectionUpheld = Event<
  'ObjectionUpheld',
  { applicationId: string; objectionId: string; decidedBy: string; reason: string; decidedOn: string }
>;
export type ObjectionDismissed = Event<
  'ObjectionDismissed',
  { applicationId: string; objectionId: string; decidedBy: string; reason: string; decidedOn: string }
>;
/** Fails review for a reason other than an upheld objection, e.g. the recommender did not verify in time (朝阳 第二十二条). */
export type ApplicationDisqualified = Event<
  'ApplicationDisqualified',
  { applicationId: string; reason: string; article: string; objectionId?: string; disqualifiedOn: string }
>;
/** Fired by the scheduler at the end instant, or recorded by the office. */
export type PublicityClosed = Event<
  'PublicityClosed',
  { applicationId: string; round: number; closedOn: string }
>;
/** Appended by the term's award decision (government approval). */
/** Prize money of the tier for the applicant's kind; amount null where the text sets it elsewhere (济南, 淄博). */
export interface Prize {
  amount: number | null;
  currency: 'CNY';
  article?: string;
}

export type ApplicationAwarded = Event<
  'ApplicationAwarded',
  {
    applicationId: string;
    tier: string;
    decisionDate: string;
    documentNo: string;
    /** Recorded from the policy at the decision (忻州 第二十一条, 瀍河 第二十条, 朝阳 第十八条); absent on older events. */
    prize?: Prize;
  }
>;
export type ApplicationNotAwarded = Event<
  'ApplicationNotAwarded',
  { applicationId: string; reason: string; decidedOn: string }
>;
export type ApplicationWithdrawn = Event<
  'ApplicationWithdrawn',
  { applicationId: string; reason: string; withdrawnOn: string }
>;
export type ApplicationRevoked = Event<
  'ApplicationRevoked',
  {
    applicationId: string;
    /** Ground code of the policy (policy.revocation.grounds[].code). */
    ground: string;
    article: string;
    recovers: string[];
    publicNotice: boolean;
    revokedOn: string;
    /** When the ground arose, where the window counts from it (朝阳 第三十六条 "获奖后3年内如发生"). */
    incidentOn?: string;
    /** Prize money to recover when the ground recovers it (济南 第二十九条, 忻州 第二十八条, 瀍河 第二十八条). */
    prizeToRecover?: Prize;
  }
>;
/** 瀍河 第二十四条: yearly quality-performance report after the award. */
export type AnnualReportFiled = Event<
  'AnnualReportFiled',
  { applicationId: string; year: number; filedOn: string }
>;

/**
 * 瀍河 第二十四条: the `report`-th yearly report (1-based) was not filed by the end of its due day;
 * appended by the scheduler, so the office sees the duty overdue. A later filing still counts.
 */
export type AnnualReportOverdue = Event<
  'AnnualReportOverdue',
  { applicationId: string; report: number; dueDate: string; overdueOn: string }
>;
/**
 * The window of the grounds limited to `windowYears` after the award closed (瀍河 第二十九条 2 years,
 * 朝阳 第三十六条 3 years): an incident after `lastDay` no longer supports them. Appended by the scheduler.
 */
export type RevocationWindowClosed = Event<
  'RevocationWindowClosed',
  { applicationId: string; windowYears: number; grounds: string[]; lastDay: string; closedOn: string }
>;

export type ApplicationEvent =
  | ApplicationSubmitted
  | ApplicationRecommended
  | QualificationAccepted
  | QualificationRejected
  | OpinionSurveyCompleted
  | DepartmentOpinionsCollected
  | MaterialsReviewScored
  | ApplicationShortlisted
  | ApplicationEliminated
  | OnSiteReviewScored
  | OralDefenceHeld
  | CandidateListed
  | ApplicationProposed
  | PublicityStarted
  | ObjectionReceived
  | ObjectionNotAdmitted
  | ObjectionAccepted
  | ObjectionRefused
  | ObjectionEvidenceRequested
  | ObjectionEvidenceRecorded
  | ObjectionEvidenceDeadlineMissed
  | ObjectionUpheld
  | ObjectionDismissed
  | ApplicationDisqualified
  | PublicityClosed
  | ApplicationAwarded
  | ApplicationNotAwarded
  | ApplicationWithdrawn
  | ApplicationRevoked
  | AnnualReportFiled
  | AnnualReportOverdue
  | RevocationWindowClosed;

export type ApplicationEventType = ApplicationEvent['type'];
export type ApplicationEventOf<T extends ApplicationEventType> = Extract<ApplicationEvent, { type: T }>;

/** Every event type, for projections' "handles" lists and for guarding stored types. */
export const APPLICATION_EVENT_TYPES = [
  'ApplicationSubmitted',
  'ApplicationRecommended',
  'QualificationAccepted',
  'QualificationRejected',
  'OpinionSurveyCompleted',
  'DepartmentOpinionsCollected',
  'MaterialsReviewScored',
  'ApplicationShortlisted',
  'ApplicationEliminated',
  'OnSiteReviewScored',
  'OralDefenceHeld',
  'CandidateListed',
  'ApplicationProposed',
  'PublicityStarted',
  'ObjectionReceived',
  'ObjectionNotAdmitted',
  'ObjectionAccepted',
  'ObjectionRefused',
  'ObjectionEvidenceRequested',
  'ObjectionEvidenceRecorded',
  'ObjectionEvidenceDeadlineMissed',
  'ObjectionUpheld',
  'ObjectionDismissed',
  'ApplicationDisqualified',
  'PublicityClosed',
  'ApplicationAwarded',
  'ApplicationNotAwarded',
  'ApplicationWithdrawn',
  'ApplicationRevoked',
  'AnnualReportFiled',
  'AnnualReportOverdue',
  'RevocationWindowClosed',
] as const satisfies readonly ApplicationEventType[];

// Compile-time check that the list above names every event type.
type _MissingEventType = Exclude<ApplicationEventType, (typeof APPLICATION_EVENT_TYPES)[number]>;
const _allEventTypesListed: [_MissingEventType] extends [never] ? true : never = true;
void _allEventTypesListed;

export function isApplicationEventType(type: string): type is ApplicationEventType {
  return (APPLICATION_EVENT_TYPES as readonly string[]).includes(type);
}
