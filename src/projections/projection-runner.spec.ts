import { type Projection, defineProjection, projectInMemory } from '../../projections/projection.js';
import { sampleProjection } from '../../projections/testing/sample-projection.js';
import { ManualClock } from '../clock/clock.js';
import type { EventStore, StoredEvent, Subscription } from '../event-store/event-store.port.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { ValidationFailedError } from '../http/http-errors.js';
import { Metrics } from '../observability/metrics.js';
import { ProjectionReader } from './projection-reader.js';
import { ProjectionRunner, type ProjectionRunnerOptions } from './projection-runner.js';
import { type CommitBatch, inCommitOrder } from './projection-store.port.js';
import { SqliteProjectionStore } from './sqlite-projection-store.js';
import { appendAll, newEvent } from './testing/test-events.js';

const submitted = (i: number, programmeId = `prog-${i % 3}`) => ({
  type: 'SampleApplicationSubmitted',
  data: { applicationId: `a${i}`, programmeId, title: `申报 ${i}` },
  streamId: `application-a${i}`,
});

/** A counter per programme; version 2 counts twice, so a rebuild is visible in the documents. */
const counter = (version: number) =>
  defineProjection<{ n: number }>({
    name: 'counter',
    version,
    handles: ['SampleApplicationSubmitted'],
    keys: (event) => [String(event.data.programmeId)],
    evolve: (doc) => ({ n: (doc?.n ?? 0) + version }),
  });

