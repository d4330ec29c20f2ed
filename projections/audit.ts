/**
 * Audit history read model: one small document per application saying where its stream is, the
 * programme, policy version and term it was submitted under, and the revision and position the
 * read model has reached.
 *
 * The history query reads the application's stream from the event store, cuts it at the
 * document's revision (so an answer is as fresh as the checkpoint it reports) and folds it through
 * the statechart once, in one pass: the state and context after each event, with the fold every
 * command uses (evolveApplication), so there is no second implementation of the state to drift
 * from it. Where the statechart refuses an event, that event and every later one show no state and
 * say why (replayError), instead of the query failing.
 *
 * Version 4. Version 3 also stored the state after every event and the statechart's snapshot after
 * the last one, computed by that same fold as the events arrived: one XState transition per event
 * made it the slowest read model to rebuild (38,900 events/s over a million events, against
 * 136,000 and more for every other), while the query folded the stream again anyway to show each
 * event's context, so the stored states only repeated what the answer computes. Version 1 copied
 * every event into the document (5.5 KB on average, 4,300 events/s). Documents of versions 1 to 3
 * are still read (their stored states are checked against the fold), since the active generation
 * answers until a rebuilt one replaces it; they are never evolved (the runner does not follow a
 * generation built by another version).
 *
 * Pure: the policy comes from a resolver (static policy files, no clock, no store).
 */
import type { Actor, StoredEvent } from '../src/event-store/event-store.port.js';
import type { ApplicationContext } from '../workflows/application/context.js';
import { isLocalDate } from '../workflows/calendar/local-date.js';
import { APPLICATION_EVENT_TYPES, APPLICATION_STREAM_PREFIX } from '../workflows/application/events.js';
import { evolveApplication, initialApplication, type ReplayedApplication } from '../workflows/application/replay.js';
import type { ProgrammePolicy } from '../workflows/policy/policy.types.js';
import { defineProjection, type Projection } from './projection.js';

export const AUDIT_PROJECTION = 'audit-history';

/** One entry as the API shows it: a stored event joined with the state and context after it. */
export interface AuditEntry {
  eventId: string;
  type: string;
  revision: number;
  position: number;
  hash: string;
  actor: Actor;
  occurredAt: string;
  recordedAt: string;
  commandId: string;
  correlationId: string;
  causationId: string;
  /** As stored (objector identity included): mask before showing. */
  data: Record<string, unknown>;
  /** Public state name after this event; null when the stream could not be replayed this far. */
  stateAfter: string | null;
  contextAfter: ApplicationContext | null;
  /** Why the state could not be computed (an event the statechart refuses, an unknown policy version). */
  replayError?: string;
}

/** An entry without the context after it. */
export type AuditDocEntry = Omit<AuditEntry, 'contextAfter'>;

export interface AuditHistoryDoc {
  applicationId: string;
  streamId: string;
  programmeId: string | null;
  policyVersion: string | null;
  termId: string | null;
  lastRevision: number;
  lastPosition: number;
}

/** What version 3 stored besides (read, never evolved). */
export interface AuditHistoryDocV3 extends AuditHistoryDoc {
  /** State after each event, by revision; null from the first event that could not be replayed. */
  states: Array<string | null>;
  /** The first event the statechart could not take (every later state is null), if any. */
  replayError: { revision: number; message: string } | null;
  /** The statechart's state value and context after the last event (unused when reading). */
  replay: unknown;
}

/** What versions 1 and 2 stored: an entry per event (read, never evolved). */
export interface LegacyAuditHistoryDoc extends AuditHistoryDoc {
  entries: Array<{ stateAfter: string | null; replayError?: string }>;
}

/** A document of any version the active generation may hold. */
export type AnyAuditHistoryDoc = AuditHistoryDoc | AuditHistoryDocV3 | LegacyAuditHistoryDoc;

export function applicationIdOfStream(streamId: string): string | null {
  return streamId.startsWith(APPLICATION_STREAM_PREFIX) ? streamId.slice(APPLICATION_STREAM_PREFIX.length) : null;
}

export function auditKey(applicationId: string): string {
  return `application:${applicationId}`;
}

export function createAuditProjection(): Projection<AuditHistoryDoc> {
  return defineProjection<AuditHistoryDoc>({
    name: AUDIT_PROJECTION,
    // 4: no states (the query folds the stream); 3: states by revision instead of a copy of every event.
    version: 4,
    handles: APPLICATION_EVENT_TYPES,
    keys(event) {
      const id = applicationIdOfStream(event.streamId);
      return id === null ? [] : [auditKey(id)];
    },
    evolve(document, event) {
      const doc = document ?? emptyDoc(event);
      // Revision guard: a repeated delivery changes nothing.
      if (event.revision <= doc.lastRevision) return doc;
      return { ...doc, lastRevision: event.revision, lastPosition: event.position };
    },
  });
}

