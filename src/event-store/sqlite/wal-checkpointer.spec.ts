import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyChain } from '../hash.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import {
  BACKGROUND_AUTOCHECKPOINT_PAGES,
  DEFAULT_AUTOCHECKPOINT_PAGES,
  WalCheckpointer,
  backgroundCheckpoints,
} from './wal-checkpointer.js';

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

  it("copies the log of a store's appends into the database file, and the connection only keeps the high bound", async () => {
    const file = join(dir, 'events.db');
    const store = new SqliteEventStore({ filename: file, fsync: 'off-loop', walCheckpoints: 'background' });
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKGROUND_AUTOCHECKPOINT_PAGES);
    const payload = '质量奖'.repeat(400);
    // 1,500 commits of 2-3 pages each: more than the 1,000 pages at which SQLite would checkpoint in a commit.
    for (let i = 0; i < 1500; i++) {
      await store.append(`stream-${i % 50}`, [{ id: randomUUID(), type: 'Noted', data: { i, payload }, metadata: {} }]);
    }
    await until(() => (store.walCheckpointStats()?.framesCopied ?? 0) > DEFAULT_AUTOCHECKPOINT_PAGES);
    // Writes back to back: the worker copies behind them. Once it has caught up, the next writer
    // starts the log again from its beginning, with no checkpoint in its commit (the bound is far).
    const log = () => store.db.pragma('wal_checkpoint(NOOP)')[0] as { log: number; checkpointed: number };
    await until(() => log().checkpointed === log().log, log);
    const caughtUp = log();
    expect(caughtUp.log).toBeGreaterThan(DEFAULT_AUTOCHECKPOINT_PAGES);
    expect(caughtUp.log).toBeLessThan(BACKGROUND_AUTOCHECKPOINT_PAGES);
    await store.append('stream-0', [{ id: randomUUID(), type: 'Noted', data: { i: 1500, payload }, metadata: {} }]);
    expect(log().log).toBeLessThan(20);
    await until(() => store.walCheckpointStats()!.logFrames < 20, () => store.walCheckpointStats());
    const stats = store.walCheckpointStats()!;
    expect(stats).toMatchObject({ running: true });
    expect(stats.checkpoints).toBeGreaterThan(1);
    expect(stats.framesCopied).toBeGreaterThanOrEqual(caughtUp.log);
    await store.close();

    // Everything acknowledged is in the file, chains intact.
    const reopened = new SqliteEventStore({ filename: file });
    const all = await reopened.readAll({ fromPosition: 0, limit: 10_000 });
    expect(all).toHaveLength(1501);
    const first = all.filter((event) => event.streamId === 'stream-0');
    expect(verifyChain(first)).toEqual({ ok: true, checked: 31 });
    await reopened.close();
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
    await store.append('s', [{ id: randomUUID(), type: 'Noted', data: {}, metadata: {} }]);
    await store.close();
    expect(() => statSync(`${file}-wal`)).toThrow();
  });
});
