/**
 * The audit history as the API shows it (the document says how far the stream was read; the query
 * folds the stream through the statechart once, in one pass) against the algorithm of version 1,
 * kept here as a reference: every entry's state replayed from the first event (replayApplication
 * over the entries so far), the context after each entry stored. Over generated streams of the two
 * fixture policies and every real policy: the statechart's shortest paths (objections included),
 * its simple paths to the end of the procedure, seeded random walks with several objections per
 * round, refused events in the middle, unknown policies, streams that do not begin with their
 * submission, repeated deliveries.
 *
 * Compared: the document's fields; the entries the API shows (historyEntries) byte for byte as
 * JSON against the reference's stored entries; the event every asOf picks, and the entry it shows
 * before the first event, in the middle and at the end. Each stream is projected twice: in one
 * batch (documents stay in memory between events) and with a JSON round trip after every event
 * (each event its own commit, the document loaded and parsed again), plus once through the real
 * engine. Documents of versions 1 to 3 (states stored) are read the same.
 */
import { isDeepStrictEqual } from 'node:util';
import { getShortestPaths, getSimplePaths, type StatePath } from '@xstate/graph';
import { initialTransition, transition, type EventFromLogic } from 'xstate';
import type { StoredEvent } from '../src/event-store/event-store.port.js';
import { projectionSpec } from '../src/projections/testing/projection-spec.js';
import type { ApplicationContext } from '../workflows/application/context.js';
import { APPLICATION_EVENT_TYPES, APPLICATION_STREAM_PREFIX, type ApplicationEvent } from '../workflows/application/events.js';
import { createApplicationMachine, type ApplicationMachine } from '../workflows/application/machine.js';
import { replayApplication, stateName, type ApplicationSnapshot } from '../workflows/application/replay.js';
import { GRAPH_START, sampleEvents } from '../workflows/application/spec-helpers.js';
import { fixturePolicy, singleRoundPolicy } from '../workflows/application/test-fixtures.js';
import type { ProgrammePolicy } from '../workflows/policy/policy.types.js';
import { PolicyRegistry } from '../workflows/policy/registry.js';
import {
  type AsOf,
  type AuditEntry,
  type AuditHistoryDoc,
  applicationIdOfStream,
  auditKey,
  createAuditProjection,
  eventAsOf,
  historyAsOf,
  historyEntries,
  type AuditHistoryDocV3,
  type LegacyAuditHistoryDoc,
  type PolicyResolver,
} from './audit.js';
import { defineProjection, type Projection, projectInMemory } from './projection.js';

// --- the reference: version 1's evolve, verbatim in substance ----------------------------------

interface ReferenceDoc extends AuditHistoryDoc {
  entries: AuditEntry[];
}

