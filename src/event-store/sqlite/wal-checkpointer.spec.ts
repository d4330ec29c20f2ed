import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventMetadata } from '../event-store.port.js';
import { verifyChain } from '../hash.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import {
  BACKGROUND_AUTOCHECKPOINT_PAGES,
  DEFAULT_AUTOCHECKPOINT_PAGES,
  WalCheckpointer,
  backgroundCheckpoints,
} from './wal-checkpointer.js';

const META: EventMetadata = {
  actor: { sub: 's', name: '测试', roles: ['office'] },
  occurredAt: '2025-03-01',
  recordedAt: '2025-03-01T00:00:00.000Z',
  commandId: 'c',
  correlationId: 'c',
  causationId: 'c',
  schemaVersion: 1,
};

async function until(condition: () => boolean, describe: () => unknown = () => '', timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met in time: ${JSON.stringify(describe())}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('WalCheckpointer (checkpoints of the write-ahead log in a worker thread)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'wal-checkpointer-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The log's counters, read without checkpointing. */
  const logOf = (db: Database.Database) => (db.pragma('wal_checkpoint(NOOP)') as Array<{ log: number; checkpointed: number }>)[0]!;

  it("copies the log of a store's appends into the database file, and the connection only keeps the high bound", async () => {
    const file = join(dir, 'events.db');
    const store = new SqliteEventStore({ filename: file, fsync: 'off-loop', walCheckpoints: 'background' });
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKGROUND_AUTOCHECKPOINT_PAGES);
    const payload = '质量奖'.repeat(400);
    // 1,500 commits of ~7 pages each: over 1,000 pages (where SQLite would checkpoint inside a
    // commit), under the bound of 16,384: every page copied is the worker's.
    for (let i = 0; i < 1500; i++) {
      await store.append(`stream-${i % 50}`, [{ id: randomUUID(), type: 'Noted', data: { i, payload }, metadata: META }]);
    }
    // The worker keeps the uncopied part of the log under its threshold.
    await until(() => logOf(store.db).log - logOf(store.db).checkpointed < DEFAULT_AUTOCHECKPOINT_PAGES, () => logOf(store.db));
    await until(() => (store.walCheckpointStats()?.framesCopied ?? 0) > DEFAULT_AUTOCHECKPOINT_PAGES, () => store.walCheckpointStats());
    const stats = store.walCheckpointStats()!;
    expect(stats).toMatchObject({ running: true });
    expect(stats.checkpoints).toBeGreaterThan(0);
    expect(stats.longestMs).toBeGreaterThan(0);
    await store.close();

    // Everything acknowledged is in the file, chains intact.
    const reopened = new SqliteEventStore({ filename: file });
    const all = await reopened.readAll({ fromPosition: 0, limit: 10_000 });
    expect(all).toHaveLength(1500);
    const first = all.filter((event) => event.streamId === 'stream-0');
    expect(verifyChain(first)).toEqual({ ok: true, checked: 30 });
    await reopened.close();
  });

  /** A database of its own in WAL mode, and a statement that writes a few pages per row. */
  function notesDb(name: string) {
    const db = new Database(join(dir, name));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE notes (text TEXT)');
    const insert = db.prepare('INSERT INTO notes (text) VALUES (?)');
    return { db, insert: (text = '质量奖'.repeat(500)) => insert.run(text) };
  }

  it('once it has caught up, the next writer restarts the log from its beginning', async () => {
    const { db, insert } = notesDb('restart.db');
    const checkpointer = backgroundCheckpoints(db, { minFrames: 1, intervalMs: 10 });
    // One transaction: no restart can come between its rows, so the log holds them all.
    db.transaction(() => {
      for (let i = 0; i < 300; i++) insert();
    })();
    expect(logOf(db).log).toBeGreaterThan(300);
    await until(() => logOf(db).checkpointed === logOf(db).log, () => logOf(db));
    insert('after');
    expect(logOf(db).log).toBeLessThan(5);
    expect(checkpointer.stats().framesCopied).toBeGreaterThan(300);
    await checkpointer.close();
    expect(db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM notes').get()).toEqual({ n: 301 });
    db.close();
  });

  /**
   * A commit about every millisecond (the paced HTTP bench's 500 commands/s commit every ~2 ms)
   * for `count` rows; returns the
   * longest log seen and how often it restarted (its frame count fell).
   */
  async function steadyWrites(db: Database.Database, insert: () => unknown, count: number) {
    let longest = 0;
    let restarts = 0;
    let last = 0;
    for (let i = 0; i < count; i++) {
      insert();
      const { log } = logOf(db);
      if (log < last) restarts += 1;
      last = log;
      longest = Math.max(longest, log);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return { longest, restarts };
  }

  it('restarts a log written to steadily before it reaches the bound, where the writer would checkpoint it on its own thread', async () => {
    // Commits land while a checkpoint runs, so a single pass never copies the log to its end and
    // the log grew to the connection's bound (measured in the server at 500 commands/s: 16,384
    // frames, every ~4 s, then a checkpoint on the server's thread). Catch-up passes end that.
    const { db, insert } = notesDb('steady.db');
    const checkpointer = backgroundCheckpoints(db, { minFrames: 300, restartFrames: 600, intervalMs: 5 });
    const { longest, restarts } = await steadyWrites(db, () => insert('质量奖'.repeat(1500)), 1500);
    // Measured here: 12 restarts and at most 646 frames; with one pass per look (restartFrames
    // out of reach), none and 8,002 frames (~5 per row).
    expect(restarts).toBeGreaterThanOrEqual(3);
    expect(longest).toBeLessThan(3000);
    await checkpointer.close();
    expect(db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM notes').get()).toEqual({ n: 1500 });
    db.close();
  });

  it('leaves a log under its threshold alone: the writer is not made to restart it (and sync its header) at every look', async () => {
    const { db, insert } = notesDb('small.db');
    const checkpointer = backgroundCheckpoints(db, { minFrames: 1000, intervalMs: 10 });
    for (let i = 0; i < 50; i++) insert();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(logOf(db).checkpointed).toBe(0);
    expect(checkpointer.stats().checkpoints).toBe(0);
    await checkpointer.close();
    db.close();
  });

  it('is not started for an in-memory store, nor unless asked', async () => {
    const memory = new SqliteEventStore({ filename: ':memory:', walCheckpoints: 'background' });
    expect(memory.walCheckpointStats()).toBeUndefined();
    await memory.close();
    const plain = new SqliteEventStore({ filename: join(dir, 'plain.db') });
    expect(plain.walCheckpointStats()).toBeUndefined();
    expect(plain.db.pragma('wal_autocheckpoint', { simple: true })).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    await plain.close();
  });

  it('reports a worker that cannot run, and the connection goes back to checkpointing in its commits', async () => {
    const db = new Database(join(dir, 'own.db'));
    db.pragma('journal_mode = WAL');
    const failures: string[] = [];
    const checkpointer = backgroundCheckpoints(db, { filename: join(dir, 'missing', 'nothing.db') });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKGROUND_AUTOCHECKPOINT_PAGES);
    await until(() => !checkpointer.stats().running);
    expect(checkpointer.stats().failure).toBeDefined();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    await checkpointer.close();
    db.close();

    const direct = new WalCheckpointer(join(dir, 'missing', 'other.db'), { onFailure: (reason) => failures.push(reason) });
    await until(() => failures.length > 0);
    expect(failures).toHaveLength(1);
    expect(direct.stats()).toMatchObject({ running: false, checkpoints: 0 });
    await direct.close();
  });

  it('leaves no log behind when the store closes (the worker closes first, the last connection removes it)', async () => {
    const file = join(dir, 'closing.db');
    const store = new SqliteEventStore({ filename: file, fsync: 'off-loop', walCheckpoints: 'background' });
    await store.append('s', [{ id: randomUUID(), type: 'Noted', data: {}, metadata: META }]);
    await store.close();
    expect(() => statSync(`${file}-wal`)).toThrow();
  });
});
