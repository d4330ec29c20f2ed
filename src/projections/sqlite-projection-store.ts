import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { configureDurableSqlite } from '../event-store/sqlite/sqlite-event-store.js';
import { prefixUpperBound, wellFormed } from './postgres-projection-store-query.js';
import {
  type ActiveCheckpoint,
  CheckpointConflictError,
  type CommitBatch,
  type DocumentQuery,
  type GenerationState,
  type GenerationStatus,
  assertIndexQuery,
  inCommitOrder,
  type JsonScalar,
  type KeyedDocument,
  type ProjectionState,
  type ProjectionStore,
} from './projection-store.port.js';

/** The documents table (a rowid table: see migrateDocumentsToRowidTable). */
const DOCUMENTS_COLUMNS = `
  id         INTEGER PRIMARY KEY,
  projection TEXT    NOT NULL,
  generation INTEGER NOT NULL,
  key        TEXT    NOT NULL,
  doc        TEXT    NOT NULL,
  index_key  TEXT,
  UNIQUE (projection, generation, key)
`;

export const SQLITE_PROJECTION_SCHEMA = `
CREATE TABLE IF NOT EXISTS projection_registry (
  projection        TEXT PRIMARY KEY,
  active_generation INTEGER NOT NULL,
  -- Generation numbers are never reused, so a stale writer can never mistake a new build for its own.
  last_generation   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS projection_checkpoints (
  projection             TEXT    NOT NULL,
  generation             INTEGER NOT NULL,
  version                INTEGER NOT NULL,
  status                 TEXT    NOT NULL CHECK (status IN ('live', 'building')),
  position               INTEGER NOT NULL,
  last_event_recorded_at TEXT,
  updated_at             TEXT    NOT NULL,
  PRIMARY KEY (projection, generation)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS projection_documents (${DOCUMENTS_COLUMNS});
`;

/**
 * Created after the column exists (a file migrated from an earlier schema gets it first). Partial:
 * only documents with an index value (the objection log's, the deadlines'), so writing a document
 * of a projection without an index (the audit history, the bans, the quota) touches no second
 * B-tree. Range reads say `index_key IS NOT NULL` (filter()), which lets SQLite use it. Files made
 * before had an index over every document (projection_documents_index): replaced at open.
 */
const SQLITE_INDEX_KEY_INDEX = `
CREATE INDEX IF NOT EXISTS projection_documents_indexed ON projection_documents (projection, generation, index_key) WHERE index_key IS NOT NULL;
DROP INDEX IF EXISTS projection_documents_index;
`;

/**
 * Documents were first kept in a WITHOUT ROWID table, whose rows live in the key's B-tree: right
 * for small rows, slow for documents of kilobytes (upserts of 2.5 KB documents ran at a fifth of
 * the rate of a rowid table with a unique index, measured here). A file made then is moved to
 * the rowid table once, in one transaction (a second process finds the work done).
 */
function migrateDocumentsToRowidTable(db: Database.Database): void {
  const withoutRowid = () =>
    /WITHOUT\s+ROWID/i.test(
      db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'projection_documents'").get()?.sql ?? '',
    );
  if (!withoutRowid()) return;
  const migrate = db.transaction(() => {
    if (!withoutRowid()) return;
    db.exec(`
      CREATE TABLE projection_documents_rowid (${DOCUMENTS_COLUMNS});
      INSERT INTO projection_documents_rowid (projection, generation, key, doc)
        SELECT projection, generation, key, doc FROM projection_documents ORDER BY projection, generation, key;
      DROP TABLE projection_documents;
      ALTER TABLE projection_documents_rowid RENAME TO projection_documents;
    `);
  });
  migrate.immediate();
}

/** The index_key column came with Projection.index: a file made before gets it (null: no index yet). */
function addIndexKeyColumn(db: Database.Database): void {
  const hasColumn = () => db.prepare<[], { name: string }>('PRAGMA table_info(projection_documents)').all().some((c) => c.name === 'index_key');
  if (hasColumn()) return;
  const add = db.transaction(() => {
    if (!hasColumn()) db.exec('ALTER TABLE projection_documents ADD COLUMN index_key TEXT');
  });
  add.immediate();
}