export const auditProjection = createAuditProjection();

function emptyDoc(event: StoredEvent): AuditHistoryDoc {
  const data = event.type === 'ApplicationSubmitted' ? (event.data as { programmeId?: string; policyVersion?: string; termId?: string }) : {};
  return {
    applicationId: applicationIdOfStream(event.streamId)!,
    streamId: event.streamId,
    programmeId: data.programmeId ?? null,
    policyVersion: data.policyVersion ?? null,
    termId: data.termId ?? null,
    lastRevision: -1,
    lastPosition: 0,
  };
}

const EARLIER_ERROR = 'an earlier event of the stream could not be replayed';

// --- queries over one document and its stream (pure, used by the controller and the specs) ---------

/** The policy of a programme's version (the server's registry; a fixture in the specs). */
export type PolicyResolver = (programmeId: string, version: string) => ProgrammePolicy;

/**
 * What `?asOf=` may name:
 * - a business date `YYYY-MM-DD`: events whose occurredAt (the day the decision was taken, the
 *   date the regulations count with) is on or before it;
 * - an instant (ISO 8601 with time): events recorded (recordedAt) at or before it;
 * - a global position (digits): events at or before that position of the store.
 * A stream's business dates never go back (the command handler refuses it), so each is a prefix.
 */
export type AsOf = { kind: 'date'; value: string } | { kind: 'instant'; value: string } | { kind: 'position'; value: number };

export function parseAsOf(raw: string): AsOf | null {
  if (/^\d{1,15}$/.test(raw)) return { kind: 'position', value: Number(raw) };
  // A calendar date (Date.parse takes 2026-02-30 and rolls it over into March).
  const date: string = raw;
  if (isLocalDate(date)) return { kind: 'date', value: date };
  if (/^\d{4}-\d{2}-\d{2}T/.test(raw) && isLocalDate(raw.slice(0, 10)) && !Number.isNaN(Date.parse(raw))) return { kind: 'instant', value: raw };
  return null;
}

function includes(asOf: AsOf, event: StoredEvent): boolean {
  switch (asOf.kind) {
    case 'position':
      return event.position <= asOf.value;
    case 'date':
      return String(event.metadata.occurredAt).slice(0, 10) <= asOf.value;
    case 'instant':
      return Date.parse(String(event.metadata.recordedAt)) <= Date.parse(asOf.value);
  }
}

/** The stream's events the document has taken (the stream may be ahead of the read model). */
function covered(doc: AnyAuditHistoryDoc, events: readonly StoredEvent[]): StoredEvent[] {
  return events.filter((event) => event.streamId === doc.streamId && event.revision <= doc.lastRevision);
}

/** Index of the last event at or before `asOf`, -1 when the application did not exist yet. */
function indexAsOf(events: readonly StoredEvent[], asOf: AsOf): number {
  let found = -1;
  for (const [i, event] of events.entries()) {
    if (!includes(asOf, event)) break;
    found = i;
  }
  return found;
}

/** The last event the document has taken at or before `asOf`, or null when the application did not exist yet. */
export function eventAsOf(doc: AnyAuditHistoryDoc, events: readonly StoredEvent[], asOf: AsOf): StoredEvent | null {
  const taken = covered(doc, events);
  return taken[indexAsOf(taken, asOf)] ?? null;
}

type StoredState = Pick<AuditEntry, 'stateAfter' | 'replayError'>;

/** The states a document of version 1 to 3 stored, by revision; null for version 4 (it stores none). */
function storedStates(doc: AnyAuditHistoryDoc): StoredState[] | null {
  if ('entries' in doc) return doc.entries.map(({ stateAfter, replayError }) => (replayError === undefined ? { stateAfter } : { stateAfter, replayError }));
  if (!('states' in doc)) return null;
  const broken = doc.replayError;
  return doc.states.map((stateAfter, revision) => {
    if (!broken || revision < broken.revision) return { stateAfter };
    return { stateAfter: null, replayError: revision === broken.revision ? broken.message : EARLIER_ERROR };
  });
}

