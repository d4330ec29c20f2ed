import { randomUUID } from 'node:crypto';
import { EventStoreUnavailableError, type EventStore } from '../../src/event-store/event-store.port.js';
import { KurrentDbEventStore } from '../../src/event-store/kurrentdb/kurrentdb-event-store.js';
import { eventStoreContract, makeEvent } from './event-store.contract.js';

const connectionString = process.env.KURRENTDB_CONNECTION_STRING;

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
      const opened: EventStore[] = [];
      return {
        async open() {
          // Another client, another connection: another writer, as another process would be.
          const store = new KurrentDbEventStore(connectionString, { streamPrefix });
          opened.push(store);
          return store;
        },
        async dispose() {
          for (const store of opened) await store.close();
        },
      };
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
