import { join } from 'node:path';
import type { AppConfig } from '../config/config.js';
import type { EventStore } from './event-store.port.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

export const EMBEDDED_EVENTS_FILE = 'events.db';

/** Opens the adapter the configuration names; server adapters load only when chosen. */
export async function createEventStore(config: AppConfig): Promise<EventStore> {
  switch (config.eventStore) {
    case 'sqlite':
      // The server's thread does not wait on the disk for appends: their fsyncs run in libuv's pool,
      // and checkpoints of the log in a worker thread.
      return new SqliteEventStore({ filename: join(config.dataDir, EMBEDDED_EVENTS_FILE), fsync: 'off-loop', walCheckpoints: 'background' });
    case 'postgres': {
      const { PostgresEventStore } = await import('./postgres/postgres-event-store.js');
      return PostgresEventStore.open({ connectionString: config.databaseUrl!, schema: config.databaseSchema });
    }
    case 'kurrentdb': {
      const { KurrentDbEventStore } = await import('./kurrentdb/kurrentdb-event-store.js');
      return new KurrentDbEventStore(config.kurrentdbConnectionString!);
    }
  }
}