/** The entry of a stored event: its fields in the order the API has always shown them. */
function entryOf(event: StoredEvent, state: StoredState | undefined): AuditDocEntry {
  const entry: AuditDocEntry = {
    eventId: event.id,
    type: event.type,
    revision: event.revision,
    position: event.position,
    hash: event.hash,
    actor: event.metadata.actor,
    occurredAt: event.metadata.occurredAt,
    recordedAt: event.metadata.recordedAt,
    commandId: event.metadata.commandId,
    correlationId: event.metadata.correlationId,
    causationId: event.metadata.causationId,
    data: event.data,
    stateAfter: state?.stateAfter ?? null,
  };
  if (state?.replayError !== undefined) entry.replayError = state.replayError;
  return entry;
}

/**
 * The first `count` events the document has taken (all by default), each with the state and
 * context after it: the stream folded through the statechart from the start, once, in one pass.
 * From the first event the statechart refuses (or a stream that does not begin with its
 * submission, or an unknown policy version), state and context are null and replayError says why.
 *
 * A document of version 1 to 3 stored its states: they are shown as stored and checked against the
 * fold, which throws when they differ (the projection's version was not bumped when the
 * statechart changed: rebuild it).
 */
export function historyEntries(doc: AnyAuditHistoryDoc, events: readonly StoredEvent[], resolvePolicy: PolicyResolver, count?: number): AuditEntry[] {
  const taken = covered(doc, events).slice(0, count);
  const stored = storedStates(doc);
  return stored === null ? foldEntries(doc, taken, resolvePolicy) : storedEntries(doc, taken, stored, resolvePolicy);
}

function foldEntries(doc: AuditHistoryDoc, taken: readonly StoredEvent[], resolvePolicy: PolicyResolver): AuditEntry[] {
  const views: AuditEntry[] = [];
  let policy: ProgrammePolicy | undefined;
  let current: ReplayedApplication | undefined;
  let refused = false;
  for (const event of taken) {
    if (refused) {
      views.push(withContext(entryOf(event, { stateAfter: null, replayError: EARLIER_ERROR }), null));
      continue;
    }
    try {
      if (doc.programmeId === null || doc.policyVersion === null) throw new Error('the stream does not begin with ApplicationSubmitted');
      policy ??= resolvePolicy(doc.programmeId, doc.policyVersion);
      current = evolveApplication(policy, current ?? initialApplication(policy), event);
      views.push(withContext(entryOf(event, { stateAfter: current.state }), current.context));
    } catch (error) {
      refused = true;
      views.push(withContext(entryOf(event, { stateAfter: null, replayError: error instanceof Error ? error.message : String(error) }), null));
    }
  }
  return views;
}

function storedEntries(doc: AnyAuditHistoryDoc, taken: readonly StoredEvent[], states: readonly StoredState[], resolvePolicy: PolicyResolver): AuditEntry[] {
  const views: AuditEntry[] = [];
  let policy: ProgrammePolicy | undefined;
  let current: ReplayedApplication | undefined;
  let replaying = true;
  for (const [index, event] of taken.entries()) {
    const entry = entryOf(event, states[index]);
    let contextAfter: ApplicationContext | null = null;
    if (entry.stateAfter === null) replaying = false;
    else if (replaying) {
      policy ??= resolvePolicy(doc.programmeId!, doc.policyVersion!);
      current = evolveApplication(policy, current ?? initialApplication(policy), event);
      if (current.state !== entry.stateAfter) {
        throw new Error(
          `Audit history of ${doc.applicationId} is out of step with the statechart at revision ${entry.revision} (` +
            `'${entry.stateAfter}' stored, '${current.state}' replayed): rebuild ${AUDIT_PROJECTION}`,
        );
      }
      contextAfter = current.context;
    }
    views.push(withContext(entry, contextAfter));
  }
  return views;
}

/** The last entry at or before `asOf` with the state and context as they stood then, or null. */
export function historyAsOf(doc: AnyAuditHistoryDoc, events: readonly StoredEvent[], asOf: AsOf, resolvePolicy: PolicyResolver): AuditEntry | null {
  const index = indexAsOf(covered(doc, events), asOf);
  return index < 0 ? null : historyEntries(doc, events, resolvePolicy, index + 1)[index]!;
}

/** Same keys in the same order as the entries version 1 stored (…, stateAfter, contextAfter, replayError?). */
function withContext(entry: AuditDocEntry, contextAfter: ApplicationContext | null): AuditEntry {
  const { replayError, ...rest } = entry;
  return replayError === undefined ? { ...rest, contextAfter } : { ...rest, contextAfter, replayError };
}
