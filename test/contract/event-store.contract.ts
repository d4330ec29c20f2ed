import { randomUUID } from 'node:crypto';
import {
  type EventStore,
  type NewEvent,
  type StoredEvent,
  IdempotencyMismatchError,
  WrongExpectedRevisionError,
} from '../../src/event-store/event-store.port.js';
import { verifyChain } from '../../src/event-store/hash.js';

/** What an adapter's spec hands to the contract: a fresh, empty store per test. */
export interface ContractHarness {
  /** Opens a connection to this test's store; every call is another writer on the same data. */
  open(): Promise<EventStore>;
  dispose(): Promise<void>;
}

export interface ContractCapabilities {
  /** Positions are 1, 2, 3… (SQLite, PostgreSQL); KurrentDB's $all positions are only increasing. */
  gapFreePositions: boolean;
}

export function makeEvent(type = 'TestEvent', data: Record<string, unknown> = {}, id = randomUUID()): NewEvent {
  return {
    id,
    type,
    data,
    metadata: {
      actor: { sub: 'u-1', name: '王芳', roles: ['office'] },
      occurredAt: '2025-03-01',
      recordedAt: '2025-03-01T02:00:00.000Z',
      commandId: randomUUID(),
      correlationId: randomUUID(),
      causationId: randomUUID(),
      schemaVersion: 1,
    },
  };
}

const stream = (prefix = 'application') => `${prefix}-${randomUUID()}`;

async function collect(store: EventStore, count: number, fromPosition?: number | 'start' | 'end') {
  const subscription = store.subscribeToAll({ fromPosition, batchSize: 7 });
  const seen: StoredEvent[] = [];
  const done = (async () => {
    for await (const event of subscription) {
      seen.push(event);
      if (seen.length >= count) break;
    }
  })();
  return { seen, done, subscription };
}