interface CheckpointRow {
  projection: string;
  generation: number;
  version: number;
  status: GenerationStatus;
  position: number;
  last_event_recorded_at: string | null;
  updated_at: string;
}

const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const ACTIVE_DOCS =
  'projection_documents d JOIN projection_registry r ON r.projection = d.projection AND r.active_generation = d.generation';

/**
 * Projection store on SQLite. Given the embedded event store's connection (SqliteEventStore.db) the
 * read models live in the same file; every write is one BEGIN IMMEDIATE transaction, so a second
 * process (the rebuild CLI) queues on the write lock (busy_timeout) instead of failing.
 */
export class SqliteProjectionStore implements ProjectionStore {
  private readonly stmt;
  private readonly queries = new Map<string, Database.Statement>();

  /** `ownsConnection`: close it on close(); false for the event store's shared handle. */
  constructor(
    readonly db: Database.Database,
    private readonly ownsConnection = false,
  ) {
    db.exec(SQLITE_PROJECTION_SCHEMA);
    migrateDocumentsToRowidTable(db);
    addIndexKeyColumn(db);
    db.transaction(() => db.exec(SQLITE_INDEX_KEY_INDEX)).immediate();
    this.stmt = {
      registry: db.prepare<[string], { active_generation: number; last_generation: number }>(
        'SELECT active_generation, last_generation FROM projection_registry WHERE projection = ?',
      ),
      generations: db.prepare<[string], CheckpointRow>(
        'SELECT * FROM projection_checkpoints WHERE projection = ? ORDER BY generation',
      ),
      position: db.prepare<[string, number], { position: number }>(
        'SELECT position FROM projection_checkpoints WHERE projection = ? AND generation = ?',
      ),
      insertGeneration: db.prepare(
        'INSERT INTO projection_checkpoints (projection, generation, version, status, position, updated_at) VALUES (?, ?, ?, ?, 0, ?)',
      ),
      insertRegistry: db.prepare(
        'INSERT INTO projection_registry (projection, active_generation, last_generation) VALUES (?, ?, ?)',
      ),
      bumpLast: db.prepare('UPDATE projection_registry SET last_generation = ? WHERE projection = ?'),
      advance: db.prepare(
        'UPDATE projection_checkpoints SET position = ?, last_event_recorded_at = ?, updated_at = ? WHERE projection = ? AND generation = ? AND position = ?',
      ),
      loadDoc: db.prepare<[string, number, string], { doc: string }>(
        'SELECT doc FROM projection_documents WHERE projection = ? AND generation = ? AND key = ?',
      ),
      upsertDoc: db.prepare(
        'INSERT INTO projection_documents (projection, generation, key, doc, index_key) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (projection, generation, key) DO UPDATE SET doc = excluded.doc, index_key = excluded.index_key',
      ),
      deleteDoc: db.prepare('DELETE FROM projection_documents WHERE projection = ? AND generation = ? AND key = ?'),
      setActive: db.prepare('UPDATE projection_registry SET active_generation = ? WHERE projection = ?'),
      markLive: db.prepare("UPDATE projection_checkpoints SET status = 'live' WHERE projection = ? AND generation = ?"),
      deleteOtherDocs: db.prepare('DELETE FROM projection_documents WHERE projection = ? AND generation <> ?'),
      deleteOtherCheckpoints: db.prepare('DELETE FROM projection_checkpoints WHERE projection = ? AND generation <> ?'),
      deleteDocs: db.prepare('DELETE FROM projection_documents WHERE projection = ? AND generation = ?'),
      deleteCheckpoint: db.prepare('DELETE FROM projection_checkpoints WHERE projection = ? AND generation = ?'),
      activeCheckpoint: db.prepare<[string], ActiveCheckpoint>(
        'SELECT c.generation, c.position FROM projection_registry r JOIN projection_checkpoints c ON c.projection = r.projection AND c.generation = r.active_generation WHERE r.projection = ?',
      ),
      get: db.prepare<[string, string], { doc: string }>(`SELECT d.doc FROM ${ACTIVE_DOCS} WHERE d.projection = ? AND d.key = ?`),
    };
  }

