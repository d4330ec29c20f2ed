import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  type EventStore,
  EventStoreUnavailableError,
  IdempotencyMismatchError,
  WrongExpectedRevisionError,
} from '../../src/event-store/event-store.port.js';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.js';
import { eventStoreContract, makeEvent } from './event-store.contract.js';

// CI starts PostgreSQL; when it is unreachable these tests fail rather than skip.
const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

eventStoreContract(
  'postgres',
  async () => {
    // A schema per test: runs in parallel, or left over from a crash, never see each other.
    const schema = `es_test_${randomBytes(6).toString('hex')}`;
    const opened: EventStore[] = [];
    return {
      async open() {
        // Each call is another pool on the same schema: another writer, as another process would be.
        const store = await PostgresEventStore.open({ connectionString, schema, pollMs: 20, maxConnections: 4 });
        opened.push(store);
        return store;
      },
      async dispose() {
        for (const store of opened) await store.close();
        const admin = new pg.Client({ connectionString });
        await admin.connect();
        try {
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await admin.end();
        }
      },
    };
  },
  { gapFreePositions: true },
);

describe('postgres adapter specifics', () => {
  const schema = `es_test_${randomBytes(6).toString('hex')}`;
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('reports an unreachable server as EventStoreUnavailableError', async () => {
    const unreachable = { connectionString: 'postgres://postgres@127.0.0.1:1/test', schema, connectTimeoutMs: 1000 };
    await expect(PostgresEventStore.open(unreachable)).rejects.toBeInstanceOf(EventStoreUnavailableError);
    const store = new PostgresEventStore(unreachable);
    try {
      await expect(store.ping()).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreUnavailableError);
      const error = await store.append('application-1', [makeEvent()]).catch((e) => e);
      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      expect(error.code).toBe('STORE_UNAVAILABLE');
    } finally {
      await store.close();
    }
  });

  it('reports a connection lost before COMMIT as EventStoreUnavailableError', async () => {
    const store = await PostgresEventStore.open({
      connectionString,
      schema,
      // Kill this very transaction's backend: the query text names this test's schema.
      beforeCommit: async () => {
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE state = 'idle in transaction' AND query LIKE $1 AND pid <> pg_backend_pid()`,
          [`%"${schema}".events%`],
        );
      },
    });
    try {
      const error = await store.append(`application-${randomUUID()}`, [makeEvent()]).catch((e) => e);
      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      await store.ping(); // the pool replaced the dead connection
    } finally {
      await store.close();
    }
  });

  it('leaves no head behind for a new stream whose append was refused', async () => {
    const store = await PostgresEventStore.open({ connectionString, schema });
    try {
      const fresh = `application-${randomUUID()}`;
      await expect(store.append(fresh, [makeEvent()], { expectedRevision: 3 })).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      await expect(
        store.appendMultiple([
          { streamId: `term-${randomUUID()}`, events: [makeEvent()], expectedRevision: 'no_stream' },
          { streamId: fresh, events: [makeEvent()], expectedRevision: 'stream_exists' },
        ]),
      ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".streams`);
      expect(rows[0].n).toBe(0);
      expect(await store.streamRevision(fresh)).toBe('no_stream');
    } finally {
      await store.close();
    }
  });

  it('refuses an event id repeated inside one batch', async () => {
    const store = await PostgresEventStore.open({ connectionString, schema });
    try {
      const event = makeEvent();
      await expect(store.append(`application-${randomUUID()}`, [event, event])).rejects.toBeInstanceOf(
        IdempotencyMismatchError,
      );
    } finally {
      await store.close();
    }
  });
});