function logger() {
  const lines: string[] = [];
  return { lines, log: (m: string) => lines.push(`log ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) };
}

describe('projection runner', () => {
  let events: SqliteEventStore;
  let store: SqliteProjectionStore;
  let runners: ProjectionRunner[];
  const clock = new ManualClock('2025-03-01T08:00:00Z');

  beforeEach(() => {
    events = new SqliteEventStore({ filename: ':memory:', pollMs: 20 });
    store = new SqliteProjectionStore(events.db);
    runners = [];
  });
  afterEach(async () => {
    for (const runner of runners) await runner.stop();
    await events.close();
  });

  const startRunner = async (
    projections: Projection<any>[],
    options: ProjectionRunnerOptions = {},
    eventStore: EventStore = events,
    projectionStore = store,
    metrics?: Metrics,
  ) => {
    const runner = new ProjectionRunner(eventStore, projectionStore, projections, clock, metrics, { logger: logger(), ...options });
    runners.push(runner);
    await runner.start();
    return runner;
  };
  const documents = async (name: string) => Object.fromEntries((await store.list(name)).map(({ key, doc }) => [key, doc]));

  const recordCommits = () => {
    const commits: CommitBatch[] = [];
    const commit = store.commit.bind(store);
    store.commit = async (batches) => {
      commits.push(...inCommitOrder(batches));
      return commit(batches);
    };
    return commits;
  };

  it('catches up in batches of at most batchSize, committing every commitEvery events, then follows live appends', async () => {
    await appendAll(events, Array.from({ length: 1234 }, (_, i) => submitted(i)));
    const commits = recordCommits();
    const runner = await startRunner([sampleProjection], { batchSize: 500, commitEvery: { events: 500 } });
    expect(await runner.waitFor('sample-submissions', 1234, 5000)).toBe(true);
    expect(commits.map((c) => c.toPosition - c.fromPosition)).toEqual([500, 500, 234]);

    const head = await appendAll(events, [submitted(5000, 'live-prog')]);
    expect(await runner.waitFor('sample-submissions', head, 2000)).toBe(true);
    expect(await documents('sample-submissions')).toEqual(
      Object.fromEntries(projectInMemory(sampleProjection, await events.readAll({ limit: 10_000 }))),
    );
    expect(await runner.status('sample-submissions')).toMatchObject({ status: 'live', checkpoint: head, head, lagEvents: 0, lagSeconds: 0, generation: 1 });
  });

  it('commits a long catch-up once it is caught up (within commitEvery), each document written once', async () => {
    // Ten submissions per programme document: ten evolves, one write each.
    await appendAll(events, Array.from({ length: 1000 }, (_, i) => submitted(i, `prog-${i % 100}`)));
    const commits = recordCommits();
    const runner = await startRunner([counter(1)], { batchSize: 100 });
    expect(await runner.waitFor('counter', 1000, 5000)).toBe(true);
    expect(commits.map((c) => [c.fromPosition, c.toPosition, c.changes.size])).toEqual([[0, 1000, 100]]);
    expect(await store.get('counter', 'prog-7')).toEqual({ n: 10 });
    // Live: each append is committed as soon as it is applied.
    const head = await appendAll(events, [submitted(1000, 'prog-7')]);
    expect(await runner.waitFor('counter', head, 2000)).toBe(true);
    expect(commits.at(-1)).toMatchObject({ fromPosition: 1000, toPosition: head });
  });

  it('commits a catch-up early once the dirty documents reach commitEvery.documents (the memory bound)', async () => {
    await appendAll(events, Array.from({ length: 1000 }, (_, i) => submitted(i, `prog-${i % 100}`)));
    const commits = recordCommits();
    // Every batch of 100 events dirties the 100 documents: each batch is committed.
    const runner = await startRunner([counter(1)], { batchSize: 100, commitEvery: { documents: 100 } });
    expect(await runner.waitFor('counter', 1000, 5000)).toBe(true);
    expect(commits.map((c) => [c.fromPosition, c.toPosition, c.changes.size])).toEqual(Array.from({ length: 10 }, (_, i) => [i * 100, i * 100 + 100, 100]));
    expect(await store.get('counter', 'prog-7')).toEqual({ n: 10 });
  });

  it('lets timers and requests run while it catches up (the reads and writes settle as microtasks)', async () => {
    await appendAll(events, Array.from({ length: 20_000 }, (_, i) => submitted(i, `prog-${i % 100}`)));
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 1);
    try {
      const runner = await startRunner([counter(1)], { batchSize: 100 });
      const caughtUpAt = await (async () => {
        expect(await runner.waitFor('counter', 20_000, 20_000)).toBe(true);
        return ticks;
      })();
      expect(caughtUpAt).toBeGreaterThan(2);
    } finally {
      clearInterval(timer);
    }
  });

  it('tells who waits on an index when a commit changes it, and only then', async () => {
    // Indexed by the count once it reaches 2: the first submission of a programme leaves the index alone.
    const indexed = defineProjection<{ n: number }>({ ...counter(1), index: (doc) => (doc.n >= 2 ? String(doc.n).padStart(4, '0') : null) });
    const runner = await startRunner([indexed]);
    const first = await appendAll(events, [submitted(1, 'p')]);
    expect(await runner.waitFor('counter', first, 2000)).toBe(true);
    expect(await runner.indexChangedSince('counter', 0, 50)).toBe(false);
    const waiting = runner.indexChangedSince('counter', first, 2000);
    const second = await appendAll(events, [submitted(2, 'p')]);
    expect(await waiting).toBe(true);
    // Asked after the fact, with an older checkpoint: already changed.
    expect(await runner.indexChangedSince('counter', first, 10)).toBe(true);
    expect(await runner.indexChangedSince('counter', second, 50)).toBe(false);
  });

  describe('when evolve throws inside a batch', () => {
    it('commits nothing of the batch, keeps the checkpoint and reports the failure', async () => {
      await appendAll(events, [submitted(1), submitted(2)]);
      const runner = await startRunner([counter(1)]);
      expect(await runner.waitFor('counter', 2, 2000)).toBe(true);

      const failing = defineProjection<{ n: number }>({
        ...counter(1),
        evolve: (doc, event) => {
          if (event.data.applicationId === 'a4') throw new Error('cannot evolve a4');
          return { n: (doc?.n ?? 0) + 1 };
        },
      });
      await runner.stop();
      await appendAll(events, [submitted(3, 'prog-x'), submitted(4, 'prog-y'), submitted(5, 'prog-z')]);
      const log = logger();
      const second = await startRunner([failing], { logger: log });
      await waitUntil(async () => (await second.status('counter')).status === 'failed');
      const status = await second.status('counter');
      expect(status).toMatchObject({ checkpoint: 2, head: 5, lagEvents: 3, error: 'cannot evolve a4' });
      // ManualClock at 08:00, events recorded at 08:00 of the same day.
      expect(status.lagSeconds).toBe(0);
      expect(await documents('counter')).toEqual({ 'prog-1': { n: 1 }, 'prog-2': { n: 1 } });
      expect(log.lines.some((line) => line.startsWith('error Projection counter'))).toBe(true);
    });
  });

  describe('when rebuilding', () => {
    it('keeps answering from the live generation, which keeps catching up, then switches and deletes the old one', async () => {
      await appendAll(events, Array.from({ length: 50 }, (_, i) => submitted(i)));
      // Hold the new generation's commits until released, to look at the world mid-rebuild.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const commit = store.commit.bind(store);
      store.commit = async (batches) => {
        if (inCommitOrder(batches).some((batch) => batch.generation > 1)) await gate;
        return commit(batches);
      };
      const runner = await startRunner([sampleProjection], { batchSize: 10 });
      const reader = new ProjectionReader(runner, store);
      expect(await runner.waitFor('sample-submissions', 50, 2000)).toBe(true);
      const before = await documents('sample-submissions');

      const accepted = await runner.rebuild('sample-submissions');
      expect(accepted.rebuild).toMatchObject({ generation: 2, checkpoint: 0, head: 50, state: 'running' });
      expect(await runner.rebuild('sample-submissions')).toMatchObject({ rebuild: { generation: 2 } }); // idempotent

      const head = await appendAll(events, [submitted(100, 'new-prog')]);
      const answer = await reader.read('sample-submissions', { minPosition: head }, (view) => view.get('programme:new-prog'));
      expect(answer).toMatchObject({ checkpoint: head, stale: false, data: { submitted: 1 } });
      expect((await store.state('sample-submissions')).active).toBe(1);
      expect(Object.keys(await documents('sample-submissions'))).toHaveLength(Object.keys(before).length + 2);

      release();
      await runner.whenRebuilt('sample-submissions');
      const state = await store.state('sample-submissions');
      expect(state).toMatchObject({ active: 2, generations: [{ generation: 2, status: 'live', position: head }] });
      expect(await documents('sample-submissions')).toEqual(
        Object.fromEntries(projectInMemory(sampleProjection, await events.readAll({ limit: 10_000 }))),
      );
      // The new generation is now the live one.
      const next = await appendAll(events, [submitted(101, 'new-prog')]);
      expect(await runner.waitFor('sample-submissions', next, 2000)).toBe(true);
      expect(await runner.status('sample-submissions')).toMatchObject({ generation: 2, checkpoint: next, rebuild: null, status: 'live' });
    });

    it('rebuilds at start when the version changed', async () => {
      await appendAll(events, [submitted(1), submitted(2), submitted(4)]);
      const v1 = await startRunner([counter(1)]);
      expect(await v1.waitFor('counter', 3, 2000)).toBe(true);
      await v1.stop();

      const v2 = await startRunner([counter(2)]);
      await v2.whenRebuilt('counter');
      expect(await documents('counter')).toEqual({ 'prog-1': { n: 4 }, 'prog-2': { n: 2 } });
      expect(await v2.status('counter')).toMatchObject({ generation: 2, version: 2, activeVersion: 2, rebuild: null });
    });
  });

  describe('the watchdog', () => {
    it('restarts a subscription that stops delivering while the head moves, and counts it', async () => {
      let stalls = 1;
      const stalling: EventStore = Object.create(events, {
        subscribeToAll: {
          value: (options: Parameters<EventStore['subscribeToAll']>[0]): Subscription => {
            if (stalls-- > 0) return silentSubscription();
            return events.subscribeToAll(options);
          },
        },
      });
      const metrics = new Metrics();
      const log = logger();
      const runner = await startRunner([counter(1)], { watchdogIntervalMs: 20, stallAfterMs: 100, logger: log }, stalling, store, metrics);
      const head = await appendAll(events, [submitted(1), submitted(2)]);
      await waitUntil(async () => (await runner.status('counter')).status === 'stalled');
      expect(await runner.waitFor('counter', head, 3000)).toBe(true);
      expect(await runner.status('counter')).toMatchObject({ restarts: 1, status: 'live' });
      expect((await metrics.projectionRestarts.get()).values).toEqual([{ labels: { projection: 'counter' }, value: 1 }]);
      expect(log.lines.filter((l) => l.startsWith('warn'))).toEqual([expect.stringMatching(/counter generation 1: no progress .* restarting/)]);
    });
  });

  describe('freshness', () => {
    it('waits for ?minPosition=, answers stale when it is not reached in time, and validates it', async () => {
      const runner = await startRunner([sampleProjection]);
      const reader = new ProjectionReader(runner, store);
      const head = await appendAll(events, [submitted(1, 'p')]);
      const fresh = await reader.read('sample-submissions', { minPosition: String(head) }, (view) => view.list({ keyPrefix: 'programme:' }));
      expect(fresh).toEqual({ checkpoint: head, stale: false, data: [{ key: 'programme:p', doc: expect.objectContaining({ submitted: 1 }) }] });

      const started = Date.now();
      const late = await reader.read('sample-submissions', { minPosition: head + 5, waitMs: 150 }, (view) => view.count());
      expect(late).toEqual({ checkpoint: head, stale: true, data: 2 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);

      const unasked = await reader.read('sample-submissions', {}, (view) => view.get('application:a1'));
      expect(unasked).toMatchObject({ checkpoint: head, stale: false, data: { status: 'submitted' } });
      await expect(reader.read('sample-submissions', { minPosition: '-1' }, async () => 0)).rejects.toBeInstanceOf(ValidationFailedError);
      await expect(reader.read('sample-submissions', { minPosition: 'abc' }, async () => 0)).rejects.toBeInstanceOf(ValidationFailedError);
      await expect(runner.waitFor('nope', 1, 10)).rejects.toMatchObject({ code: 'PROJECTION_NOT_FOUND', status: 404 });
    });

    it('reports lag in seconds from the clock and the oldest unapplied event', async () => {
      const runner = await startRunner([counter(1)]);
      await runner.stop();
      await events.append('s', [newEvent('SampleApplicationSubmitted', { programmeId: 'p' }, '2025-03-01T07:59:00.000Z')]);
      await events.append('s', [newEvent('SampleApplicationSubmitted', { programmeId: 'p' }, '2025-03-01T07:59:30.000Z')]);
      expect(await runner.status('counter')).toMatchObject({ status: 'idle', lagEvents: 2, lagSeconds: 60 });
    });
  });

  it('refuses invalid or duplicate registrations', () => {
    expect(() => new ProjectionRunner(events, store, [counter(1), counter(2)], clock)).toThrow(/twice/);
    expect(() => new ProjectionRunner(events, store, [{ ...counter(1), name: 'Bad Name' }], clock)).toThrow(/name/);
    expect(() => new ProjectionRunner(events, store, [{ ...counter(1), version: 0 }], clock)).toThrow(/version/);
  });
});

/** A subscription that never delivers, like one whose connection silently died. */
function silentSubscription(): Subscription {
  const never = new Promise<IteratorResult<StoredEvent>>(() => undefined);
  return {
    [Symbol.asyncIterator]: () => ({ next: () => never }),
    unsubscribe: () => never.then(() => undefined),
  };
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