  /**
   * Opens (or creates) a connection of its own. Read models are derived data, so commits need not
   * be fsynced one by one (synchronous=NORMAL, WAL): a power cut may lose the last commits, but a
   * batch's documents and checkpoint are one transaction, so what is lost is simply re-applied
   * from the event store. That saves an fsync per projection per batch on every command.
   */
  static open(
    filename: string,
    busyTimeoutMs = 5000,
    synchronous: 'FULL' | 'NORMAL' = 'NORMAL',
  ): SqliteProjectionStore {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    const db = new Database(filename);
    configureDurableSqlite(db, busyTimeoutMs, synchronous);
    return new SqliteProjectionStore(db, true);
  }

  async init(): Promise<void> {
    // The constructor created the tables: statements cannot be prepared before them.
  }

  async state(projection: string): Promise<ProjectionState> {
    const read = this.db.transaction(() => ({
      active: this.stmt.registry.get(projection)?.active_generation ?? null,
      generations: this.stmt.generations.all(projection).map(toGeneration),
    }));
    return read();
  }

  async createGeneration(projection: string, version: number, updatedAt: string): Promise<GenerationState> {
    const create = this.db.transaction(() => {
      const registry = this.stmt.registry.get(projection);
      const generation = (registry?.last_generation ?? 0) + 1;
      const status: GenerationStatus = registry ? 'building' : 'live';
      this.stmt.insertGeneration.run(projection, generation, version, status, updatedAt);
      if (registry) this.stmt.bumpLast.run(generation, projection);
      else this.stmt.insertRegistry.run(projection, generation, generation);
      return { projection, generation, version, status, position: 0, lastEventRecordedAt: null, updatedAt };
    });
    return create.immediate();
  }

  async load(projection: string, generation: number, keys: readonly string[]): Promise<Map<string, string>> {
    const documents = new Map<string, string>();
    for (const key of keys) {
      const row = this.stmt.loadDoc.get(projection, generation, key);
      if (row) documents.set(key, row.doc);
    }
    return documents;
  }

  async commit(batches: CommitBatch | readonly CommitBatch[]): Promise<void> {
    const list = inCommitOrder(batches);
    const write = this.db.transaction(() => {
      for (const batch of list) {
        const { projection, generation } = batch;
        // The guard: only a writer that saw the current checkpoint may move it, so no event is applied twice.
        const moved = this.stmt.advance.run(
          batch.toPosition,
          batch.lastEventRecordedAt,
          batch.updatedAt,
          projection,
          generation,
          batch.fromPosition,
        );
        if (moved.changes !== 1) {
          throw new CheckpointConflictError(projection, generation, batch.fromPosition, this.stmt.position.get(projection, generation)?.position ?? null);
        }
        for (const [key, stored] of batch.changes) {
          if (stored === null) this.stmt.deleteDoc.run(projection, generation, key);
          else this.stmt.upsertDoc.run(projection, generation, key, stored.json, stored.index);
        }
      }
    });
    write.immediate();
  }

  async activate(projection: string, generation: number): Promise<void> {
    const swap = this.db.transaction(() => {
      const position = this.stmt.position.get(projection, generation);
      if (!position) throw new CheckpointConflictError(projection, generation, 0, null);
      this.stmt.setActive.run(generation, projection);
      this.stmt.markLive.run(projection, generation);
      this.stmt.deleteOtherDocs.run(projection, generation);
      this.stmt.deleteOtherCheckpoints.run(projection, generation);
    });
    swap.immediate();
  }

  async dropGeneration(projection: string, generation: number): Promise<void> {
    const drop = this.db.transaction(() => {
      if (this.stmt.registry.get(projection)?.active_generation === generation) {
        throw new Error(`Projection ${projection}: generation ${generation} is active and cannot be dropped`);
      }
      this.stmt.deleteDocs.run(projection, generation);
      this.stmt.deleteCheckpoint.run(projection, generation);
    });
    drop.immediate();
  }

  async activeCheckpoint(projection: string): Promise<ActiveCheckpoint | null> {
    return this.stmt.activeCheckpoint.get(projection) ?? null;
  }

  async get(projection: string, key: string): Promise<unknown | null> {
    const row = this.stmt.get.get(projection, key);
    return row ? JSON.parse(row.doc) : null;
  }

