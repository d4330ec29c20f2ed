/**
 * Objection log read model, for the supervision group and the office (济南 第九条, 淄博 第十二条:
 * the supervision group reads it): one document per application, holding each objection with the
 * publicity round it came in, whether it was within the period (朝阳 第二十条), its status, the
 * evidence deadlines (朝阳 第二十二、二十三条), every step with who took it, and the outcome
 * (朝阳 第二十四条). The objector is kept as stored and masked at read
 * (src/read-models/objector-masking.ts; 朝阳 第二十五条, 忻州 第二十七条).
 */
import type { Actor, StoredEvent } from '../src/event-store/event-store.port.js';
import type { ApplicationEventOf, EvidenceParty, Objector } from '../workflows/application/events.js';
import type { ObjectionStatus } from '../workflows/application/context.js';
import { applicationIdOfStream } from './audit.js';
import { defineProjection } from './projection.js';

export const OBJECTION_LOG_PROJECTION = 'objection-log';

export interface ObjectionStep {
  /** The event type: ObjectionReceived, ObjectionAccepted, ObjectionEvidenceRequested, … */
  step: string;
  /** Business date of the step. */
  on: string;
  recordedAt: string;
  /** Who recorded it (the clerk, the scheduler): never the objector. */
  by: Actor;
  revision: number;
  position: number;
  detail?: Record<string, unknown>;
}

export interface EvidenceDeadline {
  deadlineId: string;
  from: EvidenceParty;
  deadline: string;
  requestedOn: string;
  status: 'pending' | 'recorded' | 'missed';
  answeredOn?: string;
  summary?: string;
}

export interface ObjectionOutcome {
  result: 'refused' | 'upheld' | 'dismissed' | 'applicant-disqualified';
  decidedBy?: string;
  reason: string;
  article?: string;
  on: string;
}

export interface ObjectionLogEntry {
  objectionId: string;
  round: number;
  publicity: { list: 'candidate' | 'proposed'; startDate: string; endDate: string; endsAt: string } | null;
  receivedOn: string;
  receivedAt: string;
  withinPublicity: boolean;
  status: ObjectionStatus;
  /** As stored: mask before showing. */
  objector: Objector;
  grounds: string;
  evidenceProvided: boolean;
  deadlines: EvidenceDeadline[];
  steps: ObjectionStep[];
  outcome: ObjectionOutcome | null;
}

export interface ObjectionLogDoc {
  applicationId: string;
  programmeId: string | null;
  policyVersion: string | null;
  termId: string | null;
  applicant: { kind: string; id: string; name: string } | null;
  publicityRounds: Array<{ round: number; list: 'candidate' | 'proposed'; startDate: string; endDate: string; endsAt: string; closedOn?: string }>;
  objections: ObjectionLogEntry[];
  lastRevision: number;
}

const HANDLES = [
  'ApplicationSubmitted',
  'PublicityStarted',
  'PublicityClosed',
  'ObjectionReceived',
  'ObjectionAccepted',
  'ObjectionRefused',
  'ObjectionEvidenceRequested',
  'ObjectionEvidenceRecorded',
  'ObjectionEvidenceDeadlineMissed',
  'ObjectionUpheld',
  'ObjectionDismissed',
  'ApplicationDisqualified',
] as const;
type Handled = (typeof HANDLES)[number];
type HandledEvent = { [T in Handled]: ApplicationEventOf<T> }[Handled];

export const objectionLogProjection = defineProjection<ObjectionLogDoc>({
  name: OBJECTION_LOG_PROJECTION,
  version: 1,
  handles: HANDLES,
  keys(event) {
    const id = applicationIdOfStream(event.streamId);
    return id === null ? [] : [`application:${id}`];
  },
  evolve(document, stored) {
    const doc = document ?? emptyDoc(stored);
    if (stored.revision <= doc.lastRevision) return doc;
    const next = apply(doc, { type: stored.type, data: stored.data } as HandledEvent, stored);
    return { ...next, lastRevision: stored.revision };
  },
});

function emptyDoc(event: StoredEvent): ObjectionLogDoc {
  return {
    applicationId: applicationIdOfStream(event.streamId)!,
    programmeId: null,
    policyVersion: null,
    termId: null,
    applicant: null,
    publicityRounds: [],
    objections: [],
    lastRevision: -1,
  };
}

function step(stored: StoredEvent, on: string, detail?: Record<string, unknown>): ObjectionStep {
  return {
    step: stored.type,
    on,
    recordedAt: stored.metadata.recordedAt,
    by: stored.metadata.actor,
    revision: stored.revision,
    position: stored.position,
    ...(detail ? { detail } : {}),
  };
}

