/**
 * Objection log read model, for the supervision group and the office (济南 第九条, 淄博 第十二条:
 * the supervision group reads it): one document per application, holding each objection with the
 * publicity round it came in, whether it was within the period (朝阳 第二十条), its status, the
 * evidence deadlines (朝阳 第二十二、二十三条), every step with who took it, and the outcome
 * (朝阳 第二十四条). The objector is kept as stored and masked at read
 * (src/read-models/objector-masking.ts; 朝阳 第二十五条, 忻州 第二十七条).
 *
 * One document per application, `objections:<applicationId>`, created by its submission (the only
 * event that names the programme and the term): the application (programme, policy version, term,
 * applicant), its publicity rounds and its objections. The store indexes a document by
 * `<programmeId>/<termId>` once it holds an objection (Projection.index; none before), so a query
 * for a term is one exact index lookup and a programme one index range (readObjectionLog): it reads
 * only the documents it answers with, never an application without objections nor another term's.
 * An entry's publicity period is joined from the document's rounds at read time, by its round: a
 * round is started once (the statechart moves round by round), so this is the period it came in.
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
  /** 'not-admitted': the policy refused it on receipt (朝阳 第二十条); reason, article and field say why. */
  result: 'refused' | 'upheld' | 'dismissed' | 'applicant-disqualified' | 'not-admitted';
  decidedBy?: string;
  reason: string;
  article?: string;
  field?: string;
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

/** `objections:<applicationId>`: every application; indexed once it has an objection. */
export interface ObjectionLogDoc {
  applicationId: string;
  programmeId: string | null;
  policyVersion: string | null;
  termId: string | null;
  applicant: { kind: string; id: string; name: string } | null;
  publicityRounds: PublicityRound[];
  objections: StoredObjection[];
  lastRevision: number;
}

export interface PublicityRound {
  round: number;
  list: 'candidate' | 'proposed';
  startDate: string;
  endDate: string;
  endsAt: string;
  closedOn?: string;
}

/** An objection as stored: its publicity period is joined from the document's rounds by `round`. */
export type StoredObjection = Omit<ObjectionLogEntry, 'publicity'>;

/** An application of the log with its objections, as the query joins them. */
export interface ObjectionLogApplication {
  applicationId: string;
  programmeId: string | null;
  policyVersion: string | null;
  termId: string | null;
  applicant: { kind: string; id: string; name: string } | null;
  publicityRounds: PublicityRound[];
  objections: ObjectionLogEntry[];
}

export const OBJECTIONS_KEY_PREFIX = 'objections:';
export const objectionsKey = (applicationId: string): string => `${OBJECTIONS_KEY_PREFIX}${applicationId}`;

/** The index of an application with objections: its programme and term ('/' is in no id). */
export const termIndex = (programmeId: string, termId: string): string => `${programmeId}/${termId}`;

const HANDLES = [
  'ApplicationSubmitted',
  'PublicityStarted',
  'PublicityClosed',
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
] as const;
type Handled = (typeof HANDLES)[number];
type HandledEvent = { [T in Handled]: ApplicationEventOf<T> }[Handled];
type ContextEvent = Extract<HandledEvent, { type: 'ApplicationSubmitted' | 'PublicityStarted' | 'PublicityClosed' }>;
type ObjectionEvent = Exclude<HandledEvent, ContextEvent>;

const CONTEXT_EVENTS: ReadonlySet<string> = new Set(['ApplicationSubmitted', 'PublicityStarted', 'PublicityClosed'] satisfies Array<ContextEvent['type']>);

export const objectionLogProjection = defineProjection<ObjectionLogDoc>({
  name: OBJECTION_LOG_PROJECTION,
  // 2: one context document per application and one objections document per application with
  // objections. 3: objections not admitted (ObjectionNotAdmitted, 朝阳 第二十条) are logged.
  // 4: one document per application again, indexed by programme and term once it has an objection.
  version: 4,
  handles: HANDLES,
  keys(event) {
    const id = applicationIdOfStream(event.streamId);
    return id === null ? [] : [objectionsKey(id)];
  },
  evolve(document, stored) {
    const applicationId = applicationIdOfStream(stored.streamId)!;
    const doc = document ?? emptyDocument(applicationId);
    if (stored.revision <= doc.lastRevision) return doc;
    const event = { type: stored.type, data: stored.data } as HandledEvent;
    const next = CONTEXT_EVENTS.has(stored.type) ? applyToContext(doc, event as ContextEvent) : applyToObjections(doc, event as ObjectionEvent, stored);
    return { ...next, lastRevision: stored.revision };
  },
  // Only applications with objections are in the index; the programme first, so a programme is a range.
  index: (doc) => (doc.objections.length > 0 && doc.programmeId !== null && doc.termId !== null ? termIndex(doc.programmeId, doc.termId) : null),
});

