import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewEvent, ReadStreamOptions, StoredEvent } from '../event-store/event-store.port.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { FoldCache, Lru, StreamCache } from './stream-cache.js';

const event = (n: number): NewEvent => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: 'Counted',
  data: { n, note: '第十七条' },
  metadata: {
    actor: { sub: 's', name: '测试', roles: ['office'] },
    occurredAt: '2025-03-01',
    recordedAt: '2025-03-01T00:00:00.000Z',
    commandId: `c${n}`,
    correlationId: `c${n}`,
    causationId: `c${n}`,
    schemaVersion: 1,
  },
});

describe('StreamCache', () => {
  let dir: string;
  let store: SqliteEventStore;
  let reads: Array<ReadStreamOptions | undefined>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stream-cache-'));
    store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    reads = [];
    const readStream = store.readStream.bind(store);
    store.readStream = (streamId, options) => {
      reads.push(options);
      return readStream(streamId, options);
    };
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a known stream from the revision after the one it holds, and returns the whole stream', async () => {
    const cache = new StreamCache(store);
    await store.append('s-1', [event(0), event(1)]);
    const first = await cache.read('s-1');
    expect(first).toMatchObject({ streamId: 's-1', revision: 1 });
    await store.append('s-1', [event(2)]);
    const second = await cache.read('s-1');
    expect(second.revision).toBe(2);
    expect(second.events.map((e) => e.data.n)).toEqual([0, 1, 2]);
    // The first two events are the objects read the first time: the prefix is never read again.
    expect(second.events[1]).toBe(first.events[1]);
    expect(reads).toEqual([undefined, { fromRevision: 2 }]);
    expect(await cache.read('s-1')).toBe(second); // nothing new: the same read
    expect(reads).toEqual([undefined, { fromRevision: 2 }, { fromRevision: 3 }]);
  });

  it('sees what another process appended, since the tail always comes from the store', async () => {
    const cache = new StreamCache(store);
    await store.append('s-1', [event(0)]);
    await cache.read('s-1');
    const other = new SqliteEventStore({ filename: join(dir, 'events.db') });
    await other.append('s-1', [event(1)], { expectedRevision: 0 });
    await other.close();
    expect((await cache.read('s-1')).events.map((e) => e.data.n)).toEqual([0, 1]);
  });

  it('does not remember a stream that does not exist yet', async () => {
    const cache = new StreamCache(store);
    expect(await cache.read('s-new')).toEqual({ streamId: 's-new', events: [], revision: 'no_stream' });
    await store.append('s-new', [event(0)]);
    expect((await cache.read('s-new')).revision).toBe(0);
    expect(reads).toEqual([undefined, undefined]);
  });

  it('grows a held stream by what was appended after it, in the form a read of the store returns', async () => {
    const cache = new StreamCache(store);
    await store.append('s-1', [event(0)]);
    await cache.read('s-1');
    // Members a read never returns: undefined, a Date; keys out of order.
    const appended = { ...event(1), data: { z: 1, a: undefined, when: new Date('2025-03-01T00:00:00Z'), n: 1 } };
    cache.appended([await store.append('s-1', [appended as never], { expectedRevision: 0 })]);
    const held = await cache.read('s-1', false);
    expect(held.revision).toBe(1);
    expect(held.events).toEqual(await store.readStream('s-1'));
    expect(Object.keys(held.events[1]!.data)).toEqual(Object.keys((await store.readStream('s-1'))[1]!.data));
    reads.length = 0;
    expect(await cache.read('s-1', false)).toBe(held); // a decision's first attempt: no read at all
    expect(reads).toEqual([]);
  });

  it('drops a held stream that an append does not directly follow (another writer got there first)', async () => {
    const cache = new StreamCache(store);
    await store.append('s-1', [event(0)]);
    await cache.read('s-1');
    await store.append('s-1', [event(1)], { expectedRevision: 0 }); // not through this cache
    cache.appended([await store.append('s-1', [event(2)], { expectedRevision: 1 })]);
    expect(cache.held('s-1')).toBeUndefined();
    expect((await cache.read('s-1')).events.map((e) => e.data.n)).toEqual([0, 1, 2]);
  });

  it('keeps at most its capacity, dropping the least recently used', async () => {
    const cache = new StreamCache(store, 2);
    for (const id of ['a', 'b', 'c']) await store.append(id, [event(0)]);
    await cache.read('a');
    await cache.read('b');
    await cache.read('a'); // a is now the most recent
    await cache.read('c'); // drops b
    reads.length = 0;
    await cache.read('a'); // still held: only its tail is read
    await cache.read('b'); // dropped: read whole
    expect(reads).toEqual([{ fromRevision: 1 }, undefined]);
  });
});

describe('FoldCache', () => {
  interface Sum {
    events: StoredEvent[];
    total: number;
    folds: number;
  }
  const stored = (n: number): StoredEvent => ({ ...event(n), streamId: 's', revision: n, position: n + 1, hash: '' });
  const fold = (events: StoredEvent[]): Sum => ({ events, total: events.reduce((t, e) => t + (e.data.n as number), 0), folds: 1 });
  const extend = (known: Sum, events: StoredEvent[]): Sum => ({
    events,
    total: events.slice(known.events.length).reduce((t, e) => t + (e.data.n as number), known.total),
    folds: known.folds,
  });

  it('continues the fold of a prefix it has seen, and equals a fold from scratch', () => {
    const cache = new FoldCache<Sum>();
    const events = [stored(0), stored(1), stored(2)];
    const first = cache.fold('s', events.slice(0, 2), fold, extend);
    const longer = cache.fold('s', events, fold, extend);
    expect(longer).toEqual({ ...fold(events), folds: 1 });
    expect(longer.folds).toBe(first.folds); // extended, not folded again
    expect(cache.fold('s', events, fold, extend)).toBe(longer);
  });

  it('folds again from scratch when the events are not the prefix it folded (other objects)', () => {
    const cache = new FoldCache<Sum>();
    cache.fold('s', [stored(0), stored(1)], fold, extend);
    const reread = [stored(0), stored(1), stored(5)];
    let folded = 0;
    const result = cache.fold('s', reread, (events) => (folded++, fold(events)), extend);
    expect(folded).toBe(1);
    expect(result.total).toBe(6);
  });

  it('keeps at most its capacity', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.get('a');
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c'), lru.size]).toEqual([1, undefined, 3, 2]);
  });
});
