import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
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
  EventStoreUnavailableError,
  IdempotencyMismatchError,
  WrongExpectedRevisionError,
  revisionMatches,
} from '../event-store.port.js';
import { GENESIS_HASH } from '../hash.js';
import { AppendSignal, type PollingSource, pollingSubscription } from '../polling-subscription.js';
import { EventWriter } from './event-writer.js';
import { WalSync, type WalSyncListener } from './wal-sync.js';
import { type WalCheckpointStats, WalCheckpointer, backgroundCheckpoints } from './wal-checkpointer.js';

const EVENT_COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, hash';

interface EventRow {
  position: number;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
  hash: string;
}

export interface SqliteEventStoreOptions {
  /** File path, or ':memory:' for tests that need no durability. */
  filename: string;
  /** How often a live subscription looks for appends made by other processes (ms). */
  pollMs?: number;
  /** How long a writer waits for another process's write lock (ms). */
  busyTimeoutMs?: number;
  /**
   * Where the WAL is fsynced before an append is acknowledged: inside COMMIT (synchronous=FULL, the
   * default), or after it, off the event loop (wal-sync.ts; the server's choice). Equally durable.
   */
  fsync?: 'in-commit' | 'off-loop';
  /**
   * Who copies the WAL back into the database file: the committing connection, inside the COMMIT
   * that takes the log past 1,000 pages (SQLite's default), or a worker thread (wal-checkpointer.ts;
   * the server's choice). A file store only.
   */
  walCheckpoints?: 'in-commit' | 'background';
}

