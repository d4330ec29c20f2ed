import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdempotencyMismatchError, type NewEvent, WrongExpectedRevisionError } from '../event-store.port.js';
import { canonicalJson, verifyChain } from '../hash.js';
import { SqliteEventStore } from './sqlite-event-store.js';

const event = (type: string): NewEvent => ({
  id: randomUUID(),
  type,
  data: { note: '质量' },
  metadata: {
    actor: { sub: 'u', name: '王芳', roles: ['office'] },
    occurredAt: '2025-03-01',
    recordedAt: '2025-03-01T02:00:00.000Z',
    commandId: randomUUID(),
    correlationId: randomUUID(),
    causationId: randomUUID(),
    schemaVersion: 1,
  },
});

describe('SQLite group commit (appends requested in one event-loop turn share one transaction)', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'es-group-'));
    store = new SqliteEventStore({ filename: join(dir, 'events.db') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits every accepted append of a group and refuses only the ones whose revision is stale', async () => {
    // All requested before any await: one group. Five race for the same new stream.
    const distinct = Array.from({ length: 20 }, (_, i) => store.append(`app-${i}`, [event('A'), event('B')], { expectedRevision: 'no_stream' }));
    const racing = Array.from({ length: 5 }, () => store.append('contested', [event('C')], { expectedRevision: 'no_stream' }));
    const settled = await Promise.allSettled([...distinct, ...racing]);
    expect(settled.slice(0, 20).every((s) => s.status === 'fulfilled')).toBe(true);
    const contested = settled.slice(20);
    expect(contested.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    for (const refused of contested.filter((s) => s.status === 'rejected')) {
      expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
    }
    // Nothing of a refused append is visible; the global order stays 1..head without a gap.
    const all = await store.readAll({ limit: 1000 });
    expect(all.map((e) => e.position)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    expect(await store.readStream('contested')).toHaveLength(1);
    for (let i = 0; i < 20; i++) expect(verifyChain(await store.readStream(`app-${i}`)).ok).toBe(true);
  });

  it('numbers batches of any size gap-free, whether alone or grouped', async () => {
    // Sizes around the multi-row chunks (EventWriter), alone and as one group.
    const sizes = [1, 2, 3, 63, 64, 65, 100, 130];
    const results = [];
    for (const size of sizes) results.push(await store.append(`alone-${size}`, Array.from({ length: size }, () => event('A'))));
    results.push(...(await Promise.all(sizes.map((size) => store.append(`grouped-${size}`, Array.from({ length: size }, () => event('B')))))));
    const all = await store.readAll({ limit: 10_000 });
    expect(all.map((e) => e.position)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    expect(results.flatMap((r) => r.events.map((e) => [e.position, e.hash]))).toEqual(all.map((e) => [e.position, e.hash]));
    for (const result of results) {
      expect(result.position).toBe(result.events.at(-1)!.position);
      expect(verifyChain(await store.readStream(result.streamId)).ok).toBe(true);
    }
  });

  it('refuses a batch mixing new and stored ids (a later one, or one twice) and commits the rest of its group', async () => {
    const stored = event('A');
    await store.append('mixed', [stored], { expectedRevision: 'no_stream' });
    const twice = event('T');
    const many = (n: number) => Array.from({ length: n }, () => event('C'));
    // One group: the refused appends' rows are inserted before the conflict, then rolled back;
    // the stored id sits in a multi-row chunk of the 70-event batch.
    const before = store.append('before', [event('B'), event('B')]);
    const mixed = store.append('mixed', [...many(50), stored, ...many(19)]);
    const repeated = store.append('repeated', [twice, event('D'), twice]);
    const after = store.append('after', [event('E')]);
    const [b, m, r, a] = await Promise.allSettled([before, mixed, repeated, after]);
    expect(b.status).toBe('fulfilled');
    expect((m as PromiseRejectedResult).reason).toBeInstanceOf(IdempotencyMismatchError);
    expect((r as PromiseRejectedResult).reason).toBeInstanceOf(IdempotencyMismatchError);
    expect(a.status).toBe('fulfilled');
    expect(await store.readStream('mixed')).toHaveLength(1);
    expect(await store.readStream('repeated')).toHaveLength(0);
    const all = await store.readAll({ limit: 1000 });
    expect(all.map((e) => e.position)).toEqual([1, 2, 3, 4]);
    expect(all.map((e) => e.streamId)).toEqual(['mixed', 'before', 'before', 'after']);
    expect(verifyChain(await store.readStream('before')).ok).toBe(true);
    // Refused alone, the same batch leaves nothing either, and the store goes on.
    await expect(store.append('mixed', [...many(50), stored])).rejects.toBeInstanceOf(IdempotencyMismatchError);
    expect(await store.readAll({ limit: 1000 })).toHaveLength(4);
    expect((await store.append('after', many(70))).events[0]!.position).toBe(5);
  });

  it('stores data and metadata as the canonical JSON text the hash covers', async () => {
    const e = { ...event('A'), data: { z: '质量 "评审"', a: [1, undefined, -0], big: '质'.repeat(30_000) } };
    const [written] = (await store.append('text', [e])).events;
    const row = store.db.prepare('SELECT typeof(data) AS dataType, typeof(metadata) AS metadataType, data, metadata FROM events').get() as Record<string, string>;
    expect(row).toEqual({ dataType: 'text', metadataType: 'text', data: canonicalJson(e.data), metadata: canonicalJson(e.metadata) });
    const [read] = await store.readStream('text');
    expect(read!.data).toEqual(JSON.parse(canonicalJson(e.data)));
    expect(verifyChain([read!]).ok).toBe(true);
    expect(read!.hash).toBe(written!.hash);
  });

  it('chains appends to one stream within a group in request order', async () => {
    const first = store.append('s', [event('A')], { expectedRevision: 'no_stream' });
    const second = store.append('s', [event('B')], { expectedRevision: 0 });
    const retry = store.append('s', [event('C')], { expectedRevision: 0 });
    const [a, b, c] = await Promise.allSettled([first, second, retry]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('fulfilled');
    expect((c as PromiseRejectedResult).reason).toMatchObject({ code: 'CONCURRENCY_CONFLICT', actualRevision: 1 });
    expect(verifyChain(await store.readStream('s'))).toEqual({ ok: true, checked: 2 });
  });

  it('commits appends still pending when the store is closed, then refuses new ones', async () => {
    const pending = store.append('late', [event('A')]);
    await store.close();
    await expect(pending).resolves.toMatchObject({ nextExpectedRevision: 0 });
    await expect(store.append('late', [event('B')])).rejects.toThrow('closed');
    store = new SqliteEventStore({ filename: join(dir, 'events.db') });
    expect(await store.readStream('late')).toHaveLength(1);
  });
});
