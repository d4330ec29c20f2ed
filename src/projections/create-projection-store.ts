import { join } from 'node:path';
import type { AppConfig } from '../config/config.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { InstrumentedEventStore } from '../event-store/instrumented-event-store.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { PostgresProjectionStore } from './postgres-projection-store.js';
import type { ProjectionStore } from './projection-store.port.js';
import { SqliteProjectionStore } from './sqlite-projection-store.js';

export const PROJECTIONS_FILE = 'projections.db';

type StoreConfig = Pick<AppConfig, 'dataDir' | 'eventStore' | 'databaseUrl' | 'databaseSchema'>;

/**
 * Where state shared by every instance of the service lives in PostgreSQL (read models and their
 * checkpoints, Idempotency-Key records), or undefined for files in DATA_DIR:
 * - postgres: the events' DATABASE_URL and DATABASE_SCHEMA;
 * - kurrentdb: KurrentDB has no place for our checkpoints, so they stay in DATA_DIR unless
 *   DATABASE_URL is also set; then PostgreSQL, so that several instances share them;
 * - sqlite: never (one process, one file).
 */
export function sharedPostgres(config: StoreConfig): { connectionString: string; schema: string } | undefined {
  if (config.eventStore === 'sqlite' || !config.databaseUrl) return undefined;
  return { connectionString: config.databaseUrl, schema: config.databaseSchema };
}

/**
 * Atomicity needs documents and checkpoint together, not events and documents together, so the
 * read models may sit in another database than the events:
 * - sqlite: in events.db, on the events' connection when it commits without fsync (the server's),
 *   else on a connection of its own (synchronous=NORMAL: derived data);
 * - postgres, or kurrentdb with DATABASE_URL: PostgreSQL (see sharedPostgres);
 * - kurrentdb alone: DATA_DIR/projections.db.
 * Synchronous on purpose: the PostgreSQL store connects and migrates in init(), which the runner calls first.
 */
export function createProjectionStore(events: EventStore, config: StoreConfig): ProjectionStore {
  const inner = events instanceof InstrumentedEventStore ? events.inner : events;
  if (inner instanceof SqliteEventStore) {
    // In events.db, beside the events, through a connection of its own with synchronous=NORMAL
    // (SqliteProjectionStore.open). An in-memory store (tests) can only share its connection.
    // The events' own connection when it commits without fsync (the server's store, wal-sync.ts):
    // a commit by another connection to the file makes SQLite drop this one's page cache at its
    // next read, which made every command's stream read fetch its pages again (73 µs instead of
    // 14 µs, measured under load). An in-memory store (tests) can only share its connection.
    if (inner.db.memory || inner.fsyncsOffLoop) return new SqliteProjectionStore(inner.db);
    return SqliteProjectionStore.open(inner.db.name);
  }
  const postgres = sharedPostgres(config);
  if (postgres) return new PostgresProjectionStore(postgres);
  return SqliteProjectionStore.open(join(config.dataDir, PROJECTIONS_FILE));
}
