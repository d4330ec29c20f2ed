/**
 * Audit history read model: one document per application, one entry per stored event, each with
 * who took it (actor), when (occurredAt business date, recordedAt instant), its command and
 * correlation ids, revision, global position, hash, and the state after it as the statechart
 * computes it (replayApplication over the entries up to and including it).
 *
 * Linear: the document keeps the statechart's state after its last entry (`replay`: state value and
 * context, plain JSON), and each new event is one `transition` from it (resolveState, then
 * evolveApplication), never a replay of the whole stream. The context after each entry is not
 * stored (it would make every commit rewrite one context per entry): the read side folds the
 * entries again (historyEntries / historyAsOf, tens of events per request) and gets the exact
 * contexts replayApplication gives, in the same shape the API always answered.
 *
 * The entries keep the event data as stored, objector included: the document is as confidential
 * as the event table it sits beside, and every read masks it for the viewer
 * (src/read-models/objector-masking.ts; 朝阳 第二十五条, 忻州 第二十七条). The context never holds
 * the identity (workflows/application/context.ts).
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
  type ReplayedApplication,
  stateName,
} from '../workflows/application/replay.js';
import type { ProgrammePolicy } from '../workflows/policy/policy.types.js';
import { type PolicyResolver, defaultPolicyResolver } from './audit-policies.js';
import { defineProjection, type Projection } from './projection.js';

export const AUDIT_PROJECTION = 'audit-history';

/** One entry as the API shows it: the stored entry plus the context after it (derived on read). */
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

/** One entry as the document stores it (no context: see historyEntries). */
export type AuditDocEntry = Omit<AuditEntry, 'contextAfter'>;

/** The statechart's snapshot after the last entry, as plain JSON: where the next evolve starts. */
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
  entries: AuditDocEntry[];
  /**
   * State after the last entry; null before the first one and once an entry could not be replayed
   * (every later entry then carries the "earlier event" replayError, as a full replay would).
   */
  replay: AuditReplayState | null;
}
// (Version-1 documents have no `replay` and a contextAfter in each entry; evolve and historyEntries read both.)

export function applicationIdOfStream(streamId: string): string | null {
  return streamId.startsWith(APPLICATION_STREAM_PREFIX) ? streamId.slice(APPLICATION_STREAM_PREFIX.length) : null;
}

export function auditKey(applicationId: string): string {
  return `application:${applicationId}`;
}

