
import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import { toStoreError } from '../event-store/postgres/errors.js';
import { type Migration, runMigrations } from '../event-store/postgres/migrations.js';
import { quoteSchema } from '../event-store/postgres/schema-name.js';
import { withTransaction } from '../event-store/postgres/transaction.js';
import type { IdempotencyStore, Reservation, StoredResponse } from './idempotency.store.js';

/** Versions 2000–2999 of the shared schema_migrations ledger (events 1–999, projections 1000–1999). */
export const IDEMPOTENCY_MIGRATIONS: readonly Migration[] = [
  {
    version: 2000,
    name: 'create idempotency records',
    sql: `
CREATE TABLE idempotency (
  scope        TEXT   NOT NULL,
  key          TEXT   NOT NULL,
  request_hash TEXT   NOT NULL,
  state        TEXT   NOT NULL CHECK (state IN ('pending', 'done')),
  response     TEXT,
  created_ms   BIGINT NOT NULL,
  PRIMARY KEY (scope, key)
);
`,
  },
];

/** Same as SqliteIdempotencyStore: a pending reservation older than this is from a crashed request. */
const STALE_PENDING_MS = 60_000;

export interface PostgresIdempotencyStoreOptions {
  connectionString: string;
  schema: string;
  maxConnections?: number;
  connectTimeoutMs?: number;
}

interface Row {
  request_hash: string;
  state: 'pending' | 'done';
  response: string | null;
  created_ms: string;
}

/**
 * Idempotency-Key records in PostgreSQL, so that instances behind a load balancer share them: a
 * retry landing on another instance than the first attempt still gets the first answer.
 */
export class PostgresIdempotencyStore implements IdempotencyStore {
  private readonly pool: Pool;
  private readonly table: string;
  private closed = false;

  private constructor(options: PostgresIdempotencyStoreOptions) {
    this.table = `${quoteSchema(options.schema)}.idempotency`;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      application_name: 'quality-award-idempotency',
    });
    // An idle connection dropped by the server must not crash the process; the next query reports it.
    this.pool.on('error', () => undefined);
  }

  /** Connects and brings the table up to date (shared migrations, advisory lock). */
  static async open(options: PostgresIdempotencyStoreOptions): Promise<PostgresIdempotencyStore> {
    const store = new PostgresIdempotencyStore(options);
    try {
      await runMigrations(store.pool, options.schema, IDEMPOTENCY_MIGRATIONS);
    } catch (error) {
      await store.close();
      throw toStoreError(error, 'migrating the idempotency table');
    }
    return store;
  }

  async reserve(scope: string, key: string, requestHash: string, nowMs: number): Promise<Reservation> {
    return this.transaction('reserving an idempotency key', async (client) => {
      // Only a release() between our INSERT and SELECT can make the row vanish; then try again.
      for (;;) {
        // Two first requests at once: the second INSERT waits for the first's transaction, then does nothing.
        const inserted = await client.query(
          `INSERT INTO ${this.table} (scope, key, request_hash, state, created_ms) VALUES ($1, $2, $3, 'pending', $4)
           ON CONFLICT (scope, key) DO NOTHING`,
          [scope, key, requestHash, nowMs],
        );
        if (inserted.rowCount === 1) return { outcome: 'reserved' };
        // FOR UPDATE: two retries taking over the same stale reservation queue here; the second sees it renewed.
        const { rows } = await client.query<Row>(
          `SELECT request_hash, state, response, created_ms FROM ${this.table} WHERE scope = $1 AND key = $2 FOR UPDATE`,
          [scope, key],
        );
        const row = rows[0];
        if (!row) continue;
        if (row.state === 'done') return { outcome: 'completed', requestHash: row.request_hash, response: JSON.parse(row.response!) as StoredResponse };
        if (nowMs - Number(row.created_ms) > STALE_PENDING_MS && row.request_hash === requestHash) {
          await client.query(`UPDATE ${this.table} SET created_ms = $3 WHERE scope = $1 AND key = $2`, [scope, key, nowMs]);
          return { outcome: 'reserved' };
        }
        return { outcome: 'pending', requestHash: row.request_hash };
      }
    });
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.query(
      `UPDATE ${this.table} SET state = 'done', response = $3 WHERE scope = $1 AND key = $2`,
      [scope, key, JSON.stringify(response)],
      'completing an idempotency key',
    );
  }

  async release(scope: string, key: string): Promise<void> {
    await this.query(`DELETE FROM ${this.table} WHERE scope = $1 AND key = $2 AND state = 'pending'`, [scope, key], 'releasing an idempotency key');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async query(sql: string, params: unknown[], doing: string): Promise<void> {
    try {
      await this.pool.query(sql, params);
    } catch (error) {
      throw toStoreError(error, doing);
    }
  }

  private transaction<T>(doing: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, work, { mapError: (error) => toStoreError(error, doing) });
  }
}
