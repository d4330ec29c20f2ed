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