/** The behaviour of the event-store port. Every adapter's spec calls this once. */
export function eventStoreContract(
  adapter: string,
  createHarness: () => Promise<ContractHarness>,
  capabilities: ContractCapabilities,
): void {
  describe(`event store contract: ${adapter}`, () => {
    let harness: ContractHarness;
    let store: EventStore;

    beforeEach(async () => {
      harness = await createHarness();
      store = await harness.open();
    });
    afterEach(async () => {
      await harness.dispose();
    });

    describe('append and expected revisions', () => {
      it('creates a stream at revision 0 and numbers further events', async () => {
        const id = stream();
        const first = await store.append(id, [makeEvent('A')], { expectedRevision: 'no_stream' });
        expect(first.nextExpectedRevision).toBe(0);
        expect(first.idempotentReplay).toBe(false);
        const second = await store.append(id, [makeEvent('B'), makeEvent('C')], { expectedRevision: 0 });
        expect(second.nextExpectedRevision).toBe(2);
        expect(second.position).toBeGreaterThan(first.position);
        expect(await store.streamRevision(id)).toBe(2);
        const events = await store.readStream(id);
        expect(events.map((e) => [e.type, e.revision])).toEqual([['A', 0], ['B', 1], ['C', 2]]);
      });

      it('refuses a stale numeric revision with the actual one, and writes nothing', async () => {
        const id = stream();
        await store.append(id, [makeEvent(), makeEvent()], { expectedRevision: 'no_stream' });
        const head = await store.headPosition();
        const error = await store.append(id, [makeEvent()], { expectedRevision: 0 }).catch((e) => e);
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error.code).toBe('CONCURRENCY_CONFLICT');
        expect(error.actualRevision).toBe(1);
        expect(error.expectedRevision).toBe(0);
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream(id)).toHaveLength(2);
      });

      it('honours no_stream, stream_exists and any', async () => {
        const id = stream();
        const missing = await store.append(id, [makeEvent()], { expectedRevision: 'stream_exists' }).catch((e) => e);
        expect(missing).toBeInstanceOf(WrongExpectedRevisionError);
        expect(missing.actualRevision).toBe('no_stream');
        await store.append(id, [makeEvent()], { expectedRevision: 'no_stream' });
        const exists = await store.append(id, [makeEvent()], { expectedRevision: 'no_stream' }).catch((e) => e);
        expect(exists).toBeInstanceOf(WrongExpectedRevisionError);
        expect(exists.actualRevision).toBe(0);
        await store.append(id, [makeEvent()], { expectedRevision: 'stream_exists' });
        await store.append(id, [makeEvent()], { expectedRevision: 'any' });
        await store.append(id, [makeEvent()]);
        expect(await store.streamRevision(id)).toBe(3);
        expect(await store.streamRevision(stream())).toBe('no_stream');
      });

      it('lets exactly one of many concurrent writers win the same expected revision', async () => {
        const id = stream();
        await store.append(id, [makeEvent()], { expectedRevision: 'no_stream' });
        const writers = await Promise.all([store, await harness.open(), await harness.open()].map(async (s) => s));
        const attempts = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) => writers[i % writers.length]!.append(id, [makeEvent()], { expectedRevision: 0 })),
        );
        expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
        for (const failed of attempts.filter((a) => a.status === 'rejected')) {
          expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
        }
        expect(await store.readStream(id)).toHaveLength(2);
      });

      it('lets exactly one of many concurrent creators of a new stream win no_stream', async () => {
        const id = stream();
        const writers = [store, await harness.open(), await harness.open()];
        const attempts = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) => writers[i % writers.length]!.append(id, [makeEvent()], { expectedRevision: 'no_stream' })),
        );
        expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
        for (const failed of attempts.filter((a) => a.status === 'rejected')) {
          expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
          expect((failed as PromiseRejectedResult).reason.actualRevision).toBe(0);
        }
        expect(await store.readStream(id)).toHaveLength(1);
      });
    });

    describe('idempotent retries', () => {
      it('treats the same event ids appended again as a no-op returning the first result', async () => {
        const id = stream();
        const batch = [makeEvent('A'), makeEvent('B')];
        const first = await store.append(id, batch, { expectedRevision: 'no_stream' });
        const head = await store.headPosition();
        const retry = await store.append(id, batch, { expectedRevision: 'no_stream' });
        expect(retry.idempotentReplay).toBe(true);
        expect(retry.nextExpectedRevision).toBe(1);
        expect(retry.position).toBe(first.position);
        expect(retry.events.map((e) => e.hash)).toEqual(first.events.map((e) => e.hash));
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream(id)).toHaveLength(2);
      });

      it('is a no-op even when the stream has moved on since', async () => {
        const id = stream();
        const event = makeEvent('A');
        await store.append(id, [event], { expectedRevision: 'no_stream' });
        await store.append(id, [makeEvent('B')], { expectedRevision: 0 });
        const retry = await store.append(id, [event], { expectedRevision: 'no_stream' });
        expect(retry.idempotentReplay).toBe(true);
        expect(retry.events[0]!.revision).toBe(0);
        expect(await store.readStream(id)).toHaveLength(2);
      });

      it('refuses a batch mixing stored and new event ids, writing nothing', async () => {
        const id = stream();
        const a = makeEvent('A');
        await store.append(id, [a], { expectedRevision: 'no_stream' });
        const error = await store.append(id, [a, makeEvent('B')], { expectedRevision: 'any' }).catch((e) => e);
        expect(error).toBeInstanceOf(IdempotencyMismatchError);
        expect(await store.readStream(id)).toHaveLength(1);
      });

      it('allows the same event id in two different streams', async () => {
        const event = makeEvent();
        await store.append(stream(), [event]);
        const other = await store.append(stream(), [event]);
        expect(other.idempotentReplay).toBe(false);
      });
    });

    describe('multi-stream appends', () => {
      it('writes every stream or none', async () => {
        const term = stream('term');
        const app = stream();
        await store.append(app, [makeEvent()], { expectedRevision: 'no_stream' });
        const head = await store.headPosition();
        const refused = await store
          .appendMultiple([
            { streamId: term, events: [makeEvent('ListProposed')], expectedRevision: 'no_stream' },
            { streamId: app, events: [makeEvent('Proposed')], expectedRevision: 5 },
          ])
          .catch((e) => e);
        expect(refused).toBeInstanceOf(WrongExpectedRevisionError);
        expect(refused.streamId).toBe(app);
        expect(await store.headPosition()).toBe(head);
        expect(await store.streamRevision(term)).toBe('no_stream');

        const results = await store.appendMultiple([
          { streamId: term, events: [makeEvent('ListProposed')], expectedRevision: 'no_stream' },
          { streamId: app, events: [makeEvent('Proposed')], expectedRevision: 0 },
        ]);
        expect(results.map((r) => r.nextExpectedRevision)).toEqual([0, 1]);
      });
    });

    describe('reading', () => {
      it('reads a stream forwards, backwards, from a revision and with a limit', async () => {
        const id = stream();
        await store.append(id, ['A', 'B', 'C', 'D', 'E'].map((t) => makeEvent(t)));
        const types = (events: StoredEvent[]) => events.map((e) => e.type).join('');
        expect(types(await store.readStream(id))).toBe('ABCDE');
        expect(types(await store.readStream(id, { fromRevision: 2 }))).toBe('CDE');
        expect(types(await store.readStream(id, { fromRevision: 1, limit: 2 }))).toBe('BC');
        expect(types(await store.readStream(id, { direction: 'backwards' }))).toBe('EDCBA');
        expect(types(await store.readStream(id, { direction: 'backwards', fromRevision: 3, limit: 2 }))).toBe('DC');
        expect(await store.readStream(stream())).toEqual([]);
      });

      it('reads all events in one global order from any position', async () => {
        const a = stream();
        const b = stream();
        await store.append(a, [makeEvent('A1')]);
        await store.append(b, [makeEvent('B1'), makeEvent('B2')]);
        await store.append(a, [makeEvent('A2')]);
        const all = await store.readAll();
        expect(all.map((e) => e.type)).toEqual(['A1', 'B1', 'B2', 'A2']);
        const positions = all.map((e) => e.position);
        expect([...positions].sort((x, y) => x - y)).toEqual(positions);
        expect(new Set(positions).size).toBe(positions.length);
        if (capabilities.gapFreePositions) expect(positions).toEqual([1, 2, 3, 4]);
        expect(await store.headPosition()).toBe(positions.at(-1));
        for (let i = 0; i < all.length; i++) {
          const from = await store.readAll({ fromPosition: positions[i] });
          expect(from.map((e) => e.type)).toEqual(all.slice(i).map((e) => e.type));
        }
        expect((await store.readAll({ fromPosition: positions[1], limit: 2 })).map((e) => e.type)).toEqual(['B1', 'B2']);
        // Callers page and resume with the last position they hold + 1, which need not be an event's.
        for (let i = 0; i < all.length; i++) {
          const after = await store.readAll({ fromPosition: positions[i]! + 1 });
          expect(after.map((e) => e.type)).toEqual(all.slice(i + 1).map((e) => e.type));
        }
        expect((await store.readAll({ fromPosition: positions[0]! + 1, limit: 2 })).map((e) => e.type)).toEqual(['B1', 'B2']);
      });

      it('round-trips unicode (Chinese) payloads, metadata and hashes unchanged', async () => {
        const id = `application-济南-${randomUUID()}`;
        const data = {
          applicant: { name: '济南市某某精密机械有限公司', id: '91370100MA3C5K2X1D' },
          note: '异议：材料不实 — 𠮷野家 😀',
          nested: { list: ['一', '二', { 三: 3 }], empty: {}, n: 1.5, flag: false, none: null },
        };
        const event = makeEvent('ApplicationSubmitted', data);
        const appended = await store.append(id, [event]);
        const [read] = await store.readStream(id);
        expect(read!.data).toEqual(data);
        expect(read!.metadata).toEqual(event.metadata);
        expect(read!.id).toBe(event.id);
        expect(read!.streamId).toBe(id);
        expect(read!.hash).toBe(appended.events[0]!.hash);
        const [fromAll] = (await store.readAll()).filter((e) => e.streamId === id);
        expect(fromAll!.data).toEqual(data);
      });

      it('chains each stream with SHA-256 hashes an auditor can recompute', async () => {
        const id = stream();
        await store.append(id, [makeEvent('A', { n: 1 })]);
        await store.append(stream(), [makeEvent('Other')]);
        await store.append(id, [makeEvent('B', { n: 2 }), makeEvent('C', { n: 3 })]);
        const events = await store.readStream(id);
        expect(events.every((e) => /^[0-9a-f]{64}$/.test(e.hash))).toBe(true);
        expect(verifyChain(events)).toEqual({ ok: true, checked: 3 });
        const tampered = events.map((e, i) => (i === 1 ? { ...e, data: { n: 20 } } : e));
        expect(verifyChain(tampered).firstMismatch?.revision).toBe(1);
        expect(verifyChain([events[0]!, events[2]!]).ok).toBe(false);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up, then delivers live events in order', async () => {
        await store.append(stream(), [makeEvent('Old1'), makeEvent('Old2')]);
        const { seen, done, subscription } = await collect(store, 4);
        await new Promise((r) => setTimeout(r, 30));
        await store.append(stream(), [makeEvent('New1')]);
        await store.append(stream(), [makeEvent('New2')]);
        await done;
        await subscription.unsubscribe();
        expect(seen.map((e) => e.type)).toEqual(['Old1', 'Old2', 'New1', 'New2']);
      });

      it('starts after the given position, or at the end', async () => {
        const first = await store.append(stream(), [makeEvent('A'), makeEvent('B')]);
        const after = await collect(store, 1, first.events[0]!.position);
        await after.done;
        await after.subscription.unsubscribe();
        expect(after.seen.map((e) => e.type)).toEqual(['B']);

        const fromEnd = await collect(store, 1, 'end');
        await new Promise((r) => setTimeout(r, 50));
        await store.append(stream(), [makeEvent('C')]);
        await fromEnd.done;
        await fromEnd.subscription.unsubscribe();
        expect(fromEnd.seen.map((e) => e.type)).toEqual(['C']);
      });

      it('sees every event exactly once, in order, while several writers append at once', async () => {
        const writers = [store, await harness.open(), await harness.open(), await harness.open()];
        const subscription = store.subscribeToAll({ fromPosition: 'start', batchSize: 7 });
        const seen: StoredEvent[] = [];
        const consuming = (async () => {
          for await (const event of subscription) seen.push(event);
        })();
        const written = new Set<string>();
        await Promise.all(
          writers.map(async (writer, w) => {
            for (let i = 0; i < 50; i++) {
              const batch = i % 3 === 0 ? [makeEvent(`W${w}`), makeEvent(`W${w}`)] : [makeEvent(`W${w}`)];
              // Half the writers spread over new streams, half share one stream.
              const target = w % 2 === 0 ? stream() : 'shared-stream';
              await writer.append(target, batch, { expectedRevision: 'any' });
              for (const e of batch) written.add(e.id);
              // Yield so that the writers and the subscriber interleave.
              if (i % 5 === 0) await new Promise((r) => setImmediate(r));
            }
          }),
        );
        const deadline = Date.now() + 10_000;
        while (seen.length < written.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 100)); // anything extra would be a duplicate
        await subscription.unsubscribe();
        await consuming;
        const ids = seen.map((e) => e.id);
        expect(ids.length).toBe(written.size);
        expect(new Set(ids)).toEqual(written);
        const positions = seen.map((e) => e.position);
        for (let i = 1; i < positions.length; i++) expect(positions[i]!).toBeGreaterThan(positions[i - 1]!);
        if (capabilities.gapFreePositions) expect(positions).toEqual(positions.map((_, i) => i + 1));
      });

      describe('with an event-type filter', () => {
        it('delivers only those types, in order, and reports checkpoints past the others, never backwards', async () => {
          const kept = ['Kept', 'AlsoKept'];
          const checkpoints: number[] = [];
          const appended = [];
          for (let i = 0; i < 30; i++) appended.push(await store.append(stream(), [makeEvent(i % 7 === 0 ? 'Kept' : i % 11 === 0 ? 'AlsoKept' : 'Skipped')]));
          const head = appended.at(-1)!.position;
          const subscription = store.subscribeToAll({
            fromPosition: 'start',
            batchSize: 2,
            filter: { eventTypes: kept, checkpointReached: (position) => checkpoints.push(position) },
          });
          const seen: StoredEvent[] = [];
          const checkpointsWhenSeen: number[] = [];
          const consuming = (async () => {
            for await (const event of subscription) {
              seen.push(event);
              checkpointsWhenSeen.push(checkpoints.at(-1) ?? 0);
            }
          })();
          const deadline = Date.now() + 5000;
          while ((checkpoints.at(-1) ?? 0) < head && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
          // Live: a later matching event still comes, a later other one moves the checkpoint on.
          const late = await store.append(stream(), [makeEvent('AlsoKept')]);
          const skipped = await store.append(stream(), [makeEvent('Skipped')]);
          while ((checkpoints.at(-1) ?? 0) < skipped.position && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
          await subscription.unsubscribe();
          await consuming;

          const expected = [...appended.flatMap((a) => a.events), ...late.events].filter((e) => kept.includes(e.type));
          expect(seen.map((e) => e.id)).toEqual(expected.map((e) => e.id));
          expect(checkpoints.at(-1)).toBe(skipped.position);
          for (let i = 1; i < checkpoints.length; i++) expect(checkpoints[i]!).toBeGreaterThanOrEqual(checkpoints[i - 1]!);
          // A checkpoint never runs ahead of a matching event not yet delivered.
          seen.forEach((event, i) => expect(checkpointsWhenSeen[i]!).toBeLessThan(event.position));
        });

        it('delivers nothing but checkpoints when no event matches', async () => {
          const last = await store.append(stream(), [makeEvent('Skipped'), makeEvent('Skipped')]);
          const checkpoints: number[] = [];
          const subscription = store.subscribeToAll({ fromPosition: 'start', filter: { eventTypes: ['Nothing'], checkpointReached: (p) => checkpoints.push(p) } });
          let delivered = 0;
          const consuming = (async () => {
            for await (const _ of subscription) delivered++;
          })();
          const deadline = Date.now() + 5000;
          while ((checkpoints.at(-1) ?? 0) < last.position && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
          await subscription.unsubscribe();
          await consuming;
          expect(delivered).toBe(0);
          expect(checkpoints.at(-1)).toBe(last.position);
        });
      });

      it('ends iteration when unsubscribed while waiting', async () => {
        const subscription = store.subscribeToAll({ fromPosition: 'start' });
        const iteration = (async () => {
          let n = 0;
          for await (const _ of subscription) n++;
          return n;
        })();
        await new Promise((r) => setTimeout(r, 30));
        await subscription.unsubscribe();
        await expect(iteration).resolves.toBe(0);
      });
    });
  });
}
