import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { EventStoreUnavailableError } from '../event-store/event-store.port.js';
import { PostgresIdempotencyStore } from './postgres-idempotency.store.js';

// CI starts PostgreSQL; when it is unreachable these tests fail rather than skip.
const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NOW = Date.parse('2025-03-01T00:00:00Z');
const RESPONSE = { status: 201, body: { id: 'a1', name: '质量奖 𠮷' }, headers: { etag: '"1"', location: '/api/applications/a1' } };

describe('PostgreSQL idempotency store', () => {
  let schema: string;
  let stores: PostgresIdempotencyStore[];
  // Each open() is another instance of the service behind the load balancer.
  const open = async () => {
    const store = await PostgresIdempotencyStore.open({ connectionString, schema, maxConnections: 2 });
    stores.push(store);
    return store;
  };

  beforeEach(() => {
    schema = `idem_test_${randomBytes(6).toString('hex')}`;
    stores = [];
  });
  afterEach(async () => {
    for (const store of stores) await store.close();
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    try {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await admin.end();
    }
  });

  it('reserves once, answers pending until completed, then replays the stored response on any instance', async () => {
    const [one, two] = [await open(), await open()];
    expect(await one.reserve('user-1 POST /api/applications', 'k1', 'h1', NOW)).toEqual({ outcome: 'reserved' });
    expect(await two.reserve('user-1 POST /api/applications', 'k1', 'h1', NOW + 10)).toEqual({ outcome: 'pending', requestHash: 'h1' });
    await one.complete('user-1 POST /api/applications', 'k1', RESPONSE);
    expect(await two.reserve('user-1 POST /api/applications', 'k1', 'h2', NOW + 20)).toEqual({ outcome: 'completed', requestHash: 'h1', response: RESPONSE });
    // Another caller's scope is another record.
    expect(await two.reserve('user-2 POST /api/applications', 'k1', 'h1', NOW)).toEqual({ outcome: 'reserved' });
  });

  it('grants exactly one of many simultaneous first requests', async () => {
    const [one, two] = [await open(), await open()];
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).reserve('s', 'race', 'h', NOW)));
    expect(outcomes.filter((o) => o.outcome === 'reserved')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'pending')).toHaveLength(7);
  });

  it('forgets a released reservation, but never a completed one', async () => {
    const store = await open();
    await store.reserve('s', 'k', 'h', NOW);
    await store.release('s', 'k');
    expect(await store.reserve('s', 'k', 'h', NOW)).toEqual({ outcome: 'reserved' });
    await store.complete('s', 'k', RESPONSE);
    await store.release('s', 'k');
    expect(await store.reserve('s', 'k', 'h', NOW)).toMatchObject({ outcome: 'completed' });
  });

  it('lets one retry with the same body take over a reservation left pending by a crash', async () => {
    const [one, two] = [await open(), await open()];
    await one.reserve('s', 'k', 'h', NOW);
    const later = NOW + 61_000;
    // Another body never takes it over.
    expect(await two.reserve('s', 'k', 'other', later)).toEqual({ outcome: 'pending', requestHash: 'h' });
    const retries = await Promise.all([one.reserve('s', 'k', 'h', later), two.reserve('s', 'k', 'h', later)]);
    expect(retries.map((r) => r.outcome).sort()).toEqual(['pending', 'reserved']);
  });

  it('reports an unreachable server as EventStoreUnavailableError', async () => {
    await expect(
      PostgresIdempotencyStore.open({ connectionString: 'postgres://postgres@127.0.0.1:1/test', schema, connectTimeoutMs: 1000 }),
    ).rejects.toBeInstanceOf(EventStoreUnavailableError);
  });
});
