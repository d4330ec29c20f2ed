import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { SqliteEventStore, type SqliteEventStoreOptions } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { eventStoreContract } from './event-store.contract.js';

/** Each open() is another connection on the same file: another writer, as another process would be. */
function harness(options: Omit<SqliteEventStoreOptions, 'filename'>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'es-contract-'));
    const opened: EventStore[] = [];
    return {
      async open() {
        const store = new SqliteEventStore({ filename: join(dir, 'events.db'), pollMs: 20, ...options });
        opened.push(store);
        return store;
      },
      async dispose() {
        for (const store of opened) await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

eventStoreContract('sqlite (embedded, fsync in COMMIT)', harness({}), { gapFreePositions: true });

// The server's configuration (create-event-store.ts).
eventStoreContract(
  'sqlite (embedded, fsync off the event loop)',
  harness({ fsync: 'off-loop' }),
  { gapFreePositions: true },
);
