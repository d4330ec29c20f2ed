/**
 * Term state and its pure evolve. `status`:
 * - 'not-opened'  no TermOpened yet
 * - 'open'        accepting submissions and the committee's proposed list
 * - 'publicity'   at least one publicity round has started
 * - 'approved'    the government's decision is recorded; the term is closed
 */
import type {
  AwardedEntry,
  NotAwardedEntry,
  ProposedEntry,
  PublicityStarted,
  SupplementaryDecisionRecorded,
  TermEvent,
  TermRegistered,
} from './events.js';
import type { ApplicantKind } from '../policy/policy.types.js';

export type PublicityRecord = PublicityStarted['data'];

export interface TermFacts {
  termId: string;
  programmeId: string;
  policyVersion: string;
  year: number;
  noticeDate: string;
  applicationDeadline: string;
  cycleYears: number;
  proposed: ProposedEntry[];
  publicity: PublicityRecord[];
  revoked: Array<{ applicationId: string; tier: string; kind: ApplicantKind; ground: string }>;
}

export type TermState =
  | { status: 'not-opened' }
  | (TermFacts & { status: 'open' | 'publicity' })
  | (TermFacts & {
      status: 'approved';
      approval: { decisionDate: string; documentNo: string; awarded: AwardedEntry[]; notAwarded: NotAwardedEntry[] };
      /** Later decisions on those the approval left out with an open objection, in order. */
      supplementary: Array<SupplementaryDecisionRecorded['data']>;
    });

export type OpenedTermState = Exclude<TermState, { status: 'not-opened' }>;

export const initialTermState = (): TermState => ({ status: 'not-opened' });

export function evolveTerm(state: TermState, event: TermEvent): TermState {
  switch (event.type) {
    case 'TermOpened':
      return { status: 'open', ...event.data, proposed: [], publicity: [], revoked: [] };
    case 'ProposedListRecorded': {
      if (state.status === 'not-opened') return state;
      const kept = event.data.replaces ? [] : state.proposed;
      return { ...state, proposed: [...kept, ...event.data.entries] };
    }
    case 'PublicityStarted':
      if (state.status === 'not-opened') return state;
      return { ...state, status: 'publicity', publicity: [...state.publicity, event.data] };
    case 'TermApproved': {
      if (state.status === 'not-opened') return state;
      const { decisionDate, documentNo, awarded, notAwarded } = event.data;
      return { ...state, status: 'approved', approval: { decisionDate, documentNo, awarded, notAwarded }, supplementary: [] };
    }
    case 'SupplementaryDecisionRecorded':
      if (state.status !== 'approved') return state;
      return { ...state, supplementary: [...state.supplementary, event.data] };
    case 'AwardRevokedOnTerm': {
      if (state.status === 'not-opened') return state;
      const { applicationId, tier, kind, ground } = event.data;
      return { ...state, revoked: [...state.revoked, { applicationId, tier, kind, ground }] };
    }
    default:
      return state;
  }
}

export function foldTerm(events: readonly TermEvent[]): TermState {
  return events.reduce(evolveTerm, initialTermState());
}

/** Every award of an approved term: the approval's, then the supplementary ones. */
export function awardsOf(state: Extract<TermState, { status: 'approved' }>): AwardedEntry[] {
  const later = state.supplementary
    .filter((d) => d.outcome === 'awarded')
    .map(({ applicationId, tier, applicantKind }) => ({ applicationId, tier, applicantKind }));
  return [...state.approval.awarded, ...later];
}

/** Places a term holds: awarded (at the approval or later) and not revoked, or proposed (before). */
export function placesHeld(state: TermState): Array<{ tier: string; kind: ApplicantKind }> {
  if (state.status === 'not-opened') return [];
  if (state.status === 'approved') {
    const revoked = new Set(state.revoked.map((r) => r.applicationId));
    return awardsOf(state)
      .filter((a) => !revoked.has(a.applicationId))
      .map((a) => ({ tier: a.tier, kind: a.applicantKind }));
  }
  return state.proposed.map((p) => ({ tier: p.tier, kind: p.applicantKind }));
}

/** The programme's register of terms (stream programme-<id>-terms). */
export interface ProgrammeTerms {
  terms: Array<TermRegistered['data']>;
}

export function foldProgrammeTerms(events: ReadonlyArray<TermRegistered>): ProgrammeTerms {
  return { terms: events.filter((e) => e.type === 'TermRegistered').map((e) => e.data) };
}