export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position  INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id TEXT    NOT NULL,
  revision  INTEGER NOT NULL,
  event_id  TEXT    NOT NULL,
  type      TEXT    NOT NULL,
  data      TEXT    NOT NULL,
  metadata  TEXT    NOT NULL,
  hash      TEXT    NOT NULL,
  UNIQUE (stream_id, revision),
  UNIQUE (stream_id, event_id)
);
CREATE TABLE IF NOT EXISTS streams (
  stream_id TEXT PRIMARY KEY,
  revision  INTEGER NOT NULL,
  hash      TEXT    NOT NULL
) WITHOUT ROWID;
`;

/**
 * Applies the pragmas every connection to the embedded store uses. Events always use FULL: the
 * WAL is fsynced at every commit, so an acknowledged append survives power loss. Connections that
 * only write derived data (read models, idempotency records) may pass NORMAL (see their callers).
 */
export function configureDurableSqlite(db: Database.Database, busyTimeoutMs = 5000, synchronous: 'FULL' | 'NORMAL' = 'FULL'): void {
  // The busy timeout first: switching a new file to WAL takes a lock that another process opening
  // it at the same moment may hold.
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('foreign_keys = ON');
}

interface PendingAppend {
  requests: AppendRequest[];
  resolve(results: AppendResult[]): void;
  reject(error: unknown): void;
}

type GroupOutcome = { results: AppendResult[] } | { error: unknown };

/**
 * Embedded event store on SQLite. Appends that arrive while one is written commit together in one
 * transaction (group commit; BEGIN IMMEDIATE, so concurrent processes queue on the write lock
 * instead of failing on lock upgrade); uniqueness of revisions and event ids is enforced by the
 * database's own constraints. Writes are serialised by SQLite, so commit order is position order
 * and the global order has no gaps.
 */
export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite';
  readonly db: Database.Database;
  private readonly signal = new AppendSignal();
  private readonly writer: EventWriter;
  private readonly pollMs: number;
  private closed = false;
  /** Set when the WAL could not be synced: what was committed may not be durable, so nothing more is accepted. */
  private failure: EventStoreUnavailableError | undefined;
  private readonly walSync: WalSync | undefined;
  private readonly checkpointer: WalCheckpointer | undefined;
  private pending: PendingAppend[] = [];
  private readonly typeStatements = new Map<string, Database.Statement<unknown[], EventRow>>();
  private readonly groupTransaction: Database.Transaction<(group: PendingAppend[], outcomes: GroupOutcome[]) => void>;
  private readonly groupWithoutSavepoints: Database.Transaction<(group: PendingAppend[]) => GroupOutcome[]>;

  private readonly stmt: {
    streamHead: Database.Statement<[string], { revision: number; hash: string }>;
    findEvent: Database.Statement<[string, string], { revision: number }>;
    streamRange: Database.Statement<[string, number, number], EventRow>;
    upsertStream: Database.Statement<[string, number, string]>;
    readForwards: Database.Statement<[string, number, number], EventRow>;
    readBackwards: Database.Statement<[string, number, number], EventRow>;
    readAll: Database.Statement<[number, number], EventRow>;
    head: Database.Statement<[], { head: number | null }>;
  };

  constructor(options: SqliteEventStoreOptions) {
    if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
    this.db = new Database(options.filename);
    const offLoop = options.fsync === 'off-loop' && options.filename !== ':memory:';
    configureDurableSqlite(this.db, options.busyTimeoutMs, offLoop ? 'NORMAL' : 'FULL');
    this.db.exec(SQLITE_SCHEMA);
    // The schema statement has created the WAL file (journal_mode=WAL): its fsyncs can begin.
    this.walSync = offLoop ? new WalSync(`${this.db.name}-wal`) : undefined;
    this.checkpointer =
      options.walCheckpoints === 'background' && options.filename !== ':memory:' ? backgroundCheckpoints(this.db) : undefined;

    this.pollMs = options.pollMs ?? 100;
    const cols = EVENT_COLUMNS;
    this.stmt = {
      streamHead: this.db.prepare('SELECT revision, hash FROM streams WHERE stream_id = ?'),
      findEvent: this.db.prepare('SELECT revision FROM events WHERE stream_id = ? AND event_id = ?'),
      streamRange: this.db.prepare(
        `SELECT ${cols} FROM events WHERE stream_id = ? AND revision >= ? AND revision <= ? ORDER BY revision`,
      ),
      upsertStream: this.db.prepare(
        'INSERT INTO streams (stream_id, revision, hash) VALUES (?, ?, ?) ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, hash = excluded.hash',
      ),
      readForwards: this.db.prepare(
        `SELECT ${cols} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      ),
      readBackwards: this.db.prepare(
        `SELECT ${cols} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      ),
      readAll: this.db.prepare(`SELECT ${cols} FROM events WHERE position >= ? ORDER BY position LIMIT ?`),
      head: this.db.prepare('SELECT MAX(position) AS head FROM events'),
    };
    this.writer = new EventWriter(this.db);
    // Throws at the first refusal, rolling the whole group back (see commitGroup).
    this.groupWithoutSavepoints = this.db.transaction((group: PendingAppend[]) =>
      group.map((item): GroupOutcome => ({ results: item.requests.map((request) => this.appendInTransaction(request, true)) })),
    );
    // Nested inside the group's transaction, each append is a savepoint of its own.
    const appendOne = this.db.transaction((requests: AppendRequest[]) => requests.map((request) => this.appendInTransaction(request, false)));
    this.groupTransaction = this.db.transaction((group: PendingAppend[], outcomes: GroupOutcome[]) => {
      for (const item of group) {
        try {
          outcomes.push({ results: appendOne(item.requests) });
        } catch (error) {
          if (!isRefusal(error)) throw error;
          outcomes.push({ error });
        }
      }
    });
  }

  async append(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const [result] = await this.appendMultiple([{ streamId, events, expectedRevision: options.expectedRevision }]);
    return result!;
  }

  async appendMultiple(requests: AppendRequest[]): Promise<AppendResult[]> {
    this.assertOpen();
    const seen = new Set<string>();
    for (const request of requests) {
      if (seen.has(request.streamId)) throw new Error(`Stream ${request.streamId} appears twice in one append`);
      seen.add(request.streamId);
    }
    return new Promise<AppendResult[]>((resolve, reject) => {
      this.pending.push({ requests, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  /**
   * Group commit: the appends requested during one turn of the event loop (concurrent commands)
   * share one transaction, so one fsync makes them all durable. A refused append (wrong revision,
   * mixed retry) is rolled back alone and rejected, the others commit (commitGroup). No promise
   * resolves before the shared COMMIT returns. Any other error (I/O, disk full) aborts the whole
   * group and rejects every append in it.
   */
  private flush(): void {
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    if (this.closed) {
      for (const item of group) item.reject(new Error('Event store is closed'));
      return;
    }
    let outcomes: GroupOutcome[];
    try {
      outcomes = this.commitGroup(group);
    } catch (error) {
      for (const item of group) item.reject(error);
      return;
    }
    if (outcomes.some((o) => 'results' in o && o.results.some((r) => !r.idempotentReplay))) this.signal.notify();
    const settle = () =>
      group.forEach((item, index) => {
        const outcome = outcomes[index]!;
        if ('results' in outcome) item.resolve(outcome.results);
        else item.reject(outcome.error);
      });
    if (!this.walSync) return settle();
    // Acknowledged only once durable: an fsync of the WAL begun after this COMMIT.
    this.walSync.sync().then(settle, (error: unknown) => {
      this.failure ??= new EventStoreUnavailableError(`The event store's write-ahead log could not be synced: ${(error as Error).message}`, error);
      for (const item of group) item.reject(this.failure);
    });
  }

  /**
   * A refused append must leave no trace while the rest of its group commits, so each append of a
   * group can run in a savepoint (a nested better-sqlite3 transaction). But a savepoint is not
   * free: SQLite copies every page the append then modifies into a sub-journal, written to a temp
   * file past 64 KiB (for 100-event appends, a fifth more bytes written than without). Refusals
   * are rare, so the group first runs without savepoints; only if an append is refused is the
   * whole transaction rolled back and the group run again, each append in its savepoint. For a
   * group of one, the rollback already leaves what its savepoint would have: nothing of it.
   */
  private commitGroup(group: PendingAppend[]): GroupOutcome[] {
    try {
      return this.groupWithoutSavepoints.immediate(group);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      if (group.length === 1) return [{ error }];
    }
    const outcomes: GroupOutcome[] = [];
    this.groupTransaction.immediate(group, outcomes);
    return outcomes;
  }

  /** `rollsBackWhole`: a refusal rolls back the whole transaction, not a savepoint (commitGroup). */
  private appendInTransaction(request: AppendRequest, rollsBackWhole: boolean): AppendResult {
    const { streamId, events } = request;
    const expected = request.expectedRevision ?? 'any';
    const head = this.stmt.streamHead.get(streamId);
    const actual: number | 'no_stream' = head ? head.revision : 'no_stream';

    const replay = this.detectReplay(streamId, events);
    if (replay) return replay;

    if (!revisionMatches(expected, actual)) throw new WrongExpectedRevisionError(streamId, expected, actual);

    const revision = head ? head.revision : -1;
    if (events.length === 0) return { streamId, nextExpectedRevision: revision, position: 0, events: [], idempotentReplay: false };
    let stored: StoredEvent[];
    try {
      stored = this.writer.write(streamId, events, revision, head?.hash ?? GENESIS_HASH, rollsBackWhole);
    } catch (error) {
      // Only the first id was looked up: a later id already in the stream makes a mixed batch.
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new IdempotencyMismatchError(streamId, 'some event ids of this batch are already stored, others are not');
      }
      throw error;
    }
    const last = stored[stored.length - 1]!;
    this.stmt.upsertStream.run(streamId, last.revision, last.hash);
    return { streamId, nextExpectedRevision: last.revision, position: last.position, events: stored, idempotentReplay: false };
  }

  /**
   * A batch whose ids are all already in the stream, in the same order and contiguous, is a retry:
   * answer with what was stored. A batch mixing stored and new ids is refused.
   */
  private detectReplay(streamId: string, events: NewEvent[]): AppendResult | undefined {
    if (events.length === 0) return undefined;
    // One lookup per append: if the first id is new, a later stored id is caught by the
    // UNIQUE (stream_id, event_id) constraint while inserting.
    const first = this.stmt.findEvent.get(streamId, events[0]!.id)?.revision;
    if (first === undefined) return undefined;
    const rows = this.stmt.streamRange.all(streamId, first, first + events.length - 1);
    const contiguous = rows.length === events.length && rows.every((row, index) => row.event_id === events[index]!.id);
    if (!contiguous) {
      throw new IdempotencyMismatchError(streamId, 'some event ids of this batch are already stored, others are not');
    }
    const stored = rows.map(toStoredEvent);
    const head = this.stmt.streamHead.get(streamId)!;
    return {
      streamId,
      nextExpectedRevision: head.revision,
      position: stored.at(-1)!.position,
      events: stored,
      idempotentReplay: true,
    };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const limit = options.limit ?? -1;
    const rows =
      options.direction === 'backwards'
        ? this.stmt.readBackwards.all(streamId, options.fromRevision ?? Number.MAX_SAFE_INTEGER, limit)
        : this.stmt.readForwards.all(streamId, options.fromRevision ?? 0, limit);
    return rows.map(toStoredEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    return this.stmt.readAll.all(Math.max(options.fromPosition ?? 0, 0), options.limit ?? 1000).map(toStoredEvent);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    return pollingSubscription(this.pollingSource, options, this.pollMs);
  }

  private readonly pollingSource: PollingSource = {
    readAll: (options) => this.readAll(options),
    readTypes: async ({ fromPosition, toPosition, limit, eventTypes }) => {
      this.assertOpen();
      return this.typesStatement(eventTypes).all(fromPosition, toPosition, ...eventTypes, limit).map(toStoredEvent);
    },
    headPosition: () => this.headPosition(),
    waitForAppend: (ms) => this.signal.wait(ms),
  };

  /**
   * A subscription keeps its filter for life, so each list of types gets a statement of its own,
   * prepared once (a JSON-array parameter unpacked by json_each cost more than the read of a live page).
   */
  private typesStatement(eventTypes: readonly string[]): Database.Statement<unknown[], EventRow> {
    const key = eventTypes.join('\u0000');
    let statement = this.typeStatements.get(key);
    if (!statement) {
      statement = this.db.prepare(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE position >= ? AND position <= ? AND type IN (${eventTypes.map(() => '?').join(', ')}) ORDER BY position LIMIT ?`,
      );
      if (this.typeStatements.size >= 64) this.typeStatements.clear();
      this.typeStatements.set(key, statement);
    }
    return statement;
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.stmt.head.get()?.head ?? 0;
  }

  async streamRevision(streamId: string): Promise<number | 'no_stream'> {
    this.assertOpen();
    return this.stmt.streamHead.get(streamId)?.revision ?? 'no_stream';
  }

  async ping(): Promise<void> {
    this.assertOpen();
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Appends already requested are committed (or refused) before the connection closes.
    this.flush();
    this.closed = true;
    this.signal.notify();
    // The worker's connection goes first: the last connection to close checkpoints and removes the log.
    await this.checkpointer?.close();
    // Their acknowledgements wait for this fsync (or an earlier one) before the descriptor goes.
    await this.walSync?.sync().catch(() => undefined);
    this.walSync?.close();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('Event store is closed');
    if (this.failure) throw this.failure;
  }

  /** What the background checkpointer has done, when there is one (metrics). */
  walCheckpointStats(): WalCheckpointStats | undefined {
    return this.checkpointer?.stats();
  }

  /** Reports each fsync of the WAL done off the event loop (WalSync.onSynced); none when commits fsync themselves. */
  onWalSynced(listener: WalSyncListener): () => void {
    return this.walSync?.onSynced(listener) ?? (() => undefined);
  }

  /** Whether the connection commits without fsync (synchronous=NORMAL), appends being synced after it (WalSync). */
  get fsyncsOffLoop(): boolean {
    return this.walSync !== undefined;
  }
}

/** Errors that refuse one append (its group commits without it), as opposed to failures of the store. */
function isRefusal(error: unknown): boolean {
  return error instanceof WrongExpectedRevisionError || error instanceof IdempotencyMismatchError;
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.event_id,
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    streamId: row.stream_id,
    revision: row.revision,
    position: row.position,
    hash: row.hash,
  };
}
