import { DocumentCache } from './document-cache.js';

const written = (entries: Record<string, unknown>) =>
  new Map(Object.entries(entries).map(([key, doc]) => [key, { doc, json: doc === null ? null : JSON.stringify(doc) }]));

describe('DocumentCache', () => {
  it('answers what it holds, undefined for what it does not know, and null for what cannot exist while complete', () => {
    const cache = new DocumentCache(1000, true);
    cache.committed(written({ a: { n: 1 } }));
    expect(cache.get('a')).toEqual({ n: 1 });
    expect(cache.get('b')).toBeNull(); // complete: never written, so it does not exist
    const partial = new DocumentCache(1000, false);
    expect(partial.get('b')).toBeUndefined(); // ask the store
  });

  it('forgets deleted documents and keeps the last version written', () => {
    const cache = new DocumentCache(1000, false);
    cache.loaded([['a', { doc: { v: 1 }, bytes: 7 }]]);
    cache.committed(written({ a: { v: 2 }, b: { v: 1 } }));
    cache.committed(written({ b: null }));
    expect([cache.get('a'), cache.get('b'), cache.size]).toEqual([{ v: 2 }, undefined, 1]);
  });

  it('drops the least recently used documents beyond its JSON budget, and still knows which exist', () => {
    const cache = new DocumentCache(30, true);
    cache.committed(written({ a: { x: '0123456' }, b: { x: '0123456' } })); // 15 bytes each
    cache.get('a'); // a is now the most recent
    cache.committed(written({ c: { x: '0123456' } }));
    // b was dropped: ask the store; d was never written: it does not exist.
    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.get('d')]).toEqual([{ x: '0123456' }, undefined, { x: '0123456' }, null]);
    expect(cache.usedBytes).toBe(30);
    expect(cache.complete).toBe(true);
    // A deleted document no longer exists.
    cache.committed(written({ b: null }));
    expect(cache.get('b')).toBeNull();
  });

  it('forgets which documents exist past maxKeys, and then asks the store for what it does not hold', () => {
    const cache = new DocumentCache(1000, true, 2);
    cache.committed(written({ a: 1, b: 2 }));
    expect([cache.get('c'), cache.complete]).toEqual([null, true]);
    cache.committed(written({ c: 3 }));
    expect([cache.get('c'), cache.get('d'), cache.complete]).toEqual([3, undefined, false]);
  });
});
