import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { EventStoreUnavailableError } from '../event-store/event-store.port.js';
import { PostgresEventStore } from '../event-store/postgres/postgres-event-store.js';
import { PostgresProjectionStore } from './postgres-projection-store.js';
import { projectionStoreContract } from './projection-store.contract.js';
import type { StoredDocument } from './projection-store.port.js';

// CI starts PostgreSQL; when it is unreachable these tests fail rather than skip.
const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const AT = '2025-03-01T00:00:00.000Z';

const randomSchema = () => `ps_test_${randomBytes(6).toString('hex')}`;

async function dropSchema(schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end();
  }
}

projectionStoreContract('PostgreSQL', async () => {
  // A schema per test: parallel runs, or leftovers of a crash, never see each other.
  const schema = randomSchema();
  const opened: PostgresProjectionStore[] = [];
  return {
    async open() {
      // Two documents per statement: a failing batch then fails after real writes of its transaction.
      const store = new PostgresProjectionStore({ connectionString, schema, maxConnections: 2, documentsPerStatement: 2 });
      opened.push(store);
      return store;
    },
    async dispose() {
      for (const store of opened) await store.close();
      await dropSchema(schema);
    },
  };
});

describe('PostgreSQL projection store specifics', () => {
  let schema: string;
  let admin: pg.Client;
  const stores: Array<{ close(): Promise<void> }> = [];
  const open = (options: Partial<ConstructorParameters<typeof PostgresProjectionStore>[0]> = {}) => {
    const store = new PostgresProjectionStore({ connectionString, schema, maxConnections: 2, ...options });
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    schema = randomSchema();
    admin = new pg.Client({ connectionString });
    await admin.connect();
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('creates its tables in the configured schema through the shared migrations, beside the events', async () => {
    const events = await PostgresEventStore.open({ connectionString, schema });
    stores.push(events);
    await open().init();
    await open().init(); // a second instance finds nothing to do
    const { rows } = await admin.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual([1, 1000, 1001]);
    const tables = await admin.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'projection%' ORDER BY table_name`,
      [schema],
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(['projection_checkpoints', 'projection_documents', 'projection_registry']);
  });

  it('commits a batch larger than one statement and filters it', async () => {
    const store = open();
    await store.createGeneration('p', 1, AT);
    const changes = new Map<string, StoredDocument | null>(
      Array.from({ length: 1203 }, (_, i) => [`k${String(i).padStart(4, '0')}`, { json: JSON.stringify({ even: i % 2 === 0, i }), index: null }]),
    );
    await store.commit({ projection: 'p', generation: 1, fromPosition: 0, toPosition: 1203, lastEventRecordedAt: AT, updatedAt: AT, changes });
    expect(await store.count('p')).toBe(1203);
    expect(await store.count('p', { where: { even: true } })).toBe(602);
    expect((await store.list('p', { orderBy: 'i', direction: 'desc', limit: 2 })).map((d) => d.key)).toEqual(['k1202', 'k1201']);
    expect((await store.load('p', 1, [...changes.keys()])).size).toBe(1203);
    const deletes = new Map<string, StoredDocument | null>([...changes.keys()].slice(0, 1001).map((key) => [key, null]));
    await store.commit({ projection: 'p', generation: 1, fromPosition: 1203, toPosition: 1204, lastEventRecordedAt: AT, updatedAt: AT, changes: deletes });
    expect(await store.count('p')).toBe(202);
  });

  it('lets a batch in flight on the old generation land before a switch deletes it: no orphan documents', async () => {
    const store = open();
    await store.createGeneration('p', 1, AT);
    await store.createGeneration('p', 1, AT);
    // Another instance's batch on generation 1, holding its checkpoint row, not yet committed.
    const writer = new pg.Client({ connectionString });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      const moved = await writer.query(`UPDATE "${schema}".projection_checkpoints SET position = 1 WHERE projection = 'p' AND generation = 1 AND position = 0`);
      expect(moved.rowCount).toBe(1);
      await writer.query(`INSERT INTO "${schema}".projection_documents (projection, generation, key, doc) VALUES ('p', 1, 'late', '1')`);
      const switching = store.activate('p', 2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await writer.query('COMMIT');
      await switching;
    } finally {
      await writer.end();
    }
    const { rows } = await admin.query(`SELECT generation, key FROM "${schema}".projection_documents`);
    expect(rows).toEqual([]);
    expect(await store.state('p')).toMatchObject({ active: 2, generations: [{ generation: 2 }] });
  });

  it('reports an unreachable server as EventStoreUnavailableError', async () => {
    const store = open({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 1000 });
    await expect(store.init()).rejects.toBeInstanceOf(EventStoreUnavailableError);
    await expect(store.get('p', 'a')).rejects.toBeInstanceOf(EventStoreUnavailableError);
    await expect(store.createGeneration('p', 1, AT)).rejects.toBeInstanceOf(EventStoreUnavailableError);
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => new PostgresProjectionStore({ connectionString, schema: 'x"; DROP TABLE y; --' })).toThrow(/schema name/);
  });
});
