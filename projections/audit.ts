/**
 * Audit history read model: one small document per application holding what only the statechart
 * can say about its stream: the state after each event (by revision), where the statechart
 * refused an event if it did (replayError), and the state after the last one (`replay`: state
 * value and context, plain JSON), from which the next event is one `transition`.
 *
 * The events themselves (actor, occurredAt, recordedAt, command and correlation ids, hash…) stay
 * where they are stored: the history query reads the application's stream from the event store
 * and joins each event with its state, up to the revision the document has reached (so an answer
 * is as fresh as the checkpoint it reports). Copying the events into the document made every
 * commit rewrite the application's whole history (documents of 5.5 KB on average, rebuilt at
 * 4,300 events/s over a million events); now a commit writes one state and the context.
 *
 * Version 3. Documents of versions 1 and 2 (an entry per event, with its stateAfter and
 * replayError) are still read (historyEntries), since the active generation answers until a
 * rebuilt one replaces it; they are never evolved (the runner does not follow a generation built
 * by another version).
 *
 * Pure: the policy comes from a resolver (static policy files, no clock, no store).
 */
import type { Actor, StoredEvent } from '../src/event-store/event-store.port.js';
import type { ApplicationContext } from '../workflows/application/context.js';
import { APPLICATION_EVENT_TYPES, APPLICATION_STREAM_PREFIX } from '../workflows/application/events.js';
import { createApplicationMachine } from '../workflows/application/machine.js';
import {
  evolveApplication,
  initialApplication,
  type ApplicationSnapshot,
  type ReplayedApplication,
  stateName,
} from '../workflows/application/replay.js';
import type { ProgrammePolicy } from '../workflows/policy/policy.types.js';
import { type PolicyResolver, defaultPolicyResolver } from './audit-policies.js';
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

/** An entry without the context after it (entryAsOf). */
export type AuditDocEntry = Omit<AuditEntry, 'contextAfter'>;

/** The statechart's snapshot after the last event, as plain JSON: where the next evolve starts. */
export interface AuditReplayState {
  /** XState state value (e.g. 'submitted' or { publicity2: 'objected' }). */
  value: unknown;
  context: ApplicationContext;
}

export interface AuditHistoryDoc {
  applicationId: string;
  streamId: string;
  programmeId: string | null;
  policyVersion: string | null;
  termId: string | null;
  lastRevision: number;
  lastPosition: number;
  /** State after each event, by revision; null from the first event that could not be replayed. */
  states: Array<string | null>;
  /** The first event the statechart could not take (every later state is null), if any. */
  replayError: { revision: number; message: string } | null;
  /** State after the last event; null before the first one and once an event could not be replayed. */
  replay: AuditReplayState | null;
}

/** What versions 1 and 2 stored: an entry per event (read, never evolved). */
export interface LegacyAuditHistoryDoc extends Omit<AuditHistoryDoc, 'states' | 'replayError' | 'replay'> {
  entries: Array<{ stateAfter: string | null; replayError?: string }>;
}

export function applicationIdOfStream(streamId: string): string | null {
  return streamId.startsWith(APPLICATION_STREAM_PREFIX) ? streamId.slice(APPLICATION_STREAM_PREFIX.length) : null;
}

export function auditKey(applicationId: string): string {
  return `application:${applicationId}`;
}

