import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import { toStoreError } from '../event-store/postgres/errors.js';
import { type Migration, runMigrations } from '../event-store/postgres/migrations.js';
import { quoteSchema } from '../event-store/postgres/schema-name.js';
import { withTransaction } from '../event-store/postgres/transaction.js';
import { compileWhere, evaluate, pageOf, prefixUpperBound, wellFormed } from './postgres-projection-store-query.js';
import {
  type ActiveCheckpoint,
  CheckpointConflictError,
  type CommitBatch,
  type DocumentQuery,
  type GenerationState,
  type GenerationStatus,
  assertIndexQuery,
  inCommitOrder,
  type StoredDocument,
  type KeyedDocument,
  type ProjectionState,
  type ProjectionStore,
} from './projection-store.port.js';

/**
 * Versions 1000–1999 of the shared schema_migrations ledger belong to the projections (the event
 * store has 1–999). Released migrations are never edited: add one.
 *
 * Plain types only (TEXT, INTEGER, BIGINT). `key` is COLLATE "C" so that ORDER BY key is byte
 * order, as in SQLite, whatever the database's locale. `doc` is JSON as TEXT: see
 * postgres-projection-store-query.ts for why not JSONB.
 */
export const PROJECTION_STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1000,
    name: 'create projection registry, checkpoints and documents',
    sql: `
CREATE TABLE projection_registry (
  projection        TEXT    NOT NULL PRIMARY KEY,
  active_generation INTEGER NOT NULL,
  -- Generation numbers are never reused, so a stale writer can never mistake a new build for its own.
  last_generation   INTEGER NOT NULL
);
CREATE TABLE projection_checkpoints (
  projection             TEXT    NOT NULL,
  generation             INTEGER NOT NULL,
  version                INTEGER NOT NULL,
  status                 TEXT    NOT NULL CHECK (status IN ('live', 'building')),
  position               BIGINT  NOT NULL,
  last_event_recorded_at TEXT,
  updated_at             TEXT    NOT NULL,
  PRIMARY KEY (projection, generation)
);
CREATE TABLE projection_documents (
  projection TEXT    NOT NULL,
  generation INTEGER NOT NULL,
  key        TEXT    COLLATE "C" NOT NULL,
  doc        TEXT    NOT NULL,
  PRIMARY KEY (projection, generation, key)
);
`,
  },
  {
    version: 1001,
    name: 'index documents by the value a projection gives them (Projection.index)',
    sql: `
ALTER TABLE projection_documents ADD COLUMN index_key TEXT COLLATE "C";
CREATE INDEX projection_documents_index ON projection_documents (projection, generation, index_key) WHERE index_key IS NOT NULL;
`,
  },
];

export interface PostgresProjectionStoreOptions {
  /** Ignored when `pool` is given. */
  connectionString?: string;
  /** A pool owned by someone else; close() leaves it open. */
  pool?: Pool;
  schema: string;
  maxConnections?: number;
  connectTimeoutMs?: number;
  /** Rows per INSERT/DELETE statement of a commit (tests make it small to split a batch). */
  documentsPerStatement?: number;
}

interface CheckpointRow {
  projection: string;
  generation: number;
  version: number;
  status: GenerationStatus;
  position: string;
  last_event_recorded_at: string | null;
  updated_at: string;
}

/**
 * Projection store on PostgreSQL, in the events' schema (or the one configured). Every write is
 * one READ COMMITTED transaction; concurrent writers (instances behind a load balancer, the
 * rebuild CLI) are kept apart by row locks taken in one order, registry row before checkpoint
 * rows, and by the compare-and-set on the checkpoint: the loser of a race gets
 * CheckpointConflictError with nothing written.
 */
export class PostgresProjectionStore implements ProjectionStore {
  readonly schema: string;
  private readonly pool: Pool;
  private readonly ownsPool: boolean;
  private readonly chunk: number;
  private readonly t: ReturnType<typeof tables>;
  private migrated: Promise<void> | undefined;
  private closed = false;

