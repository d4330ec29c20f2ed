import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { StoredEvent, Subscription } from '../../src/event-store/event-store.port.js';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.js';
import { makeEvent } from './event-store.contract.js';

/**
 * Marten #4977, Emmett #336: with sequence-assigned positions, a transaction that took position
 * 5 but commits after the one that took 6 lets a subscriber at checkpoint 6 skip event 5 for ever.
 * Here the counter's row lock is held to COMMIT, so the later writer cannot commit (or even get
 * its position) first, and a subscriber never sees past an open transaction.
 */

const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

type Hook = (positions: { first: number; last: number }) => Promise<void>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('Timed out waiting');
    await sleep(5);
  }
}

/** Settles-or-not probe for a promise we must not await yet. */
function track<T>(promise: Promise<T>) {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('postgres: a subscriber never reads past an open transaction', () => {
  let schema: string;
  let hook: Hook | undefined;
  let openGates: Array<() => void>;
  let held: PostgresEventStore; // the writer whose transaction the test holds open
  let other: PostgresEventStore; // another process's writer (its own pool)
  let reader: PostgresEventStore; // the subscriber's process
  let subscription: Subscription;
  let seen: StoredEvent[];
  let consuming: Promise<void>;

  beforeEach(async () => {
    schema = `es_test_${randomBytes(6).toString('hex')}`;
    hook = undefined;
    openGates = [];
    held = await PostgresEventStore.open({ connectionString, schema, pollMs: 20, beforeCommit: (p) => hook?.(p) ?? Promise.resolve() });
    other = await PostgresEventStore.open({ connectionString, schema, pollMs: 20 });
    reader = await PostgresEventStore.open({ connectionString, schema, pollMs: 20 });
    seen = [];
    subscription = reader.subscribeToAll({ fromPosition: 'start', batchSize: 3 });
    consuming = (async () => {
      for await (const event of subscription) seen.push(event);
    })();
  });

  afterEach(async () => {
    hook = undefined;
    // A failed test may leave a writer inside its transaction; let it finish or the pool never ends.
    for (const open of openGates) open();
    await subscription.unsubscribe();
    await consuming;
    for (const store of [held, other, reader]) await store.close();
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => admin.end());
  });

  /** Arms the hook: the next append through `held` stops before COMMIT until released. */
  function holdNextCommit() {
    let entered!: (positions: { first: number; last: number }) => void;
    let release!: (error?: Error) => void;
    const inside = new Promise<{ first: number; last: number }>((resolve) => (entered = resolve));
    const released = new Promise<void>((resolve, reject) => (release = (error) => (error ? reject(error) : resolve())));
    openGates.push(() => release());
    hook = async (positions) => {
      hook = undefined;
      entered(positions);
      await released;
    };
    return { inside, release };
  }

  it('delivers the later event only after the earlier transaction commits, both in order, once', async () => {
    await other.append(`application-${randomUUID()}`, [makeEvent('Before')]);
    await until(() => seen.length === 1);

    const gate = holdNextCommit();
    const early = track(held.append(`application-${randomUUID()}`, [makeEvent('Early')]));
    expect(await gate.inside).toEqual({ first: 2, last: 2 });

    // Another writer on another stream and another connection: it queues on the counter.
    const late = track(other.append(`application-${randomUUID()}`, [makeEvent('Late')]));
    await sleep(300);
    expect(late.settled).toBe(false);
    expect(early.settled).toBe(false);
    expect(seen.map((e) => e.type)).toEqual(['Before']);
    expect(await reader.readAll({ fromPosition: 2 })).toEqual([]);
    expect(await reader.headPosition()).toBe(1);

    gate.release();
    const [earlyResult, lateResult] = await Promise.all([early.promise, late.promise]);
    expect(earlyResult.position).toBe(2);
    expect(lateResult.position).toBe(3);

    await until(() => seen.length >= 3);
    await sleep(100); // anything more would be a duplicate
    expect(seen.map((e) => [e.type, e.position])).toEqual([['Before', 1], ['Early', 2], ['Late', 3]]);
  });

  it('gives the numbers of a rolled-back append to the next writer: no gap', async () => {
    await other.append(`application-${randomUUID()}`, [makeEvent('Before')]);
    const gate = holdNextCommit();
    const failed = track(held.append(`application-${randomUUID()}`, [makeEvent('Lost'), makeEvent('Lost')]));
    expect(await gate.inside).toEqual({ first: 2, last: 3 });
    const late = track(other.append(`application-${randomUUID()}`, [makeEvent('Late')]));
    await sleep(150);
    expect(late.settled).toBe(false);

    gate.release(new Error('writer crashed before COMMIT'));
    await expect(failed.promise).rejects.toThrow('writer crashed before COMMIT');
    expect((await late.promise).position).toBe(2);

    await until(() => seen.length >= 2);
    await sleep(100);
    expect(seen.map((e) => [e.type, e.position])).toEqual([['Before', 1], ['Late', 2]]);
  });

  it('stays gap-free when commits lag behind position assignment under load', async () => {
    // Every append through `held` dawdles between taking positions and COMMIT.
    hook = () => sleep(Math.random() * 8);
    const writers = [held, other, held, other];
    const written = new Set<string>();
    await Promise.all(
      writers.map(async (writer, w) => {
        for (let i = 0; i < 25; i++) {
          const batch = i % 4 === 0 ? [makeEvent(`W${w}`), makeEvent(`W${w}`)] : [makeEvent(`W${w}`)];
          await writer.append(w % 2 ? 'shared-stream' : `application-${randomUUID()}`, batch);
          for (const event of batch) written.add(event.id);
        }
      }),
    );
    await until(() => seen.length >= written.size, 10_000);
    await sleep(100);
    expect(seen.map((e) => e.position)).toEqual(seen.map((_, i) => i + 1));
    expect(new Set(seen.map((e) => e.id))).toEqual(written);
  });

  it('does not deadlock when multi-stream appends name the same streams in opposite orders', async () => {
    const a = `term-${randomUUID()}`;
    const b = `application-${randomUUID()}`;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => {
        const store = i % 2 ? held : other;
        const requests = [
          { streamId: a, events: [makeEvent('A')] },
          { streamId: b, events: [makeEvent('B')] },
        ];
        return store.appendMultiple(i % 2 ? requests : requests.reverse());
      }),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await other.streamRevision(a)).toBe(19);
    expect(await other.streamRevision(b)).toBe(19);
    await until(() => seen.length >= 40);
    expect(seen.map((e) => e.position)).toEqual(seen.map((_, i) => i + 1));
  });
});