function emptyDocument(applicationId: string): ObjectionLogDoc {
  return {
    applicationId,
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

function applyToContext(doc: ObjectionLogDoc, event: ContextEvent): ObjectionLogDoc {
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
  }
}

function applyToObjections(doc: ObjectionLogDoc, event: ObjectionEvent, stored: StoredEvent): ObjectionLogDoc {
  const update = (objectionId: string, change: (o: StoredObjection) => StoredObjection): ObjectionLogDoc => ({
    ...doc,
    objections: doc.objections.map((o) => (o.objectionId === objectionId ? change(o) : o)),
  });
  switch (event.type) {
    case 'ObjectionReceived':
    case 'ObjectionNotAdmitted': {
      const d = event.data;
      const received = { withinPublicity: d.withinPublicity, evidenceProvided: d.evidenceProvided };
      // 朝阳 第二十条: one not admitted is received and recorded; the refusal is its outcome.
      const refusal = event.type === 'ObjectionNotAdmitted' ? event.data.refusal : undefined;
      const field = refusal?.field !== undefined ? { field: refusal.field } : {};
      const entry: StoredObjection = {
        objectionId: d.objectionId,
        round: d.round,
        receivedOn: d.receivedOn,
        receivedAt: d.receivedAt,
        withinPublicity: d.withinPublicity,
        status: refusal ? 'not-admitted' : 'received',
        objector: d.objector,
        grounds: d.grounds,
        evidenceProvided: d.evidenceProvided,
        deadlines: [],
        steps: [step(stored, d.receivedOn, refusal ? { ...received, article: refusal.article, ...field } : received)],
        outcome: refusal ? { result: 'not-admitted', reason: refusal.reason, article: refusal.article, ...field, on: d.receivedOn } : null,
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

const matches = (filter: ObjectionFilter) => (objection: Pick<ObjectionLogEntry, 'status' | 'receivedOn'>): boolean =>
  (filter.status === undefined || objection.status === filter.status) &&
  (filter.from === undefined || objection.receivedOn >= filter.from) &&
  (filter.to === undefined || objection.receivedOn <= filter.to);

/** The log rows of some applications: one per objection, oldest first. */
export function objectionRows(applications: readonly ObjectionLogApplication[], filter: ObjectionFilter = {}) {
  return applications
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
    .filter(matches(filter))
    .sort((a, b) => a.steps[0]!.position - b.steps[0]!.position);
}

/** An application's objections, each with the publicity period of its round. */
export function joinObjections(doc: ObjectionLogDoc): ObjectionLogApplication {
  const rounds = doc.publicityRounds;
  return {
    applicationId: doc.applicationId,
    programmeId: doc.programmeId,
    policyVersion: doc.policyVersion,
    termId: doc.termId,
    applicant: doc.applicant,
    publicityRounds: rounds,
    objections: doc.objections.map(({ objectionId, round: number, ...rest }) => {
      const round = rounds.find((r) => r.round === number);
      return {
        objectionId,
        round: number,
        publicity: round ? { list: round.list, startDate: round.startDate, endDate: round.endDate, endsAt: round.endsAt } : null,
        ...rest,
      };
    }),
  };
}

/** The documents an objection-log query reads (ProjectionView<ObjectionLogDoc> is one): index ranges only. */
export interface ObjectionLogDocuments {
  list(query: { index: { from?: string; to?: string } }): Promise<Array<{ key: string; doc: ObjectionLogDoc }>>;
}

export interface ObjectionScope {
  /** Only these programmes (undefined: every programme). */
  programmeIds?: readonly string[];
  termId?: string;
}

/** Every index value starting with `prefix` (ids are ASCII, below U+FFFF). */
const startingWith = (prefix: string) => ({ from: prefix, to: `${prefix}\uffff` });

/**
 * The applications with objections in scope, each joined with its publicity rounds. A term of a
 * programme is one exact lookup of the index, a programme one range of it, every programme the
 * whole index: only applications with objections are read, and only those in scope. A term without
 * its programme (no caller does that) reads every application with objections and keeps the term's.
 */
export async function readObjectionLog(
  documents: ObjectionLogDocuments,
  scope: ObjectionScope = {},
  filter: ObjectionFilter = {},
): Promise<ObjectionLogApplication[]> {
  const { programmeIds, termId } = scope;
  if (programmeIds?.length === 0) return [];
  const ranges =
    programmeIds === undefined
      ? [{}]
      : [...new Set(programmeIds)].sort().map((p) => (termId === undefined ? startingWith(`${p}/`) : { from: termIndex(p, termId), to: termIndex(p, termId) }));
  const wanted = matches(filter);
  const found: ObjectionLogApplication[] = [];
  for (const index of ranges) {
    for (const { doc } of await documents.list({ index })) {
      if ((termId === undefined || doc.termId === termId) && doc.objections.some(wanted)) found.push(joinObjections(doc));
    }
  }
  return found;
}

export type ObjectionRow = ReturnType<typeof objectionRows>[number];