  async list(projection: string, query: DocumentQuery = {}): Promise<Array<KeyedDocument<unknown>>> {
    const { sql, params } = filter(projection, query);
    const direction = query.direction === 'desc' ? 'DESC' : 'ASC';
    let order = `d.key ${direction}`;
    if (query.index) order = `d.index_key ${direction}, d.key ${direction}`;
    else if (query.orderBy && query.orderBy !== 'key') {
      order = `json_extract(d.doc, ?) ${direction}, d.key ${direction}`;
      params.push(jsonPath(query.orderBy));
    }
    params.push(query.limit ?? -1, query.offset ?? 0);
    const rows = this.statement<{ key: string; doc: string }>(`SELECT d.key, d.doc FROM ${ACTIVE_DOCS} WHERE ${sql} ORDER BY ${order} LIMIT ? OFFSET ?`).all(
      ...params,
    );
    return rows.map((row) => ({ key: row.key, doc: JSON.parse(row.doc) }));
  }

  async count(projection: string, query: DocumentQuery = {}): Promise<number> {
    const { sql, params } = filter(projection, query);
    return this.statement<{ n: number }>(`SELECT COUNT(*) AS n FROM ${ACTIVE_DOCS} WHERE ${sql}`).get(...params)!.n;
  }

  /** Queries are built from a few shapes: each is prepared once. */
  private statement<Row>(sql: string): Database.Statement<unknown[], Row> {
    let statement = this.queries.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (this.queries.size < 256) this.queries.set(sql, statement);
    }
    return statement as Database.Statement<unknown[], Row>;
  }

  async close(): Promise<void> {
    if (this.ownsConnection && this.db.open) this.db.close();
  }
}

function toGeneration(row: CheckpointRow): GenerationState {
  return {
    projection: row.projection,
    generation: row.generation,
    version: row.version,
    status: row.status,
    position: row.position,
    lastEventRecordedAt: row.last_event_recorded_at,
    updatedAt: row.updated_at,
  };
}

function jsonPath(field: string): string {
  // Bound as a parameter anyway; the check turns a typo like 'a..b' into an error instead of no rows.
  if (!FIELD_PATH.test(field)) throw new Error(`Not a JSON field path: ${field}`);
  return `$.${field}`;
}

/** JSON booleans come out of json_extract as 1/0. */
const bindable = (value: Exclude<JsonScalar, null>) => (typeof value === 'boolean' ? (value ? 1 : 0) : value);

function filter(projection: string, query: DocumentQuery): { sql: string; params: unknown[] } {
  assertIndexQuery(query);
  const clauses = ['d.projection = ?'];
  const params: unknown[] = [projection];
  if (query.index) {
    // A range of the (projection, generation, index_key) index: NOT NULL leaves the unindexed out.
    clauses.push('d.index_key IS NOT NULL');
    if (query.index.from !== undefined) {
      clauses.push('d.index_key >= ?');
      params.push(query.index.from);
    }
    if (query.index.to !== undefined) {
      clauses.push('d.index_key <= ?');
      params.push(query.index.to);
    }
  }
  if (query.keyPrefix) {
    // Exact, case-sensitive prefix as a range of the primary key (BINARY: UTF-8 byte order), so a
    // prefix list reads only its own keys; LIKE would ignore ASCII case, substr() scans them all.
    const upper = prefixUpperBound(query.keyPrefix);
    clauses.push(upper === null ? 'd.key >= ?' : 'd.key >= ? AND d.key < ?');
    params.push(wellFormed(query.keyPrefix), ...(upper === null ? [] : [upper]));
  }
  for (const [field, value] of Object.entries(query.where ?? {})) {
    const path = jsonPath(field);
    const values = Array.isArray(value) ? (value as readonly JsonScalar[]) : [value as JsonScalar];
    const present = values.filter((v): v is Exclude<JsonScalar, null> => v !== null);
    const alternatives: string[] = [];
    if (present.length > 0) {
      alternatives.push(`json_extract(d.doc, ?) IN (${present.map(() => '?').join(', ')})`);
      params.push(path, ...present.map(bindable));
    }
    // A missing field counts as null.
    if (present.length < values.length) {
      alternatives.push('json_extract(d.doc, ?) IS NULL');
      params.push(path);
    }
    clauses.push(alternatives.length > 0 ? `(${alternatives.join(' OR ')})` : '0');
  }
  return { sql: clauses.join(' AND '), params };
}
