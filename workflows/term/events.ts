/**
 * Events of the term (届) aggregate: one round of a programme's award, stream `term-<termId>`.
 *
 * A term is governed by the policy version in force on its notice date (RULES.md, "Regulations
 * expire and are replaced"); the version is fixed in TermOpened and never re-resolved.
 */
import type { ApplicantKind } from '../policy/policy.types.js';

export interface TermEventShape<Type extends string, Data> {
  type: Type;
  data: Data;
}

export interface ProposedEntry {
  applicationId: string;
  applicantId: string;
  applicantKind: ApplicantKind;
  tier: string;
}

export interface AwardedEntry {
  applicationId: string;
  tier: string;
  applicantKind: ApplicantKind;
}

/** Why a proposed application was not awarded at approval. */
export type NotAwardedReason = 'objection-upheld' | 'objection-pending' | 'left-the-procedure';

export interface NotAwardedEntry extends AwardedEntry {
  reason: NotAwardedReason;
}

export type TermOpened = TermEventShape<
  'TermOpened',
  {
    termId: string;
    programmeId: string;
    policyVersion: string;
    year: number;
    noticeDate: string;
    applicationDeadline: string;
    cycleYears: number;
  }
>;

/**
 * The committee's proposed list (拟奖名单) with tiers. `replaces` true: `entries` is the whole
 * list and supersedes the earlier one; false: `entries` are added (a committee may record its
 * list in sittings, e.g. per tier). Both only while the proposed list's publicity has not started.
 */
export type ProposedListRecorded = TermEventShape<
  'ProposedListRecorded',
  { termId: string; entries: ProposedEntry[]; replaces: boolean }
>;

export type PublicityStarted = TermEventShape<
  'PublicityStarted',
  {
    termId: string;
    round: number;
    list: 'candidate' | 'proposed';
    startDate: string;
    /** Last day of the period (inclusive). */
    endDate: string;
    /** Instant the period is over (24:00 Asia/Shanghai of endDate). */
    endsAt: string;
    applicationIds: string[];
  }
>;

export type TermApproved = TermEventShape<
  'TermApproved',
  {
    termId: string;
    decisionDate: string;
    documentNo: string;
    awarded: AwardedEntry[];
    notAwarded: NotAwardedEntry[];
  }
>;

/**
 * The government's later decision on an application that the approval left out because an
 * objection was still open (`notAwarded` with 'objection-pending'), once that objection is settled:
 * awarded in the tier it was proposed for, or not awarded. The term stream's revision serialises it
 * with every other quota decision (淄博 第四条, 济南 第二条, 忻州 第四条, 瀍河 第四条, 朝阳 第三条).
 */
export type SupplementaryDecisionRecorded = TermEventShape<
  'SupplementaryDecisionRecorded',
  {
    termId: string;
    applicationId: string;
    tier: string;
    applicantKind: ApplicantKind;
    outcome: 'awarded' | 'not-awarded';
    decisionDate: string;
    documentNo: string;
    reason?: string;
  }
>;

/** A revocation noted on the term: the place is recorded as released (quota table, audit). */
export type AwardRevokedOnTerm = TermEventShape<
  'AwardRevokedOnTerm',
  { termId: string; applicationId: string; tier: string; kind: ApplicantKind; ground: string }
>;

export type TermEvent =
  | TermOpened
  | ProposedListRecorded
  | PublicityStarted
  | TermApproved
  | SupplementaryDecisionRecorded
  | AwardRevokedOnTerm;
export type TermEventType = TermEvent['type'];

export const TERM_EVENT_TYPES: readonly TermEventType[] = [
  'TermOpened',
  'ProposedListRecorded',
  'PublicityStarted',
  'TermApproved',
  'SupplementaryDecisionRecorded',
  'AwardRevokedOnTerm',
];

/** Term ids are `<programmeId>-<year>`: one term per programme per year is the stream's no_stream. */
export function termIdFor(programmeId: string, year: number): string {
  return `${programmeId}-${year}`;
}

export function termStreamId(termId: string): string {
  return `term-${termId}`;
}

/** The programme's register of terms: serialises openings so the cycle can be checked. */
export function programmeTermsStreamId(programmeId: string): string {
  return `programme-${programmeId}-terms`;
}

export type TermRegistered = TermEventShape<
  'TermRegistered',
  { programmeId: string; termId: string; year: number; noticeDate: string; policyVersion: string }
>;