function referenceProjection(resolvePolicy: PolicyResolver): Projection<ReferenceDoc> {
  return defineProjection<ReferenceDoc>({
    name: 'audit-history-reference',
    version: 1,
    handles: APPLICATION_EVENT_TYPES,
    keys(event) {
      const id = applicationIdOfStream(event.streamId);
      return id === null ? [] : [auditKey(id)];
    },
    evolve(document, event) {
      const doc = document ?? referenceEmptyDoc(event);
      if (event.revision <= doc.lastRevision) return doc;
      const entries = doc.entries;
      const after = referenceStateAfter(doc, entries, event, resolvePolicy);
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

function referenceEmptyDoc(event: StoredEvent): ReferenceDoc {
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

function referenceStateAfter(
  doc: ReferenceDoc,
  entries: readonly AuditEntry[],
  event: StoredEvent,
  resolvePolicy: PolicyResolver,
): Pick<AuditEntry, 'stateAfter' | 'contextAfter' | 'replayError'> {
  if (entries.some((e) => e.replayError !== undefined)) {
    return { stateAfter: null, contextAfter: null, replayError: 'an earlier event of the stream could not be replayed' };
  }
  try {
    if (doc.programmeId === null || doc.policyVersion === null) throw new Error('the stream does not begin with ApplicationSubmitted');
    const policy = resolvePolicy(doc.programmeId, doc.policyVersion);
    const replayed = replayApplication(policy, [...entries, { type: event.type, data: event.data, revision: event.revision }]);
    return { stateAfter: replayed.state, contextAfter: replayed.context };
  } catch (error) {
    return { stateAfter: null, contextAfter: null, replayError: error instanceof Error ? error.message : String(error) };
  }
}

// --- policies -------------------------------------------------------------------------------------

const registry = PolicyRegistry.fromDirectories([PolicyRegistry.builtInDirectory()]);
const realPolicies = registry.programmes().flatMap((id) => [...registry.versions(id)]);
const allPolicies = [fixturePolicy, singleRoundPolicy, ...realPolicies];
const resolvePolicy: PolicyResolver = (programmeId, version) => {
  const policy = allPolicies.find((p) => p.programmeId === programmeId && p.version === version);
  if (!policy) throw new Error(`Unknown policy ${programmeId}/${version}`);
  return policy;
};
const projection = createAuditProjection();
const reference = referenceProjection(resolvePolicy);

type MachinePath = StatePath<ApplicationSnapshot, EventFromLogic<ApplicationMachine>>;

const eventsOf = (path: MachinePath): ApplicationEvent[] =>
  path.steps.map((s) => s.event).filter((e): e is ApplicationEvent => !e.type.startsWith('xstate.'));

/** Seeded PRNG (mulberry32): the same walks on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ways out of the procedure are rare and objections frequent, so that walks reach the publicity rounds. */
const CLOSING = new Set(['ApplicationWithdrawn', 'ApplicationEliminated', 'ApplicationNotAwarded', 'QualificationRejected', 'ApplicationRevoked']);
const weightOf = (e: ApplicationEvent) => (CLOSING.has(e.type) ? 0.03 : e.type.startsWith('Objection') ? 3 : 1);

function pick(events: ApplicationEvent[], rnd: () => number): ApplicationEvent {
  let r = rnd() * events.reduce((sum, e) => sum + weightOf(e), 0);
  for (const e of events) {
    r -= weightOf(e);
    if (r < 0) return e;
  }
  return events.at(-1)!;
}

/**
 * A random walk through the statechart; now and then an event the statechart refuses in the
 * middle (the stream goes on after it, as a corrupt history would).
 */
function randomWalk(policy: ProgrammePolicy, rnd: () => number, appId: string): ApplicationEvent[] {
  const machine = createApplicationMachine(policy);
  let [snapshot] = initialTransition(machine);
  const events: ApplicationEvent[] = [];
  let refusedOnce = false;
  for (let i = 0; i < 80; i++) {
    const candidates = sampleEvents(policy, snapshot, { applicationId: appId, rich: true });
    const accepted = candidates.filter((e) => snapshot.can(e));
    if (!refusedOnce && rnd() < 0.04) {
      const refused = candidates.filter((e) => !snapshot.can(e));
      if (refused.length > 0) {
        events.push(refused[Math.floor(rnd() * refused.length)]!);
        refusedOnce = true;
        continue;
      }
    }
    if (accepted.length === 0) break;
    const event = pick(accepted, rnd);
    events.push(event);
    [snapshot] = transition(machine, snapshot, event);
  }
  return events;
}

/** Stored events of several streams, interleaved in global order (positions, hashes, metadata). */
function store(streams: ReadonlyArray<{ streamId: string; events: ApplicationEvent[]; repeat?: number[] }>, rnd: () => number): StoredEvent[] {
  const queues = streams.map((s) => ({ ...s, next: 0 }));
  const out: StoredEvent[] = [];
  let position = 0;
  const stored = (streamId: string, event: ApplicationEvent, revision: number): StoredEvent => {
    position += 1;
    const date = (event.data as { [k: string]: unknown }) && Object.values(event.data).find((v): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v));
    return {
      id: `e-${position}`,
      streamId,
      revision,
      position,
      hash: position.toString(16).padStart(64, '0'),
      type: event.type,
      data: JSON.parse(JSON.stringify(event.data)) as Record<string, unknown>,
      metadata: {
        actor: { sub: 'u', name: '测试', roles: ['office'] },
        occurredAt: date ?? GRAPH_START,
        recordedAt: `${date ?? GRAPH_START}T02:00:00.000Z`,
        commandId: `c-${position}`,
        correlationId: `r-${position}`,
        causationId: `c-${position}`,
        schemaVersion: 1,
      },
    };
  };
  const open = queues.filter((q) => q.events.length > 0);
  while (open.length > 0) {
    const index = Math.floor(rnd() * open.length);
    const q = open[index]!;
    const revision = q.next;
    const event = stored(q.streamId, q.events[q.next]!, revision);
    out.push(event);
    // A repeated delivery of the same event (the revision guard must ignore it).
    if (q.repeat?.includes(revision)) out.push({ ...event });
    q.next += 1;
    if (q.next === q.events.length) open.splice(index, 1);
  }
  return out;
}

/** Every event its own commit: the document is written as JSON and parsed again between events. */
function projectEventByEvent(events: readonly StoredEvent[]): Map<string, AuditHistoryDoc> {
  const handles = new Set(projection.handles);
  const docs = new Map<string, string>();
  for (const event of events) {
    if (!handles.has(event.type)) continue;
    for (const key of projection.keys(event)) {
      const current = docs.get(key);
      const next = projection.evolve(current === undefined ? null : (JSON.parse(current) as AuditHistoryDoc), event, key);
      docs.set(key, JSON.stringify(next));
    }
  }
  return new Map([...docs].map(([k, v]) => [k, JSON.parse(v) as AuditHistoryDoc]));
}

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** One stream's events as the store keeps them: once each (store() repeats some deliveries), by revision. */
function storedStream(events: readonly StoredEvent[], streamId: string): StoredEvent[] {
  const byRevision = new Map<number, StoredEvent>();
  for (const event of events) if (event.streamId === streamId && !byRevision.has(event.revision)) byRevision.set(event.revision, event);
  return [...byRevision.values()].sort((a, b) => a.revision - b.revision);
}

/** toStrictEqual, with node's deep equality first (jest's is slow over thousands of contexts). */
function strictEqual(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toStrictEqual(expected);
}

function sameText(actual: string, expected: string): void {
  if (actual !== expected) expect(actual).toBe(expected);
}

// --- the comparison -------------------------------------------------------------------------------

interface Compared {
  documents: number;
  entries: number;
  replayErrors: number;
  objectionEvents: number;
  asOf: number;
}

function assertEquivalent(events: readonly StoredEvent[]): Compared {
  const compared: Compared = { documents: 0, entries: 0, replayErrors: 0, objectionEvents: 0, asOf: 0 };
  const expected = projectInMemory(reference, events);
  const oneBatch = projectInMemory(projection, events);
  const eventByEvent = projectEventByEvent(events);
  expect([...oneBatch.keys()].sort()).toEqual([...expected.keys()].sort());
  expect([...eventByEvent.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, ref] of expected) {
    const refStored = json(ref); // what version 1 stored and the API answered from
    const stream = storedStream(events, ref.streamId);
    for (const doc of [oneBatch.get(key)!, eventByEvent.get(key)!]) {
      const { entries: refEntries, ...refFields } = ref;
      // The same document fields, and nothing else.
      strictEqual(doc, refFields);
      // The entries the API shows: byte for byte as version 1's stored ones (key order included).
      const shown = historyEntries(doc, stream, resolvePolicy);
      sameText(JSON.stringify(shown), JSON.stringify(refStored.entries));
      strictEqual(shown, refEntries);
      // asOf at every position (and before the first): the event it picks; the entry with its
      // state and context (folded up to it) before the first, in the middle and at the end.
      const positions = [0, ...refEntries.map((e) => e.position)];
      const folded = new Set([0, positions[Math.ceil(positions.length / 2)], positions.at(-1)]);
      for (const value of positions) {
        const asOf: AsOf = { kind: 'position', value };
        const refEntry = refStored.entries.filter((e) => e.position <= value).at(-1) ?? null;
        sameText(String(eventAsOf(doc, stream, asOf)?.id ?? null), String(refEntry?.eventId ?? null));
        if (folded.has(value)) sameText(JSON.stringify(historyAsOf(doc, stream, asOf, resolvePolicy)), JSON.stringify(refEntry));
        compared.asOf += 1;
      }
    }
    compared.documents += 1;
    compared.entries += ref.entries.length;
    compared.replayErrors += ref.entries.filter((e) => e.replayError !== undefined).length;
    compared.objectionEvents += ref.entries.filter((e) => e.type.startsWith('Objection')).length;
  }
  return compared;
}

const streamOf = (policy: ProgrammePolicy, i: number) => `${APPLICATION_STREAM_PREFIX}${policy.programmeId}-${i}`;

describe.each(allPolicies.map((p) => [`${p.programmeId}/${p.version}`, p] as [string, ProgrammePolicy]))(
  'audit history, one fold on read against full replay per event: %s',
  (_name, policy) => {
    const machine = createApplicationMachine(policy);
    const events = (s: ApplicationSnapshot) => sampleEvents(policy, s, { applicationId: 'app' });

    it('gives the same documents along every shortest path (objections included)', () => {
      const all = getShortestPaths(machine, { events });
      // The fixture's graph has thousands of states (two rounds, every optional stage): every k-th path.
      const paths = all.filter((_, i) => i % Math.ceil(all.length / 800) === 0);
      const streams = paths.map((p, i) => ({ streamId: streamOf(policy, i), events: eventsOf(p) })).filter((s) => s.events.length > 0);
      expect(streams.length).toBeGreaterThan(20);
      expect(streams.some((s) => s.events.some((e) => e.type === 'ObjectionUpheld'))).toBe(true);
      const refuses = policy.objections.lateRefused || policy.objections.writtenEvidenceRequired || !policy.objections.anonymousAllowed;
      expect(streams.some((s) => s.events.some((e) => e.type === 'ObjectionNotAdmitted'))).toBe(refuses);
      const compared = assertEquivalent(store(streams, random(1)));
      expect(compared.documents).toBe(streams.length);
      expect(compared.objectionEvents).toBeGreaterThan(10);
    });

    it('gives the same documents along every simple path to the end of the procedure', () => {
      const paths = getSimplePaths(machine, {
        events: (s: ApplicationSnapshot) => events(s).filter((e) => !e.type.startsWith('Objection') && e.type !== 'ApplicationDisqualified'),
        toState: (s: ApplicationSnapshot) => s.status === 'done' || stateName(s) === 'awarded',
      });
      const streams = paths.map((p, i) => ({ streamId: streamOf(policy, i), events: eventsOf(p) }));
      expect(streams.length).toBeGreaterThan(0);
      let documents = 0;
      for (let i = 0; i < streams.length; i += 200) documents += assertEquivalent(store(streams.slice(i, i + 200), random(2 + i))).documents;
      expect(documents).toBe(streams.length);
    });

    it('gives the same documents along random walks with several objections per round and refused events, repeated deliveries', () => {
      const rnd = random(policy.programmeId.length * 7919 + 17);
      const streams = Array.from({ length: 150 }, (_, i) => {
        const walk = randomWalk(policy, rnd, `app-${i}`);
        return { streamId: streamOf(policy, i), events: walk, repeat: [Math.floor(rnd() * walk.length)] };
      });
      const compared = assertEquivalent(store(streams, rnd));
      expect(compared.documents).toBe(streams.length);
      expect(compared.replayErrors).toBeGreaterThan(0);
      expect(compared.objectionEvents).toBeGreaterThan(100);
      expect(compared.entries).toBeGreaterThan(1000);
    });

    it('gives the same documents for an unknown policy version and a stream that does not begin with its submission', () => {
      const walk = randomWalk(policy, random(99), 'app-x');
      const unknownVersion = walk.map((e) =>
        e.type === 'ApplicationSubmitted' ? ({ ...e, data: { ...e.data, policyVersion: 'no-such-version' } } as ApplicationEvent) : e,
      );
      // A submission naming another programme: that policy's statechart refuses the events made for this one sooner or later.
      const other = allPolicies.find((p) => p !== policy)!;
      const wrongPolicy = walk.map((e) =>
        e.type === 'ApplicationSubmitted' ? ({ ...e, data: { ...e.data, programmeId: other.programmeId, policyVersion: other.version } } as ApplicationEvent) : e,
      );
      const compared = assertEquivalent(
        store(
          [
            { streamId: streamOf(policy, 1), events: unknownVersion },
            { streamId: streamOf(policy, 2), events: walk.slice(1) },
            { streamId: streamOf(policy, 3), events: wrongPolicy },
            { streamId: streamOf(policy, 4), events: walk },
          ],
          random(5),
        ),
      );
      expect(compared.documents).toBe(4);
      expect(compared.replayErrors).toBeGreaterThanOrEqual(2 * walk.length - 1);
    });
  },
);

describe('audit projection through the real engine', () => {
  it('stores documents from which the history shown matches the full replay', async () => {
    const policy = realPolicies[0]!;
    const rnd = random(42);
    const streams = Array.from({ length: 12 }, (_, i) => ({ streamId: streamOf(policy, i), events: randomWalk(policy, rnd, `app-${i}`) }));
    const events = store(streams, rnd);
    const docs = await projectionSpec(projection)
      .given(...events.map((e) => ({ type: e.type, data: e.data, streamId: e.streamId, recordedAt: e.metadata.recordedAt })))
      .documents();
    const expected = projectInMemory(reference, events);
    expect(Object.keys(docs).sort()).toEqual([...expected.keys()].sort());
    for (const [key, ref] of expected) {
      const shown = historyEntries(docs[key]!, storedStream(events, ref.streamId), resolvePolicy);
      expect(shown.map((e) => [e.type, e.stateAfter, e.replayError])).toEqual(ref.entries.map((e) => [e.type, e.stateAfter, e.replayError]));
      expect(shown.map((e) => e.contextAfter)).toEqual(json(ref.entries.map((e) => e.contextAfter)));
    }
  });
});

describe('a document of version 1, 2 or 3 (the active generation while version 4 is built)', () => {
  it('is read the same: its stored states joined with the stream, the contexts folded again', () => {
    let read = 0;
    for (const [p, policy] of allPolicies.entries()) {
      const rnd = random(1000 + p);
      const streams = Array.from({ length: 40 }, (_, i) => ({ streamId: streamOf(policy, i), events: randomWalk(policy, rnd, `app-${i}`) }));
      const events = store(streams, rnd);
      for (const ref of projectInMemory(reference, events).values()) {
        // Version 1 stored entries with their context, version 2 without: both read the same.
        const legacy = json(ref) as unknown as LegacyAuditHistoryDoc;
        const withoutContexts = { ...legacy, entries: json(ref).entries.map(({ contextAfter: _omitted, ...rest }) => rest) };
        // Version 3: the state after each revision, the first refusal, and the snapshot after the last (not read).
        const { entries, ...fields } = json(ref);
        const broken = entries.find((e) => e.replayError !== undefined);
        const v3: AuditHistoryDocV3 = {
          ...fields,
          states: entries.map((e) => e.stateAfter),
          replayError: broken ? { revision: broken.revision, message: broken.replayError! } : null,
          replay: entries.at(-1)!.stateAfter === null ? null : { value: 'not read', context: entries.at(-1)!.contextAfter },
        };
        for (const doc of [legacy, withoutContexts, v3]) {
          sameText(JSON.stringify(historyEntries(doc, storedStream(events, ref.streamId), resolvePolicy)), JSON.stringify(json(ref).entries));
          read += 1;
        }
      }
    }
    expect(read).toBeGreaterThan(100);
  });
});
