import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import {
  type AppendOptions,
  type AppendRequest,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type SubscribeToAllOptions,
  type Subscription,
  WrongExpectedRevisionError,
  revisionMatches,
} from '../event-store.port.js';
import { AppendSignal, type PollingSource, pollingSubscription } from '../polling-subscription.js';
import { type BeforeCommit, appendInTransaction, assertWellFormed } from './append-transaction.js';
import { toStoreError, uniqueViolation } from './errors.js';
import { EVENT_STORE_MIGRATIONS, type MigrationReport, runMigrations } from './migrations.js';
import { type EventRow, type HeadRow, toHead, toStoredEvent } from './rows.js';
import { type Statements, statements } from './statements.js';
import { withTransaction } from './transaction.js';

export interface PostgresEventStoreOptions {
  /** Ignored when `pool` is given. */
  connectionString?: string;
  /** A pool shared with other modules; the store does not end it on close. */
  pool?: Pool;
  /** Schema holding every table of the store; created by the migrations. */
  schema: string;
  /** How often a live subscription looks for appends made by other processes (ms). */
  pollMs?: number;
  /** Size of the pool the store creates. */
  maxConnections?: number;
  /** How long to wait for a connection before reporting the store unavailable (ms). */
  connectTimeoutMs?: number;
  /**
   * Test seam: runs inside the append transaction once positions are taken, just before COMMIT,
   * so a test can hold a writer's transaction open. Not for production use.
   */
  beforeCommit?: BeforeCommit;
}

/** Attempts of an append that hit a unique violation (a writer outside the locking protocol). */
const MAX_ATTEMPTS = 3;

/**
 * Event store on PostgreSQL, in its own schema; one transaction per append (append-transaction.ts).
 * Appends lock their streams' heads, then take positions from a one-row counter whose row lock is
 * held to COMMIT: appends serialise on it, so positions are assigned in commit order without gaps,
 * and a subscriber reading `position > checkpoint` can never skip an event that commits later
 * (Marten #4977, Emmett #336). The price is one append committing at a time across all processes,
 * which an award office's write rate is far below (to be measured by bench/).
 */
