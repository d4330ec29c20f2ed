import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { eventStoreContract } from './event-store.contract.js';

eventStoreContract(
  'sqlite (embedded)',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'es-contract-'));
    const opened: EventStore[] = [];
    return {
      async open() {
        // Each call is another connection on the same file: another writer, as another process would be.
        const store = new SqliteEventStore({ filename: join(dir, 'events.db'), pollMs: 20 });
        opened.push(store);
        return store;
      },
      async dispose() {
        for (const store of opened) await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { gapFreePositions: true },
);