export function createAuditProjection(resolvePolicy: PolicyResolver = defaultPolicyResolver): Projection<AuditHistoryDoc> {
  return defineProjection<AuditHistoryDoc>({
    name: AUDIT_PROJECTION,
    // 3: states by revision instead of a copy of every event (the history reads the events).
    version: 3,
    handles: APPLICATION_EVENT_TYPES,
    keys(event) {
      const id = applicationIdOfStream(event.streamId);
      return id === null ? [] : [auditKey(id)];
    },
    evolve(document, event) {
      const doc = document ?? emptyDoc(event);
      // Revision guard: a repeated delivery changes nothing.
      if (event.revision <= doc.lastRevision) return doc;
      const { state, replay, error } = step(doc, event, resolvePolicy);
      return {
        ...doc,
        lastRevision: event.revision,
        lastPosition: event.position,
        states: [...doc.states, state],
        replayError: doc.replayError ?? (error === undefined ? null : { revision: event.revision, message: error }),
        replay,
      };
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
    states: [],
    replayError: null,
    replay: null,
  };
}

const EARLIER_ERROR = 'an earlier event of the stream could not be replayed';

/**
 * The state after `event`, from the state after the previous one: one transition, the fold every
 * command uses (evolveApplication), so no second implementation of the state to drift from it.
 */
function step(doc: AuditHistoryDoc, event: StoredEvent, resolvePolicy: PolicyResolver): { state: string | null; replay: AuditReplayState | null; error?: string } {
  if (doc.replayError) return { state: null, replay: null };
  try {
    if (doc.programmeId === null || doc.policyVersion === null) throw new Error('the stream does not begin with ApplicationSubmitted');
    const policy = resolvePolicy(doc.programmeId, doc.policyVersion);
    const current = doc.replay === null ? initialApplication(policy) : resume(policy, doc.replay, doc.lastRevision);
    const next = evolveApplication(policy, current, { type: event.type, data: event.data, revision: event.revision });
    const replay: AuditReplayState = { value: next.snapshot.value, context: next.context };
    resumed.set(replay, next.snapshot);
    return { state: next.state, replay };
  } catch (error) {
    return { state: null, replay: null, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Snapshots of the replay states this module produced. The engine hands evolve the very document
 * object the previous evolve returned while it stays in its cache, so the snapshot need not be
 * resolved again from its JSON: a memo of a pure function, keyed by the object itself.
 */
const resumed = new WeakMap<AuditReplayState, ApplicationSnapshot>();

/** The snapshot a stored state value and context stand for (XState v5 resolveState: no actor, pure). */
function resume(policy: ProgrammePolicy, replay: AuditReplayState, revision: number): ReplayedApplication {
  let snapshot = resumed.get(replay);
  if (!snapshot) {
    snapshot = createApplicationMachine(policy).resolveState({
      value: replay.value as Parameters<ReturnType<typeof createApplicationMachine>['resolveState']>[0]['value'],
      context: replay.context,
    });
    resumed.set(replay, snapshot);
  }
  return { snapshot, state: stateName(snapshot), context: snapshot.context, revision };
}

// --- queries over one document and its stream (pure, used by the controller and the specs) ---------

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
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(Date.parse(`${raw}T00:00:00Z`))) return { kind: 'date', value: raw };
  if (/^\d{4}-\d{2}-\d{2}T/.test(raw) && !Number.isNaN(Date.parse(raw))) return { kind: 'instant', value: raw };
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
function covered(doc: AuditHistoryDoc | LegacyAuditHistoryDoc, events: readonly StoredEvent[]): StoredEvent[] {
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

/** The state (and replay error) after each revision, from a document of any version. */
function statesOf(doc: AuditHistoryDoc | LegacyAuditHistoryDoc): Array<Pick<AuditEntry, 'stateAfter' | 'replayError'>> {
  if ('entries' in doc) return doc.entries.map(({ stateAfter, replayError }) => (replayError === undefined ? { stateAfter } : { stateAfter, replayError }));
  const broken = doc.replayError;
  return doc.states.map((stateAfter, revision) => {
    if (!broken || revision < broken.revision) return { stateAfter };
    return { stateAfter: null, replayError: revision === broken.revision ? broken.message : EARLIER_ERROR };
  });
}

/** The entry of a stored event: its fields in the order the API has always shown them. */
function entryOf(event: StoredEvent, state: Pick<AuditEntry, 'stateAfter' | 'replayError'> | undefined): AuditDocEntry {
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

/** The last entry at or before `asOf` (without its context), or null when the application did not exist yet. */
export function entryAsOf(doc: AuditHistoryDoc | LegacyAuditHistoryDoc, events: readonly StoredEvent[], asOf: AsOf): AuditDocEntry | null {
  const taken = covered(doc, events);
  const index = indexAsOf(taken, asOf);
  return index < 0 ? null : entryOf(taken[index]!, statesOf(doc)[index]);
}

/**
 * The first `count` events the document has taken (all by default), each with its state and the
 * context after it: the stream folded again from the start, once, in one pass (the same fold the
 * projection computed the states with). Events whose state could not be computed have contextAfter
 * null. Throws when the fold does not reach the stored state (the projection's version was not
 * bumped when the statechart changed: rebuild it).
 */
export function historyEntries(
  doc: AuditHistoryDoc | LegacyAuditHistoryDoc,
  events: readonly StoredEvent[],
  resolvePolicy: PolicyResolver,
  count?: number,
): AuditEntry[] {
  const taken = covered(doc, events).slice(0, count);
  const states = statesOf(doc);
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

/** The last entry at or before `asOf` with the context as it stood then, or null. */
export function historyAsOf(
  doc: AuditHistoryDoc | LegacyAuditHistoryDoc,
  events: readonly StoredEvent[],
  asOf: AsOf,
  resolvePolicy: PolicyResolver,
): AuditEntry | null {
  const index = indexAsOf(covered(doc, events), asOf);
  return index < 0 ? null : historyEntries(doc, events, resolvePolicy, index + 1)[index]!;
}

/** Same keys in the same order as the entries version 1 stored (…, stateAfter, contextAfter, replayError?). */
function withContext(entry: AuditDocEntry, contextAfter: ApplicationContext | null): AuditEntry {
  const { replayError, ...rest } = entry;
  return replayError === undefined ? { ...rest, contextAfter } : { ...rest, contextAfter, replayError };
}