export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres';
  readonly schema: string;
  private readonly pool: Pool;
  private readonly ownsPool: boolean;
  private readonly sql: Statements;
  private readonly signal = new AppendSignal();
  private readonly pollMs: number;
  private readonly beforeCommit?: BeforeCommit;
  private closed = false;

  constructor(options: PostgresEventStoreOptions) {
    this.schema = options.schema;
    this.sql = statements(options.schema);
    this.pollMs = options.pollMs ?? 100;
    this.beforeCommit = options.beforeCommit;
    this.ownsPool = !options.pool;
    this.pool =
      options.pool ??
      new pg.Pool({
        connectionString: options.connectionString,
        max: options.maxConnections ?? 10,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
        application_name: 'quality-award-event-store',
      });
    // An idle connection dropped by the server is reported here; without a listener it would
    // crash the process. The next query reports the outage as EventStoreUnavailableError.
    if (this.ownsPool) this.pool.on('error', () => undefined);
  }

  /** Creates the pool, checks the database and brings the schema up to date. */
  static async open(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const store = new PostgresEventStore(options);
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async migrate(): Promise<MigrationReport> {
    this.assertOpen();
    try {
      await this.checkUnicode();
      return await runMigrations(this.pool, this.schema, EVENT_STORE_MIGRATIONS);
    } catch (error) {
      throw toStoreError(error, 'migrating');
    }
  }

  async append(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const [result] = await this.appendMultiple([{ streamId, events, expectedRevision: options.expectedRevision }]);
    return result!;
  }

  async appendMultiple(requests: AppendRequest[]): Promise<AppendResult[]> {
    this.assertOpen();
    assertWellFormed(requests);
    for (let attempt = 1; ; attempt++) {
      try {
        const results = await this.transaction((client) => appendInTransaction(client, this.sql, requests, this.beforeCommit));
        if (results.some((result) => !result.idempotentReplay)) this.signal.notify();
        return results;
      } catch (error) {
        if (!uniqueViolation(error)) throw toStoreError(error, 'appending');
        // Only a writer bypassing the stream locks can get here. Running again lets the ordinary
        // checks answer (replay, conflict or success for 'any'); if it keeps happening, report
        // the conflict with the revision as it now stands.
        if (attempt >= MAX_ATTEMPTS) throw await this.conflictAfterRace(requests, error);
      }
    }
  }

  private async conflictAfterRace(requests: AppendRequest[], cause: unknown): Promise<unknown> {
    try {
      for (const { streamId, expectedRevision = 'any' } of requests) {
        const actual = await this.streamRevision(streamId);
        if (!revisionMatches(expectedRevision, actual)) {
          return new WrongExpectedRevisionError(streamId, expectedRevision, actual);
        }
      }
      return cause;
    } catch (error) {
      return toStoreError(error, 'appending');
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const limited = options.limit !== undefined;
    const backwards = options.direction === 'backwards';
    const sql = backwards ? this.sql.readBackwards(limited) : this.sql.readForwards(limited);
    const from = options.fromRevision ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
    const rows = await this.query<EventRow>(sql, limited ? [streamId, from, options.limit] : [streamId, from], 'reading a stream');
    return rows.map(toStoredEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const from = Math.max(options.fromPosition ?? 0, 0);
    const rows = await this.query<EventRow>(this.sql.readAll, [from, options.limit ?? 1000], 'reading all events');
    return rows.map(toStoredEvent);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    // Commit order is position order (see the class comment), which is what polling relies on.
    return pollingSubscription(this.pollingSource, options, this.pollMs);
  }

  private readonly pollingSource: PollingSource = {
    readAll: (options) => this.readAll(options),
    readTypes: async ({ fromPosition, toPosition, limit, eventTypes }) =>
      (await this.query<EventRow>(this.sql.readTypes, [fromPosition, toPosition, eventTypes, limit], 'reading events by type')).map(toStoredEvent),
    headPosition: () => this.headPosition(),
    waitForAppend: (ms) => this.signal.wait(ms),
  };

  async headPosition(): Promise<number> {
    const [row] = await this.query<{ head: string }>(this.sql.head, [], 'reading the head position');
    return Number(row!.head);
  }

  async streamRevision(streamId: string): Promise<number | 'no_stream'> {
    const [row] = await this.query<HeadRow>(this.sql.streamHead, [streamId], 'reading a stream revision');
    return toHead(row).revision;
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1', [], 'pinging');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.signal.notify();
    if (this.ownsPool) await this.pool.end();
  }

  private async query<Row extends object>(sql: string, params: unknown[], doing: string): Promise<Row[]> {
    this.assertOpen();
    try {
      return (await this.pool.query<Row & pg.QueryResultRow>(sql, params)).rows;
    } catch (error) {
      throw toStoreError(error, doing);
    }
  }

  private transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    // Explicit, in case the database's default is stricter: waiting on the stream and counter
    // locks then re-reading the committed rows is what READ COMMITTED gives.
    return withTransaction(this.pool, work, { begin: 'START TRANSACTION ISOLATION LEVEL READ COMMITTED' });
  }

  /**
   * Chinese names and characters outside the BMP (𠮷, emoji) must come back byte for byte, or
   * hashes stop re-verifying. A database created with a legacy encoding (GBK, EUC_CN) fails here,
   * at start, rather than on the first applicant with a rare character in their name.
   */
  private async checkUnicode(): Promise<void> {
    const probe = '质量奖 𠮷 😀';
    const [row] = await this.query<{ probe: string }>('SELECT CAST($1 AS TEXT) AS probe', [probe], 'checking the encoding');
    if (row?.probe !== probe) throw new Error('The database does not round-trip Unicode text: create it with UTF8 encoding');
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('Event store is closed');
  }
}
