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
});
