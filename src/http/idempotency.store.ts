import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type WalCheckpointStats, WalCheckpointer, backgroundCheckpoints } from '../event-store/sqlite/wal-checkpointer.js';

export const IDEMPOTENCY_STORE = Symbol.for('IDEMPOTENCY_STORE');

export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export type Reservation =
  | { outcome: 'reserved' }
  | { outcome: 'completed'; requestHash: string; response: StoredResponse }
  | { outcome: 'pending'; requestHash: string };

/** Remembers the first answer to each Idempotency-Key so a retried command returns it again. */
export interface IdempotencyStore {
  reserve(scope: string, key: string, requestHash: string, nowMs: number): Promise<Reservation>;
  complete(scope: string, key: string, response: StoredResponse): Promise<void>;
  release(scope: string, key: string): Promise<void>;
  close(): Promise<void>;
}

/** A pending reservation older than this is from a crashed request; a retry may take it over. */
const STALE_PENDING_MS = 60_000;

export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly db: Database.Database;
  private readonly checkpointer: WalCheckpointer | undefined;

  /** `walCheckpoints: 'background'` (the server's): the log is checkpointed by a worker (wal-checkpointer.ts). */
  constructor(filename: string, options: { walCheckpoints?: 'in-commit' | 'background' } = {}) {
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    // NORMAL, not FULL: a record lost to a power cut only means a retry runs the command again,
    // which is still safe because the key also seeds the command id and so the event ids.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS idempotency (
      scope TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,
      state TEXT NOT NULL, response TEXT, created_ms INTEGER NOT NULL,
      PRIMARY KEY (scope, key)) WITHOUT ROWID`);
    this.checkpointer = options.walCheckpoints === 'background' && filename !== ':memory:' ? backgroundCheckpoints(this.db) : undefined;
  }

  async reserve(scope: string, key: string, requestHash: string, nowMs: number): Promise<Reservation> {
    return this.db
      .transaction((): Reservation => {
        const row = this.db
          .prepare('SELECT request_hash, state, response, created_ms FROM idempotency WHERE scope = ? AND key = ?')
          .get(scope, key) as { request_hash: string; state: string; response: string | null; created_ms: number } | undefined;
        if (!row || (row.state === 'pending' && nowMs - row.created_ms > STALE_PENDING_MS && row.request_hash === requestHash)) {
          this.db
            .prepare(
              `INSERT INTO idempotency (scope, key, request_hash, state, created_ms) VALUES (?, ?, ?, 'pending', ?)
               ON CONFLICT (scope, key) DO UPDATE SET created_ms = excluded.created_ms`,
            )
            .run(scope, key, requestHash, nowMs);
          return { outcome: 'reserved' };
        }
        if (row.state === 'done') {
          return { outcome: 'completed', requestHash: row.request_hash, response: JSON.parse(row.response!) };
        }
        return { outcome: 'pending', requestHash: row.request_hash };
      })
      .immediate();
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    this.db
      .prepare("UPDATE idempotency SET state = 'done', response = ? WHERE scope = ? AND key = ?")
      .run(JSON.stringify(response), scope, key);
  }

  async release(scope: string, key: string): Promise<void> {
    this.db.prepare("DELETE FROM idempotency WHERE scope = ? AND key = ? AND state = 'pending'").run(scope, key);
  }

  /** What the background checkpointer has done, when there is one (metrics). */
  walCheckpointStats(): WalCheckpointStats | undefined {
    return this.checkpointer?.stats();
  }

  async close(): Promise<void> {
    await this.checkpointer?.close();
    this.db.close();
  }
}
