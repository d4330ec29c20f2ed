import { join } from 'node:path';
import type { AppConfig } from '../config/config.js';
import type { EventStore } from './event-store.port.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

export const EMBEDDED_EVENTS_FILE = 'events.db';

/**
 * How the server opens the embedded store: its thread does not wait on the disk for appends (their
 * fsyncs run in libuv's pool) nor for checkpoints of the log (a worker thread). Equally durable.
 */
export const SERVER_SQLITE_OPTIONS = { fsync: 'off-loop', walCheckpoints: 'background' } as const;

/** Opens the adapter the configuration names; server adapters load only when chosen. */
export async function createEventStore(config: AppConfig): Promise<EventStore> {
  switch (config.eventStore) {
    case 'sqlite':
      return new SqliteEventStore({ filename: join(config.dataDir, EMBEDDED_EVENTS_FILE), ...SERVER_SQLITE_OPTIONS });
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
