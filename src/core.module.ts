import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from './config/config.js';
import { CLOCK, type Clock, ManualClock, SystemClock } from './clock/clock.js';
import { JWT_SECRET } from './auth/auth.guard.js';
import { resolveJwtSecret } from './auth/secret.js';
import { EVENT_STORE, type EventStore } from './event-store/event-store.port.js';
import { EMBEDDED_EVENTS_FILE, createEventStore } from './event-store/create-event-store.js';
import { SqliteEventStore } from './event-store/sqlite/sqlite-event-store.js';
import { InstrumentedEventStore } from './event-store/instrumented-event-store.js';
import { IDEMPOTENCY_STORE, type IdempotencyStore, SqliteIdempotencyStore } from './http/idempotency.store.js';
import { METRICS, Metrics } from './observability/metrics.js';
import { sharedPostgres } from './projections/create-projection-store.js';

const IDEMPOTENCY_FILE = 'idempotency.db';

/** Infrastructure every feature module uses: config, clock, metrics, the event store, auth secret. */
@Global()
@Module({})
export class CoreModule implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(IDEMPOTENCY_STORE) private readonly idempotency: IdempotencyStore,
  ) {}

  static forRoot(config: AppConfig, overrides: { clock?: Clock; store?: EventStore } = {}): DynamicModule {
    const metrics = new Metrics();
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: METRICS, useValue: metrics },
        {
          provide: CLOCK,
          useValue:
            overrides.clock ??
            (config.clock === 'manual' ? new ManualClock(config.clockStart ?? new Date()) : new SystemClock()),
        },
        { provide: JWT_SECRET, useValue: resolveJwtSecret(config.dataDir, config.jwtSecret).secret },
        {
          provide: EVENT_STORE,
          useFactory: async () => {
            const store = overrides.store ?? (await createEventStore(config));
            if (store instanceof SqliteEventStore) {
              metrics.watchWalCheckpoints(EMBEDDED_EVENTS_FILE, () => store.walCheckpointStats());
              metrics.watchWalFsyncs(EMBEDDED_EVENTS_FILE, (listener) => store.onWalSynced(listener));
            }
            return new InstrumentedEventStore(store, metrics);
          },
        },
        {
          provide: IDEMPOTENCY_STORE,
          // In PostgreSQL wherever the read models are, so instances behind a load balancer share the records.
          useFactory: async (): Promise<IdempotencyStore> => {
            const postgres = sharedPostgres(config);
            if (!postgres) {
              const store = new SqliteIdempotencyStore(join(config.dataDir, IDEMPOTENCY_FILE), { walCheckpoints: 'background' });
              metrics.watchWalCheckpoints(IDEMPOTENCY_FILE, () => store.walCheckpointStats());
              return store;
            }
            const { PostgresIdempotencyStore } = await import('./http/postgres-idempotency.store.js');
            return PostgresIdempotencyStore.open(postgres);
          },
        },
      ],
      exports: [APP_CONFIG, METRICS, CLOCK, JWT_SECRET, EVENT_STORE, IDEMPOTENCY_STORE],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.idempotency.close();
    await this.store.close();
  }
}
