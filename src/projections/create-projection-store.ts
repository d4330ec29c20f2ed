import { join } from 'node:path';
import type { AppConfig } from '../config/config.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { InstrumentedEventStore } from '../event-store/instrumented-event-store.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import type { ProjectionStore } from './projection-store.port.js';
import { SqliteProjectionStore } from './sqlite-projection-store.js';

export const PROJECTIONS_FILE = 'projections.db';

/**
 * The embedded store shares its connection, so read models live in events.db. Until the
 * PostgreSQL adapter exists, the server stores keep them in a SQLite file of the data folder:
 * atomicity needs documents and checkpoint together, not events and documents together.
 */
export function createProjectionStore(events: EventStore, config: Pick<AppConfig, 'dataDir'>): ProjectionStore {
  const inner = events instanceof InstrumentedEventStore ? events.inner : events;
  if (inner instanceof SqliteEventStore) return new SqliteProjectionStore(inner.db);
  return SqliteProjectionStore.open(join(config.dataDir, PROJECTIONS_FILE));
}
