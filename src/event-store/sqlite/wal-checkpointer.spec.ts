import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalCheckpointer } from './wal-checkpointer.js';

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('WalCheckpointer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wal-checkpointer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies the WAL into the database file from its own thread while the writer has auto-checkpoints off', async () => {
    const file = join(dir, 'events.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (doc) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run('质量'.repeat(500));
    })();
    const before = statSync(file).size;
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(2_000_000);
    const checkpointer = WalCheckpointer.start(file, { intervalMs: 20 });
    try {
      await until(() => statSync(file).size > before + 2_000_000);
      expect(checkpointer.running).toBe(true);
    } finally {
      await checkpointer.stop();
    }
    expect(checkpointer.running).toBe(false);
    expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 2000 });
    db.close();
  });

  it('tells its owner when it stops by itself, so that auto-checkpoints can come back', async () => {
    const reasons: string[] = [];
    const checkpointer = WalCheckpointer.start(join(dir, 'no-such-folder', 'events.db'), { onStopped: (reason) => reasons.push(reason) });
    await until(() => !checkpointer.running);
    expect(reasons).toHaveLength(1);
    await checkpointer.stop(); // nothing left to stop
  });
});
