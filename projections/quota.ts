/**
 * Quota read model: per term (届), the places proposed, awarded, revoked and still free, per tier and
 * applicant kind and programme-wide (淄博 第四条, 济南 第二条, 忻州 第四条, 瀍河 第四条, 朝阳 第三条).
 *
 * Design: the document holds only facts of the term stream (`term-<termId>`), including the
 * programme and the policy version fixed by TermOpened. The limits are NOT copied into it: the
 * query side resolves the version through the PolicyRegistry and computes the table with the
 * same `quotaTable` the deciders' `checkQuota` shares its buckets with (`quotaView` below). So
 * evolve stays pure and needs no dependencies (the projection registers as a plain value), and a
 * corrected policy file shows at once, without a rebuild.
 *
 * The term stream also has a `PublicityStarted`, like the application stream: only events of a
 * term stream are keyed (`keys` checks the stream id against termStreamId).
 */
import type { StoredEvent } from '../src/event-store/event-store.port.js';
import type { ApplicantKind, ProgrammePolicy } from '../workflows/policy/policy.types.js';
import { type QuotaClaim, quotaTable } from '../workflows/policy/quota.js';
import { type TermEvent, TERM_EVENT_TYPES, termStreamId } from '../workflows/term/events.js';
import { defineProjection } from './projection.js';

export const QUOTA_PROJECTION = 'term-quota';

export interface QuotaPlace {
  applicationId: string;
  tier: string;
  kind: ApplicantKind;
}

export interface QuotaDocument {
  termId: string;
  programmeId: string;
  policyVersion: string;
  year: number;
  status: 'open' | 'publicity' | 'approved';
  /** The committee's proposed list as it stands (a replacing list supersedes the earlier one). */
  proposed: QuotaPlace[];
  /** Awarded by the government's approval (TermApproved), then by its supplementary decisions. */
  awarded: QuotaPlace[];
  /** Awards revoked afterwards (AwardRevokedOnTerm): their places are released. */
  revoked: Array<QuotaPlace & { ground: string }>;
  approval: { decisionDate: string; documentNo: string } | null;
  /** Revision of the last term-stream event applied: replays of older events change nothing. */
  revision: number;
}

const termEvent = (event: StoredEvent) => event as unknown as StoredEvent & TermEvent;

export const quotaProjection = defineProjection<QuotaDocument>({
  name: QUOTA_PROJECTION,
  // 2: a supplementary award (SupplementaryDecisionRecorded) takes its place like the approval's.
  version: 2,
  handles: TERM_EVENT_TYPES,
  keys(event) {
    const { termId } = termEvent(event).data as { termId?: unknown };
    // Only the term's own stream: the application stream's PublicityStarted has the same type.
    return typeof termId === 'string' && event.streamId === termStreamId(termId) ? [termId] : [];
  },
  evolve(document, stored) {
    const event = termEvent(stored);
    if (document && stored.revision <= document.revision) return document;
    if (event.type === 'TermOpened') {
      const { termId, programmeId, policyVersion, year } = event.data;
      return { termId, programmeId, policyVersion, year, status: 'open', proposed: [], awarded: [], revoked: [], approval: null, revision: stored.revision };
    }
    // Nothing counts before the term is opened (a stream never starts otherwise).
    if (!document) return null;
    const next = { ...document, revision: stored.revision };
    switch (event.type) {
      case 'ProposedListRecorded': {
        const added = event.data.entries.map(({ applicationId, tier, applicantKind }) => ({ applicationId, tier, kind: applicantKind }));
        return { ...next, proposed: [...(event.data.replaces ? [] : document.proposed), ...added] };
      }
      case 'PublicityStarted':
        return { ...next, status: document.status === 'approved' ? 'approved' : 'publicity' };
      case 'TermApproved': {
        const { decisionDate, documentNo, awarded } = event.data;
        return {
          ...next,
          status: 'approved',
          awarded: awarded.map(({ applicationId, tier, applicantKind }) => ({ applicationId, tier, kind: applicantKind })),
          approval: { decisionDate, documentNo },
        };
      }
      case 'SupplementaryDecisionRecorded': {
        const { applicationId, tier, applicantKind, outcome } = event.data;
        if (outcome !== 'awarded' || document.awarded.some((a) => a.applicationId === applicationId)) return next;
        return { ...next, awarded: [...document.awarded, { applicationId, tier, kind: applicantKind }] };
      }
      case 'AwardRevokedOnTerm': {
        const { applicationId, tier, kind, ground } = event.data;
        if (document.revoked.some((r) => r.applicationId === applicationId)) return next;
        return { ...next, revoked: [...document.revoked, { applicationId, tier, kind, ground }] };
      }
      default:
        return next;
    }
  },
});

// --- query side (pure): the document plus its policy version → the quota table ------------------

export interface QuotaLine {
  /** Tier id, or '*' for the programme-wide limit. */
  tier: string;
  kind: ApplicantKind | 'total';
  limit: number;
  article: string;
  proposed: number;
  awarded: number;
  revoked: number;
  /** Places taken now: the proposed list before approval; awarded and not revoked after it. */
  held: number;
  free: number;
}

export interface QuotaView {
  termId: string;
  programmeId: string;
  policyVersion: string;
  year: number;
  status: QuotaDocument['status'];
  approval: QuotaDocument['approval'];
  lines: QuotaLine[];
}

/** The places a term holds, as the term aggregate counts them (workflows/term/term.ts placesHeld). */
export function placesHeld(document: QuotaDocument): QuotaClaim[] {
  if (document.status !== 'approved') return document.proposed.map(claim);
  const revoked = new Set(document.revoked.map((r) => r.applicationId));
  return document.awarded.filter((a) => !revoked.has(a.applicationId)).map(claim);
}

/**
 * One line per limit the term's policy version sets (per tier and kind, per tier, programme-wide).
 * `free` never goes below 0 and `held` is what the deciders count, so the table never offers more
 * places than the policy allows; a revoked award releases its place.
 */
export function quotaView(document: QuotaDocument, policy: ProgrammePolicy): QuotaView {
  if (policy.programmeId !== document.programmeId || policy.version !== document.policyVersion) {
    throw new Error(`quotaView: term ${document.termId} is governed by ${document.programmeId}/${document.policyVersion}, not ${policy.programmeId}/${policy.version}`);
  }
  const limits = quotaTable(policy, placesHeld(document));
  const used = (places: QuotaPlace[]) => quotaTable(policy, places.map(claim)).map((row) => row.used);
  const proposed = used(document.proposed);
  const awarded = used(document.awarded);
  const revoked = used(document.revoked);
  const { termId, programmeId, policyVersion, year, status, approval } = document;
  return {
    termId,
    programmeId,
    policyVersion,
    year,
    status,
    approval,
    lines: limits.map((row, i) => ({
      tier: row.tier,
      kind: row.kind,
      limit: row.limit,
      article: row.article,
      proposed: proposed[i]!,
      awarded: awarded[i]!,
      revoked: revoked[i]!,
      held: row.used,
      free: row.free,
    })),
  };
}

function claim(place: QuotaPlace): QuotaClaim {
  return { tier: place.tier, kind: place.kind };
}