function apply(doc: ObjectionLogDoc, event: HandledEvent, stored: StoredEvent): ObjectionLogDoc {
  const update = (objectionId: string, change: (o: ObjectionLogEntry) => ObjectionLogEntry): ObjectionLogDoc => ({
    ...doc,
    objections: doc.objections.map((o) => (o.objectionId === objectionId ? change(o) : o)),
  });
  switch (event.type) {
    case 'ApplicationSubmitted': {
      const { programmeId, policyVersion, termId, applicant } = event.data;
      return { ...doc, programmeId, policyVersion, termId, applicant: { kind: applicant.kind, id: applicant.id, name: applicant.name } };
    }
    case 'PublicityStarted': {
      const { round, list, startDate, endDate, endsAt } = event.data;
      return { ...doc, publicityRounds: [...doc.publicityRounds.filter((r) => r.round !== round), { round, list, startDate, endDate, endsAt }] };
    }
    case 'PublicityClosed':
      return {
        ...doc,
        publicityRounds: doc.publicityRounds.map((r) => (r.round === event.data.round ? { ...r, closedOn: event.data.closedOn } : r)),
      };
    case 'ObjectionReceived': {
      const d = event.data;
      const round = doc.publicityRounds.find((r) => r.round === d.round);
      const entry: ObjectionLogEntry = {
        objectionId: d.objectionId,
        round: d.round,
        publicity: round ? { list: round.list, startDate: round.startDate, endDate: round.endDate, endsAt: round.endsAt } : null,
        receivedOn: d.receivedOn,
        receivedAt: d.receivedAt,
        withinPublicity: d.withinPublicity,
        status: 'received',
        objector: d.objector,
        grounds: d.grounds,
        evidenceProvided: d.evidenceProvided,
        deadlines: [],
        steps: [step(stored, d.receivedOn, { withinPublicity: d.withinPublicity, evidenceProvided: d.evidenceProvided })],
        outcome: null,
      };
      return { ...doc, objections: [...doc.objections.filter((o) => o.objectionId !== d.objectionId), entry] };
    }
    case 'ObjectionAccepted':
      return update(event.data.objectionId, (o) => ({ ...o, status: 'accepted', steps: [...o.steps, step(stored, event.data.acceptedOn)] }));
    case 'ObjectionRefused': {
      const { reason, refusedOn } = event.data;
      return update(event.data.objectionId, (o) => ({
        ...o,
        status: 'refused',
        steps: [...o.steps, step(stored, refusedOn, { reason })],
        outcome: { result: 'refused', reason, on: refusedOn },
      }));
    }
    case 'ObjectionEvidenceRequested': {
      const { from, deadline, deadlineId, requestedOn } = event.data;
      return update(event.data.objectionId, (o) => ({
        ...o,
        deadlines: [...o.deadlines, { deadlineId, from, deadline, requestedOn, status: 'pending' }],
        steps: [...o.steps, step(stored, requestedOn, { from, deadline, deadlineId })],
      }));
    }
    case 'ObjectionEvidenceRecorded': {
      const { from, summary, recordedOn } = event.data;
      return update(event.data.objectionId, (o) => {
        // The oldest pending request of that party is the one answered (as the statechart reads it).
        const answered = o.deadlines.find((r) => r.from === from && r.status === 'pending');
        return {
          ...o,
          deadlines: o.deadlines.map((r) => (r === answered ? { ...r, status: 'recorded', answeredOn: recordedOn, summary } : r)),
          steps: [...o.steps, step(stored, recordedOn, { from, summary })],
        };
      });
    }
    case 'ObjectionEvidenceDeadlineMissed': {
      const { from, deadlineId, missedOn } = event.data;
      return update(event.data.objectionId, (o) => ({
        ...o,
        deadlines: o.deadlines.map((r) => (r.deadlineId === deadlineId ? { ...r, status: 'missed' } : r)),
        steps: [...o.steps, step(stored, missedOn, { from, deadlineId })],
      }));
    }
    case 'ObjectionUpheld':
    case 'ObjectionDismissed': {
      const { decidedBy, reason, decidedOn } = event.data;
      const result = event.type === 'ObjectionUpheld' ? 'upheld' : 'dismissed';
      return update(event.data.objectionId, (o) => ({
        ...o,
        status: result,
        steps: [...o.steps, step(stored, decidedOn, { decidedBy, reason })],
        outcome: { result, decidedBy, reason, on: decidedOn },
      }));
    }
    case 'ApplicationDisqualified': {
      const { objectionId, reason, article, disqualifiedOn } = event.data;
      // The recommending body did not verify in time (朝阳 第二十二条): the applicant fails.
      if (!objectionId) return doc;
      return update(objectionId, (o) => ({
        ...o,
        steps: [...o.steps, step(stored, disqualifiedOn, { reason, article })],
        outcome: { result: 'applicant-disqualified', reason, article, on: disqualifiedOn },
      }));
    }
  }
}

// --- queries (pure) -----------------------------------------------------------------------------

export interface ObjectionFilter {
  status?: string;
  /** Received on or after (business date). */
  from?: string;
  /** Received on or before (business date). */
  to?: string;
}

/** The log rows of some documents: one per objection, oldest first. */
export function objectionRows(docs: readonly ObjectionLogDoc[], filter: ObjectionFilter = {}) {
  return docs
    .flatMap((doc) =>
      doc.objections.map((objection) => ({
        applicationId: doc.applicationId,
        programmeId: doc.programmeId,
        policyVersion: doc.policyVersion,
        termId: doc.termId,
        applicant: doc.applicant,
        ...objection,
      })),
    )
    .filter((row) => filter.status === undefined || row.status === filter.status)
    .filter((row) => filter.from === undefined || row.receivedOn >= filter.from)
    .filter((row) => filter.to === undefined || row.receivedOn <= filter.to)
    .sort((a, b) => a.steps[0]!.position - b.steps[0]!.position);
}

export type ObjectionRow = ReturnType<typeof objectionRows>[number];
