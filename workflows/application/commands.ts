/**
 * Commands on one application. The API's commands (names as in the routes) and the ones the term's
 * decisions and the scheduler issue per application. Every command brings `now` (ISO instant, from
 * the injected clock) and `occurredOn` (business date 'YYYY-MM-DD'): no clock inside decide.
 */
import type {
  ApplicationEventType,
  EvidenceParty,
  Objector,
  ReviewerScore,
} from './events.js';

export interface CommandBase {
  /** Instant the command is handled (ISO 8601 with offset). */
  now: string;
  /** Business date the decision was taken. */
  occurredOn: string;
}

type Cmd<Type extends string, Data = {}> = { type: Type } & Data & CommandBase;

export type RecommendCommand = Cmd<'recommend', { recommender?: string; opinion: string }>;
export type QualificationReviewCommand = Cmd<'qualification-review', { outcome: 'accepted' | 'rejected'; reason?: string }>;
export type OpinionSurveyCommand = Cmd<'opinion-survey', { findings: string; adverse: boolean }>;
export type DepartmentOpinionsCommand = Cmd<
  'department-opinions',
  { opinions: Array<{ department: string; opinion: string; adverse: boolean }> }
>;
export type MaterialsReviewCommand = Cmd<'materials-review', { reviews: ReviewerScore[] }>;
export type ShortlistCommand = Cmd<'shortlist'>;
export type EliminateCommand = Cmd<'eliminate', { reason: string }>;
export type OnSiteReviewCommand = Cmd<'on-site-review', { reviews: ReviewerScore[] }>;
/** Scored like the reviews, or an outcome only. */
export type OralDefenceCommand = Cmd<'oral-defence', { reviews?: ReviewerScore[]; outcome?: string }>;
export type CandidateCommand = Cmd<'candidate', { rank?: number }>;
export type WithdrawCommand = Cmd<'withdraw', { reason: string }>;
export type RevokeCommand = Cmd<
  'revoke',
  {
    ground: string;
    /** Defaults to occurredOn. */
    revokedOn?: string;
    /** When the ground arose; windowed grounds count from it (朝阳 第三十六条), else from revokedOn. */
    incidentOn?: string;
  }
>;
export type ObjectCommand = Cmd<
  'object',
  { objectionId: string; objector: Objector; grounds: string; evidenceProvided: boolean }
>;
export type ObjectionDecision = 'accept' | 'refuse' | 'request-evidence' | 'record-evidence' | 'uphold' | 'dismiss';
export type ObjectionDecisionCommand = Cmd<
  'objection-decision',
  {
    objectionId: string;
    decision: ObjectionDecision;
    /** request-evidence / record-evidence: whose evidence. */
    from?: EvidenceParty;
    /** request-evidence: last day to answer; required unless the policy's default is in calendar days. */
    deadline?: string;
    /** refuse / uphold / dismiss: why; record-evidence: summary of what came in. */
    reason?: string;
    /** uphold / dismiss: deciding body; defaults to the policy's (朝阳 第二十四条 committee). */
    decidedBy?: string;
  }
>;
export type ClosePublicityCommand = Cmd<'close-publicity', { round?: number }>;
export type FileAnnualReportCommand = Cmd<'file-annual-report', { year: number }>;

// Issued per application by the term's decisions and by the scheduler, not by the API.
export type ProposeCommand = Cmd<'propose', { tier: string }>;
export type StartPublicityCommand = Cmd<
  'start-publicity',
  { round: number; startDate: string; endDate: string; endsAt: string }
>;
export type AwardCommand = Cmd<'award', { tier: string; decisionDate: string; documentNo: string }>;
export type NotAwardCommand = Cmd<'not-award', { reason: string }>;
export type EvidenceDeadlineMissedCommand = Cmd<'evidence-deadline-missed', { objectionId: string; deadlineId: string }>;
/** 瀍河 第二十四条: the `report`-th yearly report (1-based) is past its due day. */
export type AnnualReportOverdueCommand = Cmd<'annual-report-overdue', { report: number }>;
export type CloseRevocationWindowCommand = Cmd<'close-revocation-window', { windowYears: number }>;

export type ApplicationCommand =
  | RecommendCommand
  | QualificationReviewCommand
  | OpinionSurveyCommand
  | DepartmentOpinionsCommand
  | MaterialsReviewCommand
  | ShortlistCommand
  | EliminateCommand
  | OnSiteReviewCommand
  | OralDefenceCommand
  | CandidateCommand
  | WithdrawCommand
  | RevokeCommand
  | ObjectCommand
  | ObjectionDecisionCommand
  | ClosePublicityCommand
  | FileAnnualReportCommand
  | ProposeCommand
  | StartPublicityCommand
  | AwardCommand
  | NotAwardCommand
  | EvidenceDeadlineMissedCommand
  | AnnualReportOverdueCommand
  | CloseRevocationWindowCommand;

export type ApplicationCommandType = ApplicationCommand['type'];

/** Events each command may produce: how acceptedCommands reads the statechart. */
export const COMMAND_EVENTS: Record<ApplicationCommandType, readonly ApplicationEventType[]> = {
  recommend: ['ApplicationRecommended'],
  'qualification-review': ['QualificationAccepted', 'QualificationRejected'],
  'opinion-survey': ['OpinionSurveyCompleted'],
  'department-opinions': ['DepartmentOpinionsCollected'],
  'materials-review': ['MaterialsReviewScored'],
  shortlist: ['ApplicationShortlisted'],
  eliminate: ['ApplicationEliminated'],
  'on-site-review': ['OnSiteReviewScored'],
  'oral-defence': ['OralDefenceHeld'],
  candidate: ['CandidateListed'],
  withdraw: ['ApplicationWithdrawn'],
  revoke: ['ApplicationRevoked'],
  // Admitted, or recorded as not admitted (朝阳 第二十条) where the state can record it.
  object: ['ObjectionReceived', 'ObjectionNotAdmitted'],
  'objection-decision': [
    'ObjectionAccepted',
    'ObjectionRefused',
    'ObjectionEvidenceRequested',
    'ObjectionEvidenceRecorded',
    'ObjectionUpheld',
    'ObjectionDismissed',
  ],
  'close-publicity': ['PublicityClosed'],
  'file-annual-report': ['AnnualReportFiled'],
  propose: ['ApplicationProposed'],
  'start-publicity': ['PublicityStarted'],
  award: ['ApplicationAwarded'],
  'not-award': ['ApplicationNotAwarded'],
  'evidence-deadline-missed': ['ObjectionEvidenceDeadlineMissed'],
  'annual-report-overdue': ['AnnualReportOverdue'],
  'close-revocation-window': ['RevocationWindowClosed'],
};

/** The commands the HTTP API takes (the rest come from the term's decisions and the scheduler). */
export const API_COMMANDS = [
  'recommend',
  'qualification-review',
  'opinion-survey',
  'department-opinions',
  'materials-review',
  'shortlist',
  'eliminate',
  'on-site-review',
  'oral-defence',
  'candidate',
  'withdraw',
  'revoke',
  'object',
  'objection-decision',
  'close-publicity',
  'file-annual-report',
] as const satisfies readonly ApplicationCommandType[];

export type ApiCommandType = (typeof API_COMMANDS)[number];