  constructor(options: PostgresProjectionStoreOptions) {
    this.schema = options.schema;
    this.t = tables(options.schema);
    this.chunk = options.documentsPerStatement ?? 500;
    this.ownsPool = !options.pool;
    this.pool =
      options.pool ??
      new pg.Pool({
        connectionString: options.connectionString,
        max: options.maxConnections ?? 4,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
        application_name: 'quality-award-projections',
      });
    // An idle connection dropped by the server must not crash the process; the next query reports it.
    if (this.ownsPool) this.pool.on('error', () => undefined);
  }

  /** Creates the schema and tables if missing (shared migrations, advisory lock); once per store. */
  init(): Promise<void> {
    this.migrated ??= runMigrations(this.pool, this.schema, PROJECTION_STORE_MIGRATIONS).then(
      () => undefined,
      (error) => {
        this.migrated = undefined; // let a later call retry, e.g. once the database is back
        throw toStoreError(error, 'migrating the projection tables');
      },
    );
    return this.migrated;
  }

  async state(projection: string): Promise<ProjectionState> {
    // One statement, so registry and checkpoints come from one snapshot.
    const rows = await this.query<CheckpointRow & { active_generation: number }>(
      `SELECT r.active_generation, c.* FROM ${this.t.registry} r
       LEFT JOIN ${this.t.checkpoints} c ON c.projection = r.projection
       WHERE r.projection = $1 ORDER BY c.generation`,
      [projection],
      'reading projection state',
    );
    if (rows.length === 0) return { active: null, generations: [] };
    return { active: rows[0]!.active_generation, generations: rows.filter((row) => row.generation !== null).map(toGeneration) };
  }

  async createGeneration(projection: string, version: number, updatedAt: string): Promise<GenerationState> {
    return this.transaction('creating a generation', async (client) => {
      // Two first-time creators: the second waits on the first's row, then finds it and builds next to it.
      const first = await client.query(
        `INSERT INTO ${this.t.registry} (projection, active_generation, last_generation) VALUES ($1, 1, 1)
         ON CONFLICT (projection) DO NOTHING`,
        [projection],
      );
      let generation = 1;
      let status: GenerationStatus = 'live';
      if (first.rowCount !== 1) {
        const { rows } = await client.query<{ last_generation: number }>(
          `SELECT last_generation FROM ${this.t.registry} WHERE projection = $1 FOR UPDATE`,
          [projection],
        );
        generation = rows[0]!.last_generation + 1;
        status = 'building';
        await client.query(`UPDATE ${this.t.registry} SET last_generation = $2 WHERE projection = $1`, [projection, generation]);
      }
      await client.query(
        `INSERT INTO ${this.t.checkpoints} (projection, generation, version, status, position, updated_at) VALUES ($1, $2, $3, $4, 0, $5)`,
        [projection, generation, version, status, updatedAt],
      );
      return { projection, generation, version, status, position: 0, lastEventRecordedAt: null, updatedAt };
    });
  }

  async load(projection: string, generation: number, keys: readonly string[]): Promise<Map<string, string>> {
    const documents = new Map<string, string>();
    for (let offset = 0; offset < keys.length; offset += this.chunk) {
      const slice = keys.slice(offset, offset + this.chunk);
      const rows = await this.query<{ key: string; doc: string }>(
        `SELECT key, doc FROM ${this.t.documents} WHERE projection = $1 AND generation = $2 AND key IN (${placeholders(3, slice.length)})`,
        [projection, generation, ...slice],
        'loading documents',
      );
      for (const row of rows) documents.set(row.key, row.doc);
    }
    return documents;
  }

  async commit(batches: CommitBatch | readonly CommitBatch[]): Promise<void> {
    const list = inCommitOrder(batches);
    await this.transaction('committing a projection batch', async (client) => {
      for (const batch of list) await this.write(client, batch);
    });
  }

