import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  EVENT_STORE_MIGRATIONS,
  type Migration,
  runMigrations,
} from '../../src/event-store/postgres/migrations.js';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.js';
import { makeEvent } from './event-store.contract.js';

const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const PROJECTION_MIGRATIONS: Migration[] = [
  { version: 1000, name: 'create read model', sql: 'CREATE TABLE read_model (id TEXT PRIMARY KEY, doc TEXT NOT NULL)' },
  { version: 1001, name: 'add checkpoint', sql: 'CREATE TABLE checkpoint (name TEXT PRIMARY KEY, position BIGINT NOT NULL)' },
];

describe('postgres: schema migrations', () => {
  let schema: string;
  const pools: pg.Pool[] = [];

  /** Another instance of the service: its own pool, as another process would have. */
  function instance(): pg.Pool {
    const pool = new pg.Pool({ connectionString, max: 2 });
    pools.push(pool);
    return pool;
  }

  async function sql<Row extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<Row[]> {
    const pool = instance();
    return (await pool.query<Row>(text, params)).rows;
  }

  beforeEach(() => {
    schema = `es_test_${randomBytes(6).toString('hex')}`;
  });

  afterEach(async () => {
    await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
  });

  it('lets several instances start at once on a fresh schema: one applies, the others find it done', async () => {
    const reports = await Promise.all(
      Array.from({ length: 8 }, () => runMigrations(instance(), schema, EVENT_STORE_MIGRATIONS)),
    );
    const versions = EVENT_STORE_MIGRATIONS.map((m) => m.version);
    expect(reports.flatMap((r) => r.applied)).toEqual(versions);
    expect(reports.every((r) => r.current === versions.at(-1))).toBe(true);

    const recorded = await sql<{ version: number; name: string; applied_at: Date }>(
      `SELECT version, name, applied_at FROM "${schema}".schema_migrations ORDER BY version`,
    );
    expect(recorded.map((r) => [r.version, r.name])).toEqual(EVENT_STORE_MIGRATIONS.map((m) => [m.version, m.name]));
    expect(recorded.every((r) => r.applied_at instanceof Date)).toBe(true);
    const counter = await sql<{ last: string }>(`SELECT last FROM "${schema}".es_position`);
    expect(counter).toEqual([{ last: '0' }]); // the seed row was inserted once, not eight times
  });

  it('opens several stores at once on a fresh schema and they share one global order', async () => {
    const stores = await Promise.all(Array.from({ length: 5 }, () => PostgresEventStore.open({ connectionString, schema })));
    try {
      await Promise.all(stores.map((store, i) => store.append(`application-${i}`, [makeEvent()])));
      expect((await stores[0]!.readAll()).map((e) => e.position)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('applies only what is new when a later module adds its own migrations', async () => {
    await runMigrations(instance(), schema, EVENT_STORE_MIGRATIONS);
    const [first] = await Promise.all([
      runMigrations(instance(), schema, PROJECTION_MIGRATIONS.slice(0, 1)),
      runMigrations(instance(), schema, EVENT_STORE_MIGRATIONS),
    ]);
    expect(first.applied).toEqual([1000]);
    const reports = await Promise.all([1, 2, 3].map(() => runMigrations(instance(), schema, PROJECTION_MIGRATIONS)));
    expect(reports.flatMap((r) => r.applied)).toEqual([1001]);
    const recorded = await sql<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    expect(recorded.map((r) => r.version)).toEqual([...EVENT_STORE_MIGRATIONS.map((m) => m.version), 1000, 1001]);
  });

  it('rolls a failing run back entirely, recording nothing', async () => {
    const broken: Migration[] = [
      ...EVENT_STORE_MIGRATIONS,
      { version: 1000, name: 'broken', sql: 'CREATE TABLE half_done (id TEXT); SELECT no_such_column FROM half_done' },
    ];
    await expect(runMigrations(instance(), schema, broken)).rejects.toThrow(/no_such_column/);
    const schemas = await sql('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
    expect(schemas).toEqual([]);
  });

  it('refuses a version recorded under another name, and lists out of order', async () => {
    await runMigrations(instance(), schema, EVENT_STORE_MIGRATIONS);
    const clash: Migration[] = [{ version: 1, name: 'someone else’s first migration', sql: 'SELECT 1' }];
    await expect(runMigrations(instance(), schema, clash)).rejects.toThrow(/recorded as/);
    const unordered: Migration[] = [PROJECTION_MIGRATIONS[1]!, PROJECTION_MIGRATIONS[0]!];
    await expect(runMigrations(instance(), schema, unordered)).rejects.toThrow(/ascending/);
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(runMigrations(instance(), 'es"; DROP SCHEMA public; --', EVENT_STORE_MIGRATIONS)).rejects.toThrow(/Invalid schema name/);
  });
});
