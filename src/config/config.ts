import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';

export type StoreKind = 'sqlite' | 'postgres' | 'kurrentdb';

export interface AppConfig {
  port: number;
  host: string;
  /** Embedded store, generated secret and idempotency records live here. */
  dataDir: string;
  eventStore: StoreKind;
  databaseUrl?: string;
  /** PostgreSQL schema holding events and projections (DATABASE_SCHEMA, default 'public'). */
  databaseSchema: string;
  kurrentdbConnectionString?: string;
  /** From AUTH_JWT_SECRET; when unset, embedded mode generates one into the data folder. */
  jwtSecret?: string;
  production: boolean;
  clock: 'system' | 'manual';
  clockStart?: string;
  /** Extra folders of programme policy files (POLICY_DIRS, separated by ':' or ','). */
  policyDirs: string[];
  /** JSON file of working-day data for years chinese-days lacks (CALENDAR_EXTRA_FILE). */
  calendarExtraFile?: string;
  logLevel: string;
  /** Worker threads the server rebuilds projections in (REBUILD_WORKERS, default one per CPU; 0: in its own thread). */
  rebuildWorkers: number;
}

export const APP_CONFIG = Symbol.for('APP_CONFIG');

export class ConfigError extends Error {}

/** Reads the environment once, at start; every value has a default so the server starts bare. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const eventStore = (env.EVENT_STORE ?? 'sqlite') as StoreKind;
  if (!['sqlite', 'postgres', 'kurrentdb'].includes(eventStore)) {
    throw new ConfigError(`EVENT_STORE must be sqlite, postgres or kurrentdb (got '${eventStore}')`);
  }
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT is not a port: ${env.PORT}`);
  const production = env.NODE_ENV === 'production';
  const clock = (env.CLOCK ?? 'system') as AppConfig['clock'];
  if (clock !== 'system' && clock !== 'manual') throw new ConfigError(`CLOCK must be system or manual (got '${clock}')`);
  if (clock === 'manual' && production) {
    throw new ConfigError('CLOCK=manual is refused when NODE_ENV=production: a settable clock would let anyone move deadlines');
  }
  if (eventStore === 'postgres' && !env.DATABASE_URL) throw new ConfigError('EVENT_STORE=postgres needs DATABASE_URL');
  if (eventStore === 'kurrentdb' && !env.KURRENTDB_CONNECTION_STRING) {
    throw new ConfigError('EVENT_STORE=kurrentdb needs KURRENTDB_CONNECTION_STRING');
  }
  if (production && !env.AUTH_JWT_SECRET) {
    throw new ConfigError('NODE_ENV=production needs AUTH_JWT_SECRET (at least 32 characters)');
  }
  if (env.AUTH_JWT_SECRET !== undefined && env.AUTH_JWT_SECRET.length < 32) {
    throw new ConfigError('AUTH_JWT_SECRET must be at least 32 characters');
  }
  const rebuildWorkers = env.REBUILD_WORKERS === undefined || env.REBUILD_WORKERS === '' ? availableParallelism() : Number(env.REBUILD_WORKERS);
  if (!Number.isInteger(rebuildWorkers) || rebuildWorkers < 0) throw new ConfigError(`REBUILD_WORKERS must be a whole number (got '${env.REBUILD_WORKERS}')`);
  const dataDir = env.DATA_DIR ?? './data';
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(process.cwd(), dataDir),
    eventStore,
    databaseUrl: env.DATABASE_URL,
    databaseSchema: env.DATABASE_SCHEMA ?? 'public',
    kurrentdbConnectionString: env.KURRENTDB_CONNECTION_STRING,
    jwtSecret: env.AUTH_JWT_SECRET,
    production,
    clock,
    clockStart: env.CLOCK_START,
    policyDirs: (env.POLICY_DIRS ?? '')
      .split(/[:,]/)
      .map((dir) => dir.trim())
      .filter(Boolean)
      .map((dir) => resolve(process.cwd(), dir)),
    calendarExtraFile: env.CALENDAR_EXTRA_FILE ? resolve(process.cwd(), env.CALENDAR_EXTRA_FILE) : undefined,
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    rebuildWorkers,
  };
}