  private async write(client: PoolClient, batch: CommitBatch): Promise<void> {
    const { projection, generation } = batch;
    // The guard: only a writer that saw the current checkpoint may move it, so no event is applied
    // twice. The row lock it takes also holds off activate() until this batch is in.
    const moved = await client.query(
      `UPDATE ${this.t.checkpoints} SET position = $1, last_event_recorded_at = $2, updated_at = $3
       WHERE projection = $4 AND generation = $5 AND position = $6`,
      [batch.toPosition, batch.lastEventRecordedAt, batch.updatedAt, projection, generation, batch.fromPosition],
    );
    if (moved.rowCount !== 1) {
      const { rows } = await client.query<{ position: string }>(
        `SELECT position FROM ${this.t.checkpoints} WHERE projection = $1 AND generation = $2`,
        [projection, generation],
      );
      throw new CheckpointConflictError(projection, generation, batch.fromPosition, rows[0] ? Number(rows[0].position) : null);
    }
    const upserts: Array<[string, StoredDocument]> = [];
    const deletes: string[] = [];
    for (const [key, stored] of batch.changes) {
      if (stored === null) deletes.push(key);
      else upserts.push([key, stored]);
    }
    for (let offset = 0; offset < deletes.length; offset += this.chunk) {
      const slice = deletes.slice(offset, offset + this.chunk);
      await client.query(
        `DELETE FROM ${this.t.documents} WHERE projection = $1 AND generation = $2 AND key IN (${placeholders(3, slice.length)})`,
        [projection, generation, ...slice],
      );
    }
    for (let offset = 0; offset < upserts.length; offset += this.chunk) {
      const slice = upserts.slice(offset, offset + this.chunk);
      const params: unknown[] = [projection, generation];
      for (const [key, stored] of slice) params.push(key, stored.json, stored.index);
      const values = slice.map((_, i) => `($1, $2, $${3 + 3 * i}, $${4 + 3 * i}, $${5 + 3 * i})`).join(', ');
      await client.query(
        `INSERT INTO ${this.t.documents} (projection, generation, key, doc, index_key) VALUES ${values}
         ON CONFLICT (projection, generation, key) DO UPDATE SET doc = EXCLUDED.doc, index_key = EXCLUDED.index_key`,
        params,
      );
    }
  }

  async activate(projection: string, generation: number): Promise<void> {
    await this.transaction('activating a generation', async (client) => {
      await client.query(`SELECT 1 FROM ${this.t.registry} WHERE projection = $1 FOR UPDATE`, [projection]);
      // Lock every generation's checkpoint first: a batch in flight on the old generation finishes
      // before the deletes below, whose fresh snapshots then see (and delete) its documents; a
      // later one finds its checkpoint gone and conflicts.
      const { rows } = await client.query<{ generation: number }>(
        `SELECT generation FROM ${this.t.checkpoints} WHERE projection = $1 FOR UPDATE`,
        [projection],
      );
      if (!rows.some((row) => row.generation === generation)) throw new CheckpointConflictError(projection, generation, 0, null);
      await client.query(`UPDATE ${this.t.registry} SET active_generation = $2 WHERE projection = $1`, [projection, generation]);
      await client.query(`UPDATE ${this.t.checkpoints} SET status = 'live' WHERE projection = $1 AND generation = $2`, [projection, generation]);
      await client.query(`DELETE FROM ${this.t.documents} WHERE projection = $1 AND generation <> $2`, [projection, generation]);
      await client.query(`DELETE FROM ${this.t.checkpoints} WHERE projection = $1 AND generation <> $2`, [projection, generation]);
    });
  }

