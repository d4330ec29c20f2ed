import type { StoredEvent } from './event-store.port.js';
import { FILTER_SCAN_WINDOW, pollingSubscription, type PollingSource } from './polling-subscription.js';

/** A store of `head` events where only the given positions have the type 'Kept'. */
function source(head: number, kept: Set<number>): PollingSource & { reads: Array<[number, number]> } {
  const event = (position: number): StoredEvent => ({
    id: `e${position}`,
    type: kept.has(position) ? 'Kept' : 'Other',
    data: {},
    metadata: { actor: { sub: 's', name: 'n', roles: [] }, occurredAt: '2025-01-01', recordedAt: '', commandId: '', correlationId: '', causationId: '', schemaVersion: 1 },
    streamId: 's',
    revision: position - 1,
    position,
    hash: '',
  });
  const reads: Array<[number, number]> = [];
  return {
    reads,
    readAll: async ({ fromPosition, limit }) => Array.from({ length: Math.max(0, Math.min(limit, head - fromPosition + 1)) }, (_, i) => event(fromPosition + i)),
    readTypes: async ({ fromPosition, toPosition, limit, eventTypes }) => {
      reads.push([fromPosition, toPosition]);
      const found: StoredEvent[] = [];
      for (let p = fromPosition; p <= toPosition && found.length < limit; p++) if (eventTypes.includes(event(p).type)) found.push(event(p));
      return found;
    },
    headPosition: async () => head,
    waitForAppend: () => {
      let cancel!: () => void;
      return { promise: new Promise<void>((resolve) => (cancel = resolve)), cancel };
    },
  };
}

describe('pollingSubscription with an event-type filter', () => {
  it('walks a long run of other events a window at a time, reporting each window as a checkpoint', async () => {
    const head = FILTER_SCAN_WINDOW * 2 + 500;
    const store = source(head, new Set([3, head]));
    const checkpoints: number[] = [];
    const subscription = pollingSubscription(store, { filter: { eventTypes: ['Kept'], checkpointReached: (p) => checkpoints.push(p) } });
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value.position).toBe(3);
    expect((await iterator.next()).value.position).toBe(head);
    expect(checkpoints).toEqual([FILTER_SCAN_WINDOW, FILTER_SCAN_WINDOW * 2]);
    // The last 500 positions (no more than a page) are read whole and filtered in memory.
    expect(store.reads).toEqual([
      [1, FILTER_SCAN_WINDOW],
      [FILTER_SCAN_WINDOW + 1, FILTER_SCAN_WINDOW * 2],
    ]);
    await subscription.unsubscribe();
  });

  it('reports the end of a range only after every matching event in it was taken', async () => {
    const store = source(10, new Set([2, 4, 6, 8]));
    const checkpoints: number[] = [];
    const subscription = pollingSubscription(store, { batchSize: 2, filter: { eventTypes: ['Kept'], checkpointReached: (p) => checkpoints.push(p) } });
    const iterator = subscription[Symbol.asyncIterator]();
    const taken: Array<[number, number[]]> = [];
    for (let i = 0; i < 4; i++) taken.push([(await iterator.next()).value.position, [...checkpoints]]);
    // Full pages end at their last event: nothing to report until the short page after them.
    expect(taken).toEqual([[2, []], [4, []], [6, []], [8, []]]);
    void iterator.next(); // the last page: no event, then a wait for appends
    await new Promise((r) => setImmediate(r));
    expect(checkpoints).toEqual([10]);
    await subscription.unsubscribe();
  });
});
