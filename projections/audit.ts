/**
 * Audit history read model: one document per application, one entry per stored event, each with
 * who took it (actor), when (occurredAt business date, recordedAt instant), its command and
 * correlation ids, revision, global position, hash, and the state and context after it as the
 * statechart computes it (replayApplication over the entries up to and including it).
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
import { replayApplication } from '../workflows/application/replay.js';
import type { ProgrammePolicy } from '../workflows/policy/policy.types.js';
import { type PolicyResolver, defaultPolicyResolver } from './audit-policies.js';
import { defineProjection, type Projection } from './projection.js';

export const AUDIT_PROJECTION = 'audit-history';

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

export interface AuditHistoryDoc {
  applicationId: string;
  streamId: string;
  programmeId: string | null;
  policyVersion: string | null;
  termId: string | null;
  lastRevision: number;
  lastPosition: number;
  entries: AuditEntry[];
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
    version: 1,
    handles: APPLICATION_EVENT_TYPES,
    keys(event) {
      const id = applicationIdOfStream(event.streamId);
      return id === null ? [] : [auditKey(id)];
    },
    evolve(document, event) {
      const doc = document ?? emptyDoc(event);
      // Revision guard: a repeated delivery changes nothing.
      if (event.revision <= doc.lastRevision) return doc;
      const entries = doc.entries;
      const after = stateAfter(doc, entries, event, resolvePolicy);
      const entry: AuditEntry = {
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
      return { ...doc, lastRevision: event.revision, lastPosition: event.position, entries: [...entries, entry] };
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
  };
}

function stateAfter(
  doc: AuditHistoryDoc,
  entries: readonly AuditEntry[],
  event: StoredEvent,
  resolvePolicy: PolicyResolver,
): Pick<AuditEntry, 'stateAfter' | 'contextAfter' | 'replayError'> {
  if (entries.some((e) => e.replayError !== undefined)) {
    return { stateAfter: null, contextAfter: null, replayError: 'an earlier event of the stream could not be replayed' };
  }
  let policy: ProgrammePolicy;
  try {
    if (doc.programmeId === null || doc.policyVersion === null) throw new Error('the stream does not begin with ApplicationSubmitted');
    policy = resolvePolicy(doc.programmeId, doc.policyVersion);
    // The machine replays from the start: streams are tens of events, and the fold stays the one
    // every command uses (no second implementation of the state to drift from it).
    const replayed = replayApplication(policy, [...entries, { type: event.type, data: event.data, revision: event.revision }]);
    return { stateAfter: replayed.state, contextAfter: replayed.context };
  } catch (error) {
    return { stateAfter: null, contextAfter: null, replayError: error instanceof Error ? error.message : String(error) };
  }
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

function includes(asOf: AsOf, entry: AuditEntry): boolean {
  switch (asOf.kind) {
    case 'position':
      return entry.position <= asOf.value;
    case 'date':
      return entry.occurredAt.slice(0, 10) <= asOf.value;
    case 'instant':
      return Date.parse(entry.recordedAt) <= Date.parse(asOf.value);
  }
}

/** The last entry at or before `asOf`, or null when the application did not exist yet. */
export function entryAsOf(doc: AuditHistoryDoc, asOf: AsOf): AuditEntry | null {
  let found: AuditEntry | null = null;
  for (const entry of doc.entries) {
    if (!includes(asOf, entry)) break;
    found = entry;
  }
  return found;
}
