import { fsync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from './sqlite-event-store.js';
import { WalSync } from './wal-sync.js';

describe('WalSync', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wal-sync-'));
    file = join(dir, 'events.db-wal');
    writeFileSync(file, 'frames');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** An fsync that waits to be released, counting calls. */
  function gatedFsync() {
    const calls: Array<() => void> = [];
    const fn = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      calls.push(() => fsync(fd, callback));
    }) as typeof fsync;
    return { fn, calls };
  }

  it('resolves only after an fsync that began after the call, and covers every call waiting in one', async () => {
    const gate = gatedFsync();
    const sync = new WalSync(file, gate.fn);
    const first = sync.sync();
    expect(gate.calls).toHaveLength(1);
    // Commits made while that fsync runs wait for the next one: together.
    let later = 0;
    const waiting = [sync.sync(), sync.sync(), sync.sync()].map((p) => p.then(() => (later += 1)));
    expect(gate.calls).toHaveLength(1);
    gate.calls[0]!();
    await first;
    expect(later).toBe(0);
    expect(gate.calls).toHaveLength(2);
    gate.calls[1]!();
    await Promise.all(waiting);
    expect(later).toBe(3);
    sync.close();
  });

  it('tells its listeners how long each fsync took and how many commits it acknowledged; a failing listener changes nothing', async () => {
    const gate = gatedFsync();
    const sync = new WalSync(file, gate.fn);
    const seen: Array<[number, number]> = [];
    sync.onSynced(() => {
      throw new Error('a broken observer');
    });
    const stop = sync.onSynced((seconds, commits) => seen.push([seconds, commits]));
    const first = sync.sync();
    const more = [sync.sync(), sync.sync()];
    gate.calls[0]!();
    await first;
    gate.calls[1]!();
    await Promise.all(more);
    expect(seen.map(([, commits]) => commits)).toEqual([1, 2]);
    for (const [seconds] of seen) expect(seconds).toBeGreaterThanOrEqual(0);
    stop();
    const last = sync.sync();
    gate.calls[2]!();
    await last;
    expect(seen).toHaveLength(2);
    sync.close();
  });

  it('rejects the waiters of a failed fsync', async () => {
    const failing = ((_fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      setImmediate(() => callback(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })));
    }) as typeof fsync;
    const sync = new WalSync(file, failing);
    await expect(sync.sync()).rejects.toThrow('EIO');
    sync.close();
  });

  it('follows the file when it was replaced (a new WAL after every connection closed)', async () => {
    const sync = new WalSync(file);
    await sync.sync();
    renameSync(file, `${file}.old`);
    writeFileSync(file, 'new frames');
    await expect(sync.sync()).resolves.toBeUndefined();
    sync.close();
  });
});

describe('SqliteEventStore with fsync off the event loop', () => {
  const event = () => ({
    id: randomUUID(),
    type: 'Tested',
    data: { n: 1 },
    metadata: { actor: { sub: 's', name: '测试', roles: ['office'] }, occurredAt: '2025-03-01', recordedAt: '2025-03-01T00:00:00.000Z', commandId: 'c', correlationId: 'c', causationId: 'c', schemaVersion: 1 },
  });

  it('acknowledges appends after the fsync; a failed fsync fails them and every later call, as the store may have lost them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wal-sync-store-'));
    const store = new SqliteEventStore({ filename: join(dir, 'events.db'), fsync: 'off-loop' });
    try {
      expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL: no fsync inside COMMIT
      await expect(store.append('s-1', [event()])).resolves.toMatchObject({ nextExpectedRevision: 0 });
      (store as unknown as { walSync: WalSync }).walSync.sync = () => Promise.reject(new Error('EIO: i/o error'));
      await expect(store.append('s-1', [event()])).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(store.readStream('s-1')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      (store as unknown as { failure: undefined }).failure = undefined;
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