export function createAuditProjection(resolvePolicy: PolicyResolver = defaultPolicyResolver): Projection<AuditHistoryDoc> {
  return defineProjection<AuditHistoryDoc>({
    name: AUDIT_PROJECTION,
    // 2: entries without contextAfter, plus `replay` (the state after the last entry).
    version: 2,
    handles: APPLICATION_EVENT_TYPES,
    keys(event) {
      const id = applicationIdOfStream(event.streamId);
      return id === null ? [] : [auditKey(id)];
    },
    evolve(document, event) {
      const doc = document ?? emptyDoc(event);
      // Revision guard: a repeated delivery changes nothing.
      if (event.revision <= doc.lastRevision) return doc;
      const { after, replay } = step(doc, event, resolvePolicy);
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
        ...after,
      };
      return { ...doc, lastRevision: event.revision, lastPosition: event.position, entries: [...doc.entries, entry], replay };
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
    entries: [],
    replay: null,
  };
}

const EARLIER_ERROR = 'an earlier event of the stream could not be replayed';

/**
 * The state after `event`, from the state after the previous entry: one transition, the fold every
 * command uses (evolveApplication), so no second implementation of the state to drift from it.
 */
function step(
  doc: AuditHistoryDoc,
  event: StoredEvent,
  resolvePolicy: PolicyResolver,
): { after: Pick<AuditEntry, 'stateAfter' | 'replayError'>; replay: AuditReplayState | null } {
  // A version-1 document (no `replay`: the live generation while version 2 rebuilds) is folded from its entries.
  const legacy = doc.replay === undefined;
  if (legacy ? doc.entries.some((e) => e.replayError !== undefined) : doc.entries.length > 0 && doc.replay === null) {
    return { after: { stateAfter: null, replayError: EARLIER_ERROR }, replay: null };
  }
  try {
    if (doc.programmeId === null || doc.policyVersion === null) throw new Error('the stream does not begin with ApplicationSubmitted');
    const policy = resolvePolicy(doc.programmeId, doc.policyVersion);
    const current = legacy
      ? doc.entries.reduce((state, entry) => evolveApplication(policy, state, entry), initialApplication(policy))
      : doc.replay === null
        ? initialApplication(policy)
        : resume(policy, doc.replay, doc.lastRevision);
    const next = evolveApplication(policy, current, { type: event.type, data: event.data, revision: event.revision });
    return { after: { stateAfter: next.state }, replay: { value: next.snapshot.value, context: next.context } };
  } catch (error) {
    return { after: { stateAfter: null, replayError: error instanceof Error ? error.message : String(error) }, replay: null };
  }
}

/** The snapshot a stored state value and context stand for (XState v5 resolveState: no actor, pure). */
function resume(policy: ProgrammePolicy, replay: AuditReplayState, revision: number): ReplayedApplication {
  const snapshot = createApplicationMachine(policy).resolveState({
    value: replay.value as Parameters<ReturnType<typeof createApplicationMachine>['resolveState']>[0]['value'],
    context: replay.context,
  });
  return { snapshot, state: stateName(snapshot), context: snapshot.context, revision };
}

// --- queries over one document (pure, used by the controller and the specs) ---------------------

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

function includes(asOf: AsOf, entry: AuditDocEntry): boolean {
  switch (asOf.kind) {
    case 'position':
      return entry.position <= asOf.value;
    case 'date':
      return entry.occurredAt.slice(0, 10) <= asOf.value;
    case 'instant':
      return Date.parse(entry.recordedAt) <= Date.parse(asOf.value);
  }
}

/** Index of the last entry at or before `asOf`, -1 when the application did not exist yet. */
function indexAsOf(doc: AuditHistoryDoc, asOf: AsOf): number {
  let found = -1;
  for (const [i, entry] of doc.entries.entries()) {
    if (!includes(asOf, entry)) break;
    found = i;
  }
  return found;
}

/** The last stored entry at or before `asOf`, or null when the application did not exist yet. */
export function entryAsOf(doc: AuditHistoryDoc, asOf: AsOf): AuditDocEntry | null {
  return doc.entries[indexAsOf(doc, asOf)] ?? null;
}

/**
 * The first `count` entries (all by default) with the context after each: the stream folded again
 * from the start, once, in one pass (the same replayApplication prefixes the projection computed
 * the states with). Entries whose state could not be computed have contextAfter null. Throws when
 * the fold does not reach the stored state (the projection's version was not bumped when the
 * statechart changed: rebuild it).
 */
export function historyEntries(doc: AuditHistoryDoc, resolvePolicy: PolicyResolver, count = doc.entries.length): AuditEntry[] {
  const views: AuditEntry[] = [];
  let policy: ProgrammePolicy | undefined;
  let current: ReplayedApplication | undefined;
  let replaying = true;
  for (const entry of doc.entries.slice(0, count)) {
    let contextAfter: ApplicationContext | null = null;
    if (entry.stateAfter === null) replaying = false;
    else if (replaying) {
      policy ??= resolvePolicy(doc.programmeId!, doc.policyVersion!);
      current = evolveApplication(policy, current ?? initialApplication(policy), entry);
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
export function historyAsOf(doc: AuditHistoryDoc, asOf: AsOf, resolvePolicy: PolicyResolver): AuditEntry | null {
  const index = indexAsOf(doc, asOf);
  return index < 0 ? null : historyEntries(doc, resolvePolicy, index + 1)[index]!;
}

/** Same keys in the same order as the entries version 1 stored (…, stateAfter, contextAfter, replayError?). */
function withContext(entry: AuditDocEntry, contextAfter: ApplicationContext | null): AuditEntry {
  const { replayError, ...rest } = entry;
  return replayError === undefined ? { ...rest, contextAfter } : { ...rest, contextAfter, replayError };
}
