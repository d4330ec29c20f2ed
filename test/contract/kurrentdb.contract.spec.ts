import { randomUUID } from 'node:crypto';
import {
  AppendTooLargeError,
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
  type EventStore,
  type NewEvent,
} from '../../src/event-store/event-store.port.js';
import { verifyChain } from '../../src/event-store/hash.js';
import { KurrentDbEventStore } from '../../src/event-store/kurrentdb/kurrentdb-event-store.js';
import { type ContractHarness, eventStoreContract, makeEvent } from './event-store.contract.js';
import { EmulatedKurrentDb } from './kurrentdb-emulator.js';

const connectionString = process.env.KURRENTDB_CONNECTION_STRING;

/** A harness whose every open() is another connection (another writer); dispose closes them all. */
function connections(connect: () => EventStore): ContractHarness {
  const opened: EventStore[] = [];
  return {
    async open() {
      const store = connect();
      opened.push(store);
      return store;
    },
    async dispose() {
      for (const store of opened) await store.close();
    },
  };
}

// Always runs: no server needed. Port 1 refuses at once; the client reports 14 UNAVAILABLE.
describe('KurrentDbEventStore without a server', () => {
  const refused = 'kurrentdb://127.0.0.1:1?tls=false';

  it('maps a refused connection to EventStoreUnavailableError, quickly', async () => {
    const store = new KurrentDbEventStore(refused);
    try {
      const started = Date.now();
      const ping = await store.ping().catch((e: unknown) => e);
      const append = await store.append(`application-${randomUUID()}`, [makeEvent()]).catch((e: unknown) => e);
      expect(ping).toBeInstanceOf(EventStoreUnavailableError);
      expect((ping as EventStoreUnavailableError).code).toBe('STORE_UNAVAILABLE');
      expect(append).toBeInstanceOf(EventStoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await store.close();
    }
  });

  it('fails a subscription with EventStoreUnavailableError instead of hanging', async () => {
    const store = new KurrentDbEventStore(refused);
    try {
      const subscription = store.subscribeToAll({ fromPosition: 'start' });
      const iteration = (async () => {
        for await (const _ of subscription) break;
      })();
      await expect(iteration).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await subscription.unsubscribe();
    } finally {
      await store.close();
    }
  });
});

/*
 * Always runs: the adapter over an in-memory stand-in for the server (kurrentdb-emulator.ts says
 * which server behaviour it follows and what it cannot show). It exercises the adapter's own code,
 * its hash chain, retries, idempotency checks, position seeks and subscriptions, on every run; the
 * real server is still needed for the suite below.
 */
describe('KurrentDbEventStore on an emulated server (not KurrentDB itself)', () => {
  // As the real-server harness: one server for every test, each test in its own stream prefix, so
  // $all also holds other tests' events and the server's own.
  const shared = new EmulatedKurrentDb();
  eventStoreContract(
    'kurrentdb adapter, emulated server, stream prefix per test',
    async () => {
      const streamPrefix = `contract${randomUUID().replaceAll('-', '')}_`;
      return connections(() => new KurrentDbEventStore(shared.client(), { streamPrefix }));
    },
    { gapFreePositions: false },
  );

  describe('reading $all from a position that is not an event\'s', () => {
    async function storeWithEvents(count: number) {
      const client = new EmulatedKurrentDb().client();
      let reads = 0;
      const readAll = client.readAll.bind(client);
      client.readAll = (options) => ((reads += 1), readAll(options));
      const store = new KurrentDbEventStore(client);
      const streamId = `application-${randomUUID()}`;
      for (let batch = 0; batch < count / 100; batch++) {
        await store.append(streamId, Array.from({ length: 100 }, (_, i) => makeEvent('Numbered', { n: batch * 100 + i })));
      }
      const all = await store.readAll({ limit: count });
      return { store, all, reads: () => reads };
    }

    it('resumes after a checkpoint (its position + 1) in two reads, without walking $all', async () => {
      const { store, all, reads } = await storeWithEvents(1000);
      try {
        const before = reads();
        const page = await store.readAll({ fromPosition: all[300]!.position + 1, limit: 10 });
        expect(page.map((event) => event.data.n)).toEqual(Array.from({ length: 10 }, (_, i) => 301 + i));
        expect(reads() - before).toBe(2);
      } finally {
        await store.close();
      }
    });

    it('finds the next event from any other position inside a record', async () => {
      const { store, all } = await storeWithEvents(300);
      try {
        const page = await store.readAll({ fromPosition: all[120]!.position + 7, limit: 5 });
        expect(page.map((event) => event.data.n)).toEqual([121, 122, 123, 124, 125]);
      } finally {
        await store.close();
      }
    });
  });

  describe('appends whose outcome the server leaves open, or reports differently', () => {
    const stream = () => `application-${randomUUID()}`;
    /** One adapter over a fresh emulated server, closed whatever the test does. */
    const withStore = async (
      test: (store: KurrentDbEventStore, server: EmulatedKurrentDb) => Promise<void>,
      limits: ConstructorParameters<typeof EmulatedKurrentDb>[0] = {},
    ) => {
      const server = new EmulatedKurrentDb(limits);
      const store = new KurrentDbEventStore(server.client());
      try {
        await test(store, server);
      } finally {
        await store.close();
      }
    };

    it('answers an append whose reply was lost after it was written with the stored events, once', () =>
      withStore(async (store, server) => {
        const id = stream();
        await store.append(id, [makeEvent('First')]);
        server.loseNextAppendReplies({ written: true });
        const result = await store.append(id, [makeEvent('Second'), makeEvent('Third')], { expectedRevision: 0 });
        expect(result).toMatchObject({ nextExpectedRevision: 2, idempotentReplay: false });
        expect(result.events.map((event) => [event.type, event.revision])).toEqual([['Second', 1], ['Third', 2]]);
        const stored = await store.readStream(id);
        expect(stored.map((event) => event.type)).toEqual(['First', 'Second', 'Third']);
        expect(result.position).toBe(stored.at(-1)!.position);
      }));

    it('reports a lost reply of an append that was not written as unavailable; the retry writes it once', () =>
      withStore(async (store, server) => {
        const id = stream();
        const events = [makeEvent('Only')];
        server.loseNextAppendReplies({ written: false });
        await expect(store.append(id, events, { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(EventStoreUnavailableError);
        expect(await store.readStream(id)).toEqual([]);
        const retried = await store.append(id, events, { expectedRevision: 'no_stream' });
        expect(retried).toMatchObject({ nextExpectedRevision: 0, idempotentReplay: false });
        // And a retry of a write whose reply was lost after it landed is a replay.
        server.loseNextAppendReplies({ written: true });
        const next = [makeEvent('Next')];
        await store.append(id, next, { expectedRevision: 0 });
        expect(await store.append(id, next, { expectedRevision: 0 })).toMatchObject({ idempotentReplay: true, nextExpectedRevision: 1 });
        expect((await store.readStream(id)).map((event) => event.type)).toEqual(['Only', 'Next']);
      }));

    it('answers a multi-stream append whose reply was lost after it was written', () =>
      withStore(async (store, server) => {
        const [a, b] = [stream(), stream()];
        server.loseNextAppendReplies({ written: true });
        const results = await store.appendMultiple([
          { streamId: a, events: [makeEvent('A')], expectedRevision: 'no_stream' },
          { streamId: b, events: [makeEvent('B')], expectedRevision: 'no_stream' },
        ]);
        expect(results.map((result) => [result.streamId, result.nextExpectedRevision, result.idempotentReplay])).toEqual([
          [a, 0, false],
          [b, 0, false],
        ]);
      }));

    it('with throwOnAppendFailure=false, still refuses a stale revision and still retries a lost race', async () => {
      const server = new EmulatedKurrentDb();
      const [one, two] = [0, 1].map(() => new KurrentDbEventStore(server.client({ throwOnAppendFailure: false })));
      try {
        const id = stream();
        await one!.append(id, [makeEvent()]);
        await one!.append(id, [makeEvent()], { expectedRevision: 0 });
        const stale = await two!.append(id, [makeEvent()], { expectedRevision: 0 }).catch((error: unknown) => error);
        expect(stale).toBeInstanceOf(WrongExpectedRevisionError);
        expect((stale as WrongExpectedRevisionError).actualRevision).toBe(1);
        // 'any' from two writers at once: the chain's exact revisions collide, and both get in.
        await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? one! : two!).append(id, [makeEvent('Any')])));
        const stored = await one!.readStream(id);
        expect(stored).toHaveLength(8);
        expect(verifyChain(stored).ok).toBe(true);
      } finally {
        await one!.close();
        await two!.close();
      }
    });

    it('stores event ids in lower case, as KurrentDB returns them, and refuses ids that are not UUIDs', () =>
      withStore(async (store) => {
        const id = stream();
        const upper = randomUUID().toUpperCase();
        const result = await store.append(id, [{ ...makeEvent('Upper'), id: upper }]);
        expect(result.events[0]!.id).toBe(upper.toLowerCase());
        const stored = await store.readStream(id);
        expect(stored[0]!.id).toBe(upper.toLowerCase());
        expect(verifyChain(stored).ok).toBe(true);
        expect(await store.append(id, [{ ...makeEvent('Upper'), id: upper }])).toMatchObject({ idempotentReplay: true });
        await expect(store.append(id, [{ ...makeEvent('Bad'), id: 'not-a-uuid' }])).rejects.toThrow(/UUID/);
        expect(await store.readStream(id)).toHaveLength(1);
      }));

    describe('appends the server refuses for their size', () => {
      /** An event of about `bytes` bytes of data (Chinese text: 3 bytes a character in UTF-8). */
      const sized = (type: string, bytes: number) => makeEvent(type, { text: '质'.repeat(Math.ceil(bytes / 3)) });
      const refusal = (error: unknown) => {
        expect(error).toBeInstanceOf(AppendTooLargeError);
        expect((error as AppendTooLargeError).code).toBe('APPEND_TOO_LARGE');
        return error as AppendTooLargeError;
      };

      it('refuses a single-stream append over the maximum append size, writing nothing, and takes one under it', () =>
        withStore(
          async (store) => {
            const id = stream();
            await store.append(id, [makeEvent('First')]);
            const error = refusal(await store.append(id, [sized('Big', 5_000), sized('Big', 5_000)], { expectedRevision: 0 }).catch((e: unknown) => e));
            expect(error.maxBytes).toBe(8_192);
            expect((await store.readStream(id)).map((event) => event.type)).toEqual(['First']);
            // Nothing half-written: the same stream takes the next append at the revision it had.
            expect(await store.append(id, [sized('Fits', 5_000)], { expectedRevision: 0 })).toMatchObject({ nextExpectedRevision: 1 });
            expect(verifyChain(await store.readStream(id)).ok).toBe(true);
          },
          { maxAppendSize: 8_192 },
        ));

      /** A two-stream append of these events the server refuses, over `limit` bytes; neither stream written. */
      const refusedPair = (first: NewEvent, second: NewEvent, limit: number, limits: ConstructorParameters<typeof EmulatedKurrentDb>[0]) =>
        withStore(async (store) => {
          const [a, b] = [stream(), stream()];
          const error = refusal(
            await store
              .appendMultiple([
                { streamId: a, events: [first], expectedRevision: 'no_stream' },
                { streamId: b, events: [second], expectedRevision: 'no_stream' },
              ])
              .catch((e: unknown) => e),
          );
          expect(error.maxBytes).toBe(limit);
          expect(error.bytes).toBeGreaterThan(limit);
          expect(await store.readStream(a)).toEqual([]);
          expect(await store.readStream(b)).toEqual([]);
        }, limits);

      it('refuses a multi-stream append with a record over the record limit, writing no stream', () =>
        refusedPair(makeEvent('Small'), sized('Big', 6_000), 4_096, { maxAppendSize: 65_536, maxRecordSize: 4_096 }));

      it('refuses a multi-stream append over the maximum in all, writing no stream', () =>
        refusedPair(sized('Half', 3_000), sized('Half', 3_000), 5_000, { maxAppendSize: 5_000 }));
    });
  });

  // As a deployment: no prefix, a server of its own, where only the system events are filtered out.
  eventStoreContract(
    'kurrentdb adapter, emulated server of its own',
    async () => {
      const server = new EmulatedKurrentDb();
      return connections(() => new KurrentDbEventStore(server.client()));
    },
    { gapFreePositions: false },
  );
});

if (connectionString) {
  /*
   * One server, shared with other runs and with KurrentDB's own system streams, while the contract
   * expects each test to start from an empty store ($all holding only its events, headPosition
   * unmoved by others, 'shared-stream' fresh). So each test gets its own stream prefix: the adapter
   * stores its streams under it and filters $all, subscriptions and headPosition to it on the
   * server, and hands back stream ids without it. The server keeps the events (nothing to clean).
   */
  eventStoreContract(
    'kurrentdb',
    async () => {
      const streamPrefix = `contract${randomUUID().replaceAll('-', '')}_`;
      // Another client, another connection: another writer, as another process would be.
      return connections(() => new KurrentDbEventStore(connectionString, { streamPrefix }));
    },
    { gapFreePositions: false },
  );
} else {
  describe('event store contract: kurrentdb', () => {
    beforeAll(() => {
      console.warn(
        'KurrentDB contract suite SKIPPED: KURRENTDB_CONNECTION_STRING is not set. Start a server ' +
          '(docker/compose.kurrentdb.yml) and run with ' +
          'KURRENTDB_CONNECTION_STRING=kurrentdb://localhost:2113?tls=false to run it.',
      );
    });

    it('kurrentdb contract suite skipped: KURRENTDB_CONNECTION_STRING not set', () => {
      expect(process.env.KURRENTDB_CONNECTION_STRING).toBeUndefined();
    });
  });
}