  async dropGeneration(projection: string, generation: number): Promise<void> {
    await this.transaction('dropping a generation', async (client) => {
      const { rows } = await client.query<{ active_generation: number }>(
        `SELECT active_generation FROM ${this.t.registry} WHERE projection = $1 FOR UPDATE`,
        [projection],
      );
      if (rows[0]?.active_generation === generation) {
        throw new Error(`Projection ${projection}: generation ${generation} is active and cannot be dropped`);
      }
      // Same order as activate(): the checkpoint row first, so an in-flight batch lands before the delete.
      await client.query(`SELECT 1 FROM ${this.t.checkpoints} WHERE projection = $1 AND generation = $2 FOR UPDATE`, [projection, generation]);
      await client.query(`DELETE FROM ${this.t.documents} WHERE projection = $1 AND generation = $2`, [projection, generation]);
      await client.query(`DELETE FROM ${this.t.checkpoints} WHERE projection = $1 AND generation = $2`, [projection, generation]);
    });
  }

  async activeCheckpoint(projection: string): Promise<ActiveCheckpoint | null> {
    const [row] = await this.query<{ generation: number; position: string }>(
      `SELECT c.generation, c.position FROM ${this.t.registry} r
       JOIN ${this.t.checkpoints} c ON c.projection = r.projection AND c.generation = r.active_generation
       WHERE r.projection = $1`,
      [projection],
      'reading a checkpoint',
    );
    return row ? { generation: row.generation, position: Number(row.position) } : null;
  }

  async get(projection: string, key: string): Promise<unknown | null> {
    const [row] = await this.query<{ doc: string }>(
      `SELECT d.doc FROM ${this.t.activeDocuments} WHERE d.projection = $1 AND d.key = $2`,
      [projection, key],
      'reading a document',
    );
    return row ? JSON.parse(row.doc) : null;
  }

  async list(projection: string, query: DocumentQuery = {}): Promise<Array<KeyedDocument<unknown>>> {
    assertIndexQuery(query);
    if (query.index) return this.listByIndex(projection, query);
    const where = compileWhere(query.where);
    const byField = query.orderBy !== undefined && query.orderBy !== 'key';
    if (where || byField) return evaluate(await this.scan(projection, query.keyPrefix), query, where);
    // Key order and paging alone: PostgreSQL answers, in the same byte order as SQLite (COLLATE "C").
    const { sql, params } = this.activeFilter(projection, query.keyPrefix);
    const direction = query.direction === 'desc' ? 'DESC' : 'ASC';
    const page = pageClause(query, params);
    const rows = await this.query<{ key: string; doc: string }>(
      `SELECT d.key, d.doc FROM ${this.t.activeDocuments} WHERE ${sql} ORDER BY d.key ${direction}${page}`,
      params,
      'listing documents',
    );
    return rows.map((row) => ({ key: row.key, doc: JSON.parse(row.doc) }));
  }

  async count(projection: string, query: DocumentQuery = {}): Promise<number> {
    assertIndexQuery(query);
    if (query.index) return this.countWhere(this.indexFilter(projection, query.index));
    const where = compileWhere(query.where);
    if (where) return (await this.scan(projection, query.keyPrefix)).filter((row) => where(row.doc)).length;
    return this.countWhere(this.activeFilter(projection, query.keyPrefix));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.pool.end();
  }

  // --- internals -------------------------------------------------------------------------------

