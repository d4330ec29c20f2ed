import type { Pool, PoolClient } from 'pg';
import { quoteSchema } from './schema-name.js';

/**
 * One step of a schema's history. Versions are unique within a schema and applied in ascending
 * order; a migration, once released, is never edited: add a new one instead.
 */
export interface Migration {
  version: number;
  name: string;
  /** Plain SQL, unqualified: the runner sets the search path to the target schema. */
  sql: string;
}

export interface MigrationReport {
  /** Versions this call applied (empty when another instance had already done it). */
  applied: number[];
  /** Highest version recorded in the schema after the run. */
  current: number;
}

/**
 * Namespace of this service's advisory locks, so that they cannot collide with another
 * application's advisory locks in the same database. Every module migrating a schema uses the
 * same key, because they share the schema's `schema_migrations` ledger.
 */
export const MIGRATION_LOCK_KEY = 0x5141_0001;

/**
 * The event store's tables. Versions 1–999 belong to the event store; a projections module adds
 * its own list from 1000 up and runs it with the same runner on the same or another schema.
 *
 * data and metadata are TEXT holding the JSON exactly as written, not JSONB: JSONB reorders keys,
 * normalises numbers and refuses \u0000, so the stored document would no longer be the one the
 * writer sent. Hashes are over canonical JSON either way; TEXT keeps the row auditable as is.
 * Only BIGINT, INTEGER and TEXT are used, which PostgreSQL-compatible domestic databases accept.
 */
export const EVENT_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'create events, streams and the position counter',
    sql: `
CREATE TABLE events (
  position  BIGINT NOT NULL PRIMARY KEY,
  stream_id TEXT   NOT NULL,
  revision  BIGINT NOT NULL,
  event_id  TEXT   NOT NULL,
  type      TEXT   NOT NULL,
  data      TEXT   NOT NULL,
  metadata  TEXT   NOT NULL,
  hash      TEXT   NOT NULL,
  CONSTRAINT events_stream_revision_key UNIQUE (stream_id, revision),
  CONSTRAINT events_stream_event_id_key UNIQUE (stream_id, event_id)
);
CREATE TABLE streams (
  stream_id TEXT   NOT NULL PRIMARY KEY,
  revision  BIGINT NOT NULL,
  hash      TEXT   NOT NULL
);
-- One row whose lock serialises appenders from position assignment to commit: positions are
-- handed out in commit order, and a rolled-back append gives its numbers back.
CREATE TABLE es_position (
  id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  last BIGINT  NOT NULL
);
INSERT INTO es_position (id, last) VALUES (1, 0);
`,
  },
];

/**
 * Creates the schema if needed and applies the pending migrations, all in one transaction, so a
 * failing migration leaves nothing half done. Several instances starting at once queue on a
 * transaction-scoped advisory lock: the first applies, the others then find nothing to do.
 */
export async function runMigrations(
  pool: Pool,
  schema: string,
  migrations: readonly Migration[],
  lockKey: number = MIGRATION_LOCK_KEY,
): Promise<MigrationReport> {
  assertOrdered(migrations);
  const quoted = quoteSchema(schema);
  const client: PoolClient = await pool.connect();
  let broken = false;
  // Checked-out clients have no pool listener: a dropped connection must not crash the process.
  const onLost = () => (broken = true);
  client.on('error', onLost);
  try {
    await client.query('BEGIN');
    // pg_advisory_xact_lock is the one PostgreSQL-specific function this store relies on;
    // everything else is plain SQL. Released by COMMIT or ROLLBACK, so a crash cannot leak it.
    await client.query('SELECT pg_advisory_xact_lock($1::integer, $2::integer)', [lockKey, schemaLockId(schema)]);
    const exists = await client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoted}`);
    await client.query(`SET LOCAL search_path TO ${quoted}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER NOT NULL PRIMARY KEY,
      name       TEXT    NOT NULL,
      applied_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
    )`);
    const recorded = await client.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations');
    const names = new Map(recorded.rows.map((row) => [Number(row.version), row.name]));
    const applied: number[] = [];
    for (const migration of migrations) {
      const name = names.get(migration.version);
      if (name === undefined) {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
        names.set(migration.version, migration.name);
        applied.push(migration.version);
      } else if (name !== migration.name) {
        // Two modules claiming the same version would silently skip one of them.
        throw new Error(
          `Schema ${schema}: migration ${migration.version} is recorded as "${name}", not "${migration.name}"`,
        );
      }
    }
    await client.query('COMMIT');
    return { applied, current: Math.max(0, ...names.keys()) };
  } catch (error) {
    // A connection that cannot even roll back is discarded rather than returned to the pool.
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw error;
  } finally {
    client.off('error', onLost);
    client.release(broken);
  }
}

function assertOrdered(migrations: readonly Migration[]): void {
  for (let i = 0; i < migrations.length; i++) {
    const { version } = migrations[i]!;
    if (!Number.isInteger(version) || version < 1) throw new Error(`Migration version ${version} is not a positive integer`);
    if (i > 0 && version <= migrations[i - 1]!.version) throw new Error(`Migrations are not in ascending order at ${version}`);
  }
}

/** 32-bit FNV-1a of the schema name: a collision only makes two schemas migrate one after the other. */
function schemaLockId(schema: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(schema, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
