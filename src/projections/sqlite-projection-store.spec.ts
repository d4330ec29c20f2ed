import Database from 'better-sqlite3';
import { CheckpointConflictError } from './projection-store.port.js';
import { SqliteProjectionStore } from './sqlite-projection-store.js';

const AT = '2025-03-01T00:00:00.000Z';

describe('SQLite projection store', () => {
  let store: SqliteProjectionStore;
  beforeEach(async () => {
    store = new SqliteProjectionStore(new Database(':memory:'), true);
    await store.createGeneration('p', 1, AT);
  });
  afterEach(() => store.close());

  const commit = (fromPosition: number, toPosition: number, changes: Record<string, unknown>, generation = 1) =>
    store.commit({ projection: 'p', generation, fromPosition, toPosition, lastEventRecordedAt: AT, updatedAt: AT, changes: new Map(Object.entries(changes)) });

  it('makes the first generation active at once', async () => {
    expect(await store.state('p')).toMatchObject({ active: 1, generations: [{ generation: 1, status: 'live', position: 0, version: 1 }] });
  });

  describe('when a batch fails inside its transaction', () => {
    it('shows nothing of the batch and leaves the checkpoint where it was', async () => {
      await commit(0, 3, { a: { n: 1 } });
      // Fails after the checkpoint update and two document writes of the same transaction.
      const poison = { toJSON: () => { throw new Error('disk on fire'); } };
      await expect(commit(3, 9, { a: { n: 2 }, b: { n: 1 }, boom: poison })).rejects.toThrow('disk on fire');
      expect(await store.activeCheckpoint('p')).toEqual({ generation: 1, position: 3 });
      expect(await store.list('p')).toEqual([{ key: 'a', doc: { n: 1 } }]);
      // A value JSON cannot hold fails the same way.
      await expect(commit(3, 9, { a: { n: 3 }, c: { big: 1n } })).rejects.toThrow(/BigInt/);
      expect(await store.get('p', 'a')).toEqual({ n: 1 });
      expect((await store.state('p')).generations[0]!.position).toBe(3);
    });
  });

  it('refuses a batch computed from another checkpoint (the guard against applying twice)', async () => {
    await commit(0, 5, { a: 1 });
    await expect(commit(0, 5, { a: 2 })).rejects.toBeInstanceOf(CheckpointConflictError);
    await expect(commit(4, 6, { a: 2 })).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await store.get('p', 'a')).toBe(1);
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
    // The old generation's writer finds its checkpoint gone.
    await expect(commit(2, 3, { a: 'stale' })).rejects.toBeInstanceOf(CheckpointConflictError);
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
    const keys = async (query: Parameters<typeof store.list>[1]) => (await store.list('p', query)).map((d) => d.key);
    expect(await keys({ where: { status: 'submitted' } })).toEqual(['app:1', 'app:3']);
    expect(await keys({ where: { shortlisted: true } })).toEqual(['app:1']);
    expect(await keys({ where: { 'who.kind': 'org', score: 90 } })).toEqual(['app:3']);
    expect(await keys({ where: { status: ['withdrawn', 'open'] } })).toEqual(['app:2', 'prog:1']);
    expect(await keys({ where: { score: null } })).toEqual(['prog:1']);
    expect(await keys({ keyPrefix: 'app:', orderBy: 'score', direction: 'desc', limit: 2 })).toEqual(['app:3', 'app:1']);
    expect(await keys({ keyPrefix: 'app:', offset: 2 })).toEqual(['app:3']);
    expect(await store.count('p', { where: { status: 'submitted' } })).toBe(2);
    expect(await keys({ keyPrefix: '%' })).toEqual([]);
    await expect(keys({ where: { "x') OR 1=1 --": 1 } })).rejects.toThrow(/field path/);
  });
});
