import { CheckpointConflictError, type DocumentQuery, type ProjectionStore, type StoredDocument } from './projection-store.port.js';

const AT = '2025-03-01T00:00:00.000Z';

export interface ProjectionStoreFixture {
  /** Another store on the same database each call, as another process would open it. */
  open(): Promise<ProjectionStore>;
  /** Closes what open() returned and removes the database. */
  dispose(): Promise<void>;
}

/** The ProjectionStore port's behaviour, run by every adapter's spec. */
export function projectionStoreContract(name: string, fixture: () => Promise<ProjectionStoreFixture>): void {
  describe(`${name} projection store (contract)`, () => {
    let db: ProjectionStoreFixture;
    let store: ProjectionStore;
    beforeEach(async () => {
      db = await fixture();
      store = await db.open();
      await store.init();
      await store.createGeneration('p', 1, AT);
    });
    afterEach(() => db.dispose());

    const json = (changes: Record<string, unknown>, index: (doc: unknown) => string | null = () => null) =>
      new Map(
        Object.entries(changes).map(([key, doc]): [string, StoredDocument | null] => [key, doc === null ? null : { json: JSON.stringify(doc), index: index(doc) }]),
      );
    const batch = (fromPosition: number, toPosition: number, changes: Record<string, unknown>, generation = 1, projection = 'p') =>
      ({ projection, generation, fromPosition, toPosition, lastEventRecordedAt: AT, updatedAt: AT, changes: json(changes) });
    const commit = (fromPosition: number, toPosition: number, changes: Record<string, unknown>, generation = 1, on = store) =>
      on.commit(batch(fromPosition, toPosition, changes, generation));
    const loaded = async (generation: number, keys: string[]) =>
      new Map([...(await store.load('p', generation, keys))].map(([key, text]) => [key, JSON.parse(text) as unknown]));

    it('makes the first generation active at once', async () => {
      expect(await store.state('p')).toMatchObject({ active: 1, generations: [{ generation: 1, status: 'live', position: 0, version: 1 }] });
    });

    it('knows nothing of a projection never registered', async () => {
      expect(await store.state('nope')).toEqual({ active: null, generations: [] });
      expect(await store.activeCheckpoint('nope')).toBeNull();
      expect(await store.get('nope', 'a')).toBeNull();
      expect(await store.list('nope')).toEqual([]);
      expect(await store.count('nope')).toBe(0);
    });

    it('writes documents with the checkpoint, deletes on null, and loads a generation by key', async () => {
      await commit(0, 3, { a: { n: 1 }, b: { n: 2 }, c: { n: 3 } });
      await commit(3, 4, { b: null, c: { n: 4 } });
      expect(await store.activeCheckpoint('p')).toEqual({ generation: 1, position: 4 });
      expect((await store.state('p')).generations[0]).toMatchObject({ position: 4, lastEventRecordedAt: AT, updatedAt: AT });
      expect(await loaded(1, ['a', 'b', 'c', 'missing'])).toEqual(new Map([['a', { n: 1 }], ['c', { n: 4 }]]));
      await expect(commit(4, 4, { a: 1 })).rejects.toThrow(/forward/);
    });

    it('returns documents as written: Chinese, characters outside the BMP, escapes', async () => {
      const doc = { name: '济南某某质量有限公司 𠮷 😀', nul: 'a\u0000b', quote: '"\\', nested: { list: [1, 2.5, true, null] } };
      await commit(0, 1, { '申报:1': doc });
      expect(await store.get('p', '申报:1')).toEqual(doc);
    });

    describe('when a batch fails inside its transaction', () => {
      it('shows nothing of the batch and leaves the checkpoint where it was', async () => {
        await commit(0, 3, { a: { n: 1 } });
        // The third document fails after the checkpoint moved and the first two were written.
        const failing = new Map<string, StoredDocument | null>([['a', { json: '{"n":2}', index: null }], ['b', { json: '{"n":1}', index: null }]]);
        const entries = failing.entries.bind(failing);
        failing.entries = function* () {
          yield* entries();
          throw new Error('disk on fire');
        };
        failing[Symbol.iterator] = failing.entries;
        await expect(store.commit({ ...batch(3, 9, {}), changes: failing })).rejects.toThrow('disk on fire');
        expect(await store.activeCheckpoint('p')).toEqual({ generation: 1, position: 3 });
        expect(await store.list('p')).toEqual([{ key: 'a', doc: { n: 1 } }]);
      });
    });

    describe('an index', () => {
      const due = (doc: unknown) => (doc as { due?: string }).due ?? null;
      const commitIndexed = (fromPosition: number, toPosition: number, changes: Record<string, unknown>) =>
        store.commit({ ...batch(fromPosition, toPosition, {}), changes: json(changes, due) });

      it('lists the documents with an index value in its order, within inclusive bounds, leaving out those without one', async () => {
        await commitIndexed(0, 1, {
          a: { due: '2025-03-05T16:00:00.000Z' },
          b: { due: '2025-03-01T16:00:00.000Z' },
          c: { none: true },
          d: { due: '2025-03-05T16:00:00.000Z' },
          e: { due: '2025-04-01T16:00:00.000Z' },
        });
        const keys = async (query: DocumentQuery) => (await store.list('p', query)).map((d) => d.key);
        expect(await keys({ index: {} })).toEqual(['b', 'a', 'd', 'e']);
        expect(await keys({ index: { to: '2025-03-05T16:00:00.000Z' } })).toEqual(['b', 'a', 'd']);
        expect(await keys({ index: { from: '2025-03-02', to: '2025-03-31' } })).toEqual(['a', 'd']);
        expect(await keys({ index: {}, limit: 2, direction: 'desc' })).toEqual(['e', 'd']);
        expect(await store.count('p', { index: { from: '2025-03-02' } })).toBe(3);
        // A rewrite moves the document in the index, or out of it.
        await commitIndexed(1, 2, { e: { due: '2025-01-01T00:00:00.000Z' }, b: { none: true } });
        expect(await keys({ index: {} })).toEqual(['e', 'a', 'd']);
        await expect(store.list('p', { index: {}, where: { due: 'x' } })).rejects.toThrow(/index query/);
      });

      it('answers from the active generation only', async () => {
        await commitIndexed(0, 1, { a: { due: '2025-03-01' } });
        await store.createGeneration('p', 2, AT);
        await store.commit({ ...batch(0, 1, {}, 2), changes: json({ b: { due: '2025-03-01' } }, due) });
        expect((await store.list('p', { index: {} })).map((d) => d.key)).toEqual(['a']);
      });
    });

    describe('several batches in one commit', () => {
      beforeEach(() => store.createGeneration('q', 1, AT));

      it('writes every batch, each with its own checkpoint', async () => {
        await store.commit([batch(0, 7, { a: 1 }), batch(0, 7, { b: 2 }, 1, 'q')]);
        expect(await store.activeCheckpoint('p')).toEqual({ generation: 1, position: 7 });
        expect(await store.activeCheckpoint('q')).toEqual({ generation: 1, position: 7 });
        expect([await store.get('p', 'a'), await store.get('q', 'b')]).toEqual([1, 2]);
      });

      it('writes nothing of any batch when one is refused, and names the one refused', async () => {
        await commit(0, 3, { a: 1 });
        const error = await store.commit([batch(3, 5, { a: 2 }), batch(1, 5, { b: 2 }, 1, 'q')]).catch((e) => e);
        expect(error).toBeInstanceOf(CheckpointConflictError);
        expect(error).toMatchObject({ projection: 'q', generation: 1, expected: 1, actual: 0 });
        expect(await store.get('p', 'a')).toBe(1);
        expect(await store.activeCheckpoint('p')).toEqual({ generation: 1, position: 3 });
        expect(await store.count('q')).toBe(0);
      });

      it('refuses the same generation twice in one commit', async () => {
        await expect(store.commit([batch(0, 1, { a: 1 }), batch(1, 2, { a: 2 })])).rejects.toThrow(/twice/);
        expect(await store.activeCheckpoint('p')).toEqual({ generation: 1, position: 0 });
      });
    });

    it('refuses a batch computed from another checkpoint (the guard against applying twice)', async () => {
      await commit(0, 5, { a: 1 });
      await expect(commit(0, 5, { a: 2 })).rejects.toBeInstanceOf(CheckpointConflictError);
      const error = await commit(4, 6, { a: 2 }).catch((e) => e);
      expect(error).toBeInstanceOf(CheckpointConflictError);
      expect(error).toMatchObject({ expected: 4, actual: 5 });
      expect(await store.get('p', 'a')).toBe(1);
    });

    it('lets exactly one of two writers racing from the same checkpoint through', async () => {
      const other = await db.open();
      const results = await Promise.allSettled([commit(0, 5, { a: 'mine', x: 1 }), commit(0, 5, { a: 'theirs', y: 1 }, 1, other)]);
      const won = results.findIndex((r) => r.status === 'fulfilled');
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(won).toBeGreaterThanOrEqual(0);
      expect(lost.reason).toBeInstanceOf(CheckpointConflictError);
      expect(await store.list('p')).toEqual(won === 0 ? [{ key: 'a', doc: 'mine' }, { key: 'x', doc: 1 }] : [{ key: 'a', doc: 'theirs' }, { key: 'y', doc: 1 }]);
    });

    it('numbers generations of a new projection once when two writers register it at the same time', async () => {
      const other = await db.open();
      const created = await Promise.all([store.createGeneration('q', 1, AT), other.createGeneration('q', 1, AT)]);
      expect(created.map((g) => `${g.generation}:${g.status}`).sort()).toEqual(['1:live', '2:building']);
      expect(await store.state('q')).toMatchObject({ active: 1 });
    });

    it('builds a new generation beside the active one and switches in one step, deleting the old', async () => {
      await commit(0, 2, { a: 'old' });
      const building = await store.createGeneration('p', 2, AT);
      expect(building).toMatchObject({ generation: 2, status: 'building' });
      await commit(0, 2, { a: 'new', b: 'new' }, 2);
      expect(await store.get('p', 'a')).toBe('old');
      expect(await store.count('p')).toBe(1);
      await store.activate('p', 2);
      expect(await store.get('p', 'a')).toBe('new');
      expect(await store.state('p')).toMatchObject({ active: 2, generations: [{ generation: 2, status: 'live', version: 2 }] });
      expect(await loaded(1, ['a'])).toEqual(new Map());
      // The old generation's writer finds its checkpoint gone.
      await expect(commit(2, 3, { a: 'stale' })).rejects.toBeInstanceOf(CheckpointConflictError);
      await expect(store.activate('p', 1)).rejects.toBeInstanceOf(CheckpointConflictError);
      // Numbers are not reused after a drop.
      await store.createGeneration('p', 3, AT);
      await store.dropGeneration('p', 3);
      expect((await store.createGeneration('p', 3, AT)).generation).toBe(4);
      await expect(store.dropGeneration('p', 2)).rejects.toThrow(/active/);
    });

    it('filters on JSON fields with plain equality, one-of lists, null, prefixes and ordering', async () => {
      await commit(0, 1, {
        'app:1': { status: 'submitted', score: 80, shortlisted: true, who: { kind: 'org' } },
        'app:2': { status: 'withdrawn', score: 60, shortlisted: false, who: { kind: 'person' } },
        'app:3': { status: 'submitted', score: 90, shortlisted: false, who: { kind: 'org' }, note: null },
        'prog:1': { status: 'open' },
      });
      const keys = async (query: DocumentQuery) => (await store.list('p', query)).map((d) => d.key);
      expect(await keys({ where: { status: 'submitted' } })).toEqual(['app:1', 'app:3']);
      expect(await keys({ where: { shortlisted: true } })).toEqual(['app:1']);
      expect(await keys({ where: { 'who.kind': 'org', score: 90 } })).toEqual(['app:3']);
      expect(await keys({ where: { status: ['withdrawn', 'open'] } })).toEqual(['app:2', 'prog:1']);
      expect(await keys({ where: { score: null } })).toEqual(['prog:1']);
      expect(await keys({ where: { score: [null, 60] } })).toEqual(['app:2', 'prog:1']);
      expect(await keys({ where: { score: [] } })).toEqual([]);
      // A number is not the string of its digits.
      expect(await keys({ where: { score: '90' } })).toEqual([]);
      expect(await keys({ keyPrefix: 'app:', orderBy: 'score', direction: 'desc', limit: 2 })).toEqual(['app:3', 'app:1']);
      expect(await keys({ keyPrefix: 'app:', offset: 2 })).toEqual(['app:3']);
      expect(await keys({ direction: 'desc', limit: 1, offset: 1 })).toEqual(['app:3']);
      expect(await keys({ limit: 0 })).toEqual([]);
      expect(await store.count('p', { where: { status: 'submitted' } })).toBe(2);
      expect(await store.count('p', { keyPrefix: 'app:' })).toBe(3);
      expect(await store.count('p', { keyPrefix: 'app:', where: { shortlisted: false } })).toBe(2);
      expect(await keys({ keyPrefix: '%' })).toEqual([]);
      expect(await keys({ keyPrefix: 'app_' })).toEqual([]);
      await expect(keys({ where: { "x') OR 1=1 --": 1 } })).rejects.toThrow(/field path/);
      await expect(keys({ orderBy: 'a..b' })).rejects.toThrow(/field path/);
    });

    it('matches a key prefix literally and case-sensitively', async () => {
      await commit(0, 1, { 'App:1': 1, 'app:1': 2, app_1: 3, '应用:1': 4 });
      expect(await store.list('p', { keyPrefix: 'app:' })).toEqual([{ key: 'app:1', doc: 2 }]);
      expect(await store.list('p', { keyPrefix: 'app_' })).toEqual([{ key: 'app_1', doc: 3 }]);
      expect(await store.list('p', { keyPrefix: '应用:' })).toEqual([{ key: '应用:1', doc: 4 }]);
    });

    // The prefix is a key range [prefix, prefix with its last code point + 1): these are the
    // places where "+ 1" is not one UTF-16 unit more (U+D7FF → U+E000, U+FFFF → U+10000, a
    // surrogate pair, U+10FFFF carrying into the code point before it).
    it('matches a key prefix exactly at the edges of the code point range', async () => {
      const keys = ['k\uD7FF', 'k\uD7FFz', 'k\uE000', 'k\uFFFE', 'k\uFFFF', 'k\uFFFF\uFFFF', 'k\u{10000}', '𠮷', '𠮷:1', '𠮸', 'k\u{10FFFE}', 'k\u{10FFFF}', 'k\u{10FFFF}\u{10FFFF}', 'l', '\u{10FFFF}', '\u{10FFFF}a'];
      await commit(0, 1, Object.fromEntries(keys.map((key, i) => [key, i])));
      const list = async (keyPrefix: string) => (await store.list('p', { keyPrefix })).map((d) => d.key);
      expect(await list('k\uD7FF')).toEqual(['k\uD7FF', 'k\uD7FFz']);
      expect(await list('k\uFFFF')).toEqual(['k\uFFFF', 'k\uFFFF\uFFFF']);
      expect(await list('𠮷')).toEqual(['𠮷', '𠮷:1']);
      expect(await list('k\u{10FFFF}')).toEqual(['k\u{10FFFF}', 'k\u{10FFFF}\u{10FFFF}']);
      expect(await list('\u{10FFFF}')).toEqual(['\u{10FFFF}', '\u{10FFFF}a']);
      expect(await list('k')).toEqual(keys.slice(0, 7).concat(keys.slice(10, 13)));
      expect(await store.count('p', { keyPrefix: 'k\u{10FFFF}', where: { nope: null } })).toBe(2);
      expect(await list('k\u{10FFFF}\u{10FFFF}\u{10FFFF}')).toEqual([]);
    });

    it('orders as SQLite does: nulls first, numbers, then text; keys and text by code point', async () => {
      await commit(0, 1, {
        a: { s: 2 },
        B: { s: 'x' },
        é: {},
        '\uE000': { s: 1.5 },
        '𠮷': { s: null },
        A: { s: true },
        c: { s: [1] },
      });
      const keys = async (query: DocumentQuery) => (await store.list('p', query)).map((d) => d.key);
      expect(await keys({})).toEqual(['A', 'B', 'a', 'c', 'é', '\uE000', '𠮷']);
      expect(await keys({ direction: 'desc' })).toEqual(['𠮷', '\uE000', 'é', 'c', 'a', 'B', 'A']);
      expect(await keys({ orderBy: 's' })).toEqual(['é', '𠮷', 'A', '\uE000', 'a', 'c', 'B']);
      expect(await keys({ orderBy: 's', direction: 'desc' })).toEqual(['B', 'c', 'a', '\uE000', 'A', '𠮷', 'é']);
      expect(await keys({ orderBy: 's', limit: 3, offset: 1 })).toEqual(['𠮷', 'A', '\uE000']);
      expect(await keys({ orderBy: 'key', direction: 'desc', limit: 2 })).toEqual(['𠮷', '\uE000']);
    });
  });
}
