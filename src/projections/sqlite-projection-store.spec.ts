import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProjectionStore } from './projection-store.port.js';
import { projectionStoreContract } from './projection-store.contract.js';
import { SqliteProjectionStore } from './sqlite-projection-store.js';

projectionStoreContract('SQLite', async () => {
  // A file rather than :memory:, so that a second open() is another connection to the same data.
  const dir = mkdtempSync(join(tmpdir(), 'projection-store-'));
  const opened: ProjectionStore[] = [];
  return {
    async open() {
      const store = SqliteProjectionStore.open(join(dir, 'projections.db'));
      opened.push(store);
      return store;
    },
    async dispose() {
      for (const store of opened) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite projection store specifics', () => {
  it('moves documents from the first WITHOUT ROWID table to the rowid table once, keeping every document', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'projection-store-'));
    const file = join(dir, 'projections.db');
    try {
      const old = new Database(file);
      old.exec(`
        CREATE TABLE projection_registry (projection TEXT PRIMARY KEY, active_generation INTEGER NOT NULL, last_generation INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE projection_checkpoints (projection TEXT NOT NULL, generation INTEGER NOT NULL, version INTEGER NOT NULL,
          status TEXT NOT NULL, position INTEGER NOT NULL, last_event_recorded_at TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (projection, generation)) WITHOUT ROWID;
        CREATE TABLE projection_documents (projection TEXT NOT NULL, generation INTEGER NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL,
          PRIMARY KEY (projection, generation, key)) WITHOUT ROWID;
        INSERT INTO projection_registry VALUES ('p', 1, 1);
        INSERT INTO projection_checkpoints VALUES ('p', 1, 1, 'live', 9, NULL, '2025-03-01T00:00:00Z');
        INSERT INTO projection_documents VALUES ('p', 1, 'b', '{"n":2}'), ('p', 1, 'a', '{"n":1}'), ('p', 1, '申报:1', '"中"');
      `);
      old.close();
      const stores = [SqliteProjectionStore.open(file), SqliteProjectionStore.open(file)];
      const sql = (stores[0]!.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'projection_documents'").get() as { sql: string }).sql;
      expect(sql).not.toMatch(/WITHOUT ROWID/i);
      expect(await stores[1]!.list('p')).toEqual([
        { key: 'a', doc: { n: 1 } },
        { key: 'b', doc: { n: 2 } },
        { key: '申报:1', doc: '中' },
      ]);
      await stores[0]!.commit({ projection: 'p', generation: 1, fromPosition: 9, toPosition: 10, lastEventRecordedAt: null, updatedAt: 'x', changes: new Map([['a', { json: '{"n":3}', index: null }]]) });
      expect(await stores[1]!.get('p', 'a')).toEqual({ n: 3 });
      for (const store of stores) await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('indexes only documents with an index value, replacing the full index of older files, and range reads use it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'projection-store-'));
    const file = join(dir, 'projections.db');
    try {
      const first = SqliteProjectionStore.open(file);
      await first.close();
      const old = new Database(file);
      old.exec('DROP INDEX projection_documents_indexed; CREATE INDEX projection_documents_index ON projection_documents (projection, generation, index_key)');
      old.close();
      const stores = [SqliteProjectionStore.open(file), SqliteProjectionStore.open(file)];
      const db = stores[0]!.db;
      const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all() as Array<{ name: string; sql: string }>;
      expect(indexes.map((i) => i.name)).toEqual(['projection_documents_indexed']);
      expect(indexes[0]!.sql).toMatch(/WHERE index_key IS NOT NULL$/);
      const generation = await stores[0]!.createGeneration('p', 1, 'x');
      const changes = new Map([
        ['a', { json: '{"n":1}', index: '2025-03-01' }],
        ['b', { json: '{"n":2}', index: null }],
        ['c', { json: '{"n":3}', index: '2025-04-01' }],
      ]);
      await stores[0]!.commit({ projection: 'p', generation: generation.generation, fromPosition: 0, toPosition: 3, lastEventRecordedAt: null, updatedAt: 'x', changes });
      const entries = (db.prepare("SELECT COUNT(*) AS n FROM projection_documents INDEXED BY projection_documents_indexed WHERE projection = 'p' AND generation = ? AND index_key IS NOT NULL").get(generation.generation) as { n: number }).n;
      expect(entries).toBe(2);
      expect(await stores[1]!.list('p', { index: { from: '2025-01-01' } })).toEqual([
        { key: 'a', doc: { n: 1 } },
        { key: 'c', doc: { n: 3 } },
      ]);
      const plan = db
        .prepare("EXPLAIN QUERY PLAN SELECT key FROM projection_documents d WHERE d.projection = 'p' AND d.generation = 1 AND d.index_key IS NOT NULL AND d.index_key >= '2025'")
        .all() as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX projection_documents_indexed/);
      for (const store of stores) await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