  private async countWhere({ sql, params }: { sql: string; params: unknown[] }): Promise<number> {
    const [row] = await this.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${this.t.activeDocuments} WHERE ${sql}`, params, 'counting documents');
    return Number(row!.n);
  }

  /** A range of the partial index on (projection, generation, index_key), in its order (COLLATE "C": byte order, as SQLite). */
  private async listByIndex(projection: string, query: DocumentQuery): Promise<Array<KeyedDocument<unknown>>> {
    const { sql, params } = this.indexFilter(projection, query.index!);
    const direction = query.direction === 'desc' ? 'DESC' : 'ASC';
    const page = pageClause(query, params);
    const rows = await this.query<{ key: string; doc: string }>(
      `SELECT d.key, d.doc FROM ${this.t.activeDocuments} WHERE ${sql} ORDER BY d.index_key ${direction}, d.key ${direction}${page}`,
      params,
      'listing documents',
    );
    return rows.map((row) => ({ key: row.key, doc: JSON.parse(row.doc) }));
  }

  private indexFilter(projection: string, range: NonNullable<DocumentQuery['index']>): { sql: string; params: unknown[] } {
    const clauses = ['d.projection = $1', 'd.index_key IS NOT NULL'];
    const params: unknown[] = [projection];
    if (range.from !== undefined) {
      params.push(range.from);
      clauses.push(`d.index_key >= $${params.length}`);
    }
    if (range.to !== undefined) {
      params.push(range.to);
      clauses.push(`d.index_key <= $${params.length}`);
    }
    return { sql: clauses.join(' AND '), params };
  }

  /** Every document of the active generation under the prefix, parsed; evaluate() orders them. */
  private async scan(projection: string, keyPrefix: string | undefined): Promise<Array<KeyedDocument<unknown>>> {
    const { sql, params } = this.activeFilter(projection, keyPrefix);
    const rows = await this.query<{ key: string; doc: string }>(
      `SELECT d.key, d.doc FROM ${this.t.activeDocuments} WHERE ${sql}`,
      params,
      'listing documents',
    );
    return rows.map((row) => ({ key: row.key, doc: JSON.parse(row.doc) }));
  }

  private activeFilter(projection: string, keyPrefix: string | undefined): { sql: string; params: unknown[] } {
    if (!keyPrefix) return { sql: 'd.projection = $1', params: [projection] };
    // A range of the primary key (key is COLLATE "C": UTF-8 byte order, as SQLite), exact and
    // case-sensitive. LIKE $2 used the index only when the plan was made for the bound value; a
    // generic plan (plan_cache_mode, a prepared statement reused) read the whole generation.
    const upper = prefixUpperBound(keyPrefix);
    if (upper === null) return { sql: 'd.projection = $1 AND d.key >= $2', params: [projection, wellFormed(keyPrefix)] };
    return { sql: 'd.projection = $1 AND d.key >= $2 AND d.key < $3', params: [projection, wellFormed(keyPrefix), upper] };
  }

  private async query<Row extends object>(sql: string, params: unknown[], doing: string): Promise<Row[]> {
    this.assertOpen();
    await this.init();
    try {
      return (await this.pool.query<Row & pg.QueryResultRow>(sql, params)).rows;
    } catch (error) {
      throw toStoreError(error, doing);
    }
  }

  private async transaction<T>(doing: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    this.assertOpen();
    await this.init();
    return withTransaction(this.pool, work, { mapError: (error) => toStoreError(error, doing) });
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('Projection store is closed');
  }
}

/** Table names qualified with the schema, so statements need no search path. */
function tables(schema: string) {
  const s = quoteSchema(schema);
  const documents = `${s}.projection_documents`;
  const registry = `${s}.projection_registry`;
  return {
    registry,
    checkpoints: `${s}.projection_checkpoints`,
    documents,
    activeDocuments: `${documents} d JOIN ${registry} r ON r.projection = d.projection AND r.active_generation = d.generation`,
  };
}

function toGeneration(row: CheckpointRow): GenerationState {
  return {
    projection: row.projection,
    generation: row.generation,
    version: row.version,
    status: row.status,
    // BIGINT arrives as a string; positions stay far below 2^53.
    position: Number(row.position),
    lastEventRecordedAt: row.last_event_recorded_at,
    updatedAt: row.updated_at,
  };
}

function placeholders(first: number, count: number): string {
  return Array.from({ length: count }, (_, i) => `$${first + i}`).join(', ');
}

/** ` LIMIT $n OFFSET $m` of a query's page, its values pushed onto `params`. */
function pageClause(query: DocumentQuery, params: unknown[]): string {
  const { limit, offset } = pageOf(query);
  let page = '';
  if (limit !== undefined) {
    params.push(limit);
    page += ` LIMIT $${params.length}`;
  }
  params.push(offset);
  return `${page} OFFSET $${params.length}`;
}
