import type { StoredEvent, Subscription, SubscribeToAllOptions } from './event-store.port.js';

export interface PollingSource {
  readAll(options: { fromPosition: number; limit: number }): Promise<StoredEvent[]>;
  /** Events of `eventTypes` with positions in [fromPosition, toPosition], in order, at most `limit`. */
  readTypes(options: { fromPosition: number; toPosition: number; limit: number; eventTypes: readonly string[] }): Promise<StoredEvent[]>;
  headPosition(): Promise<number>;
  /** Resolves when a local append may have added events, or after `ms` (other processes). */
  waitForAppend(ms: number): { promise: Promise<void>; cancel(): void };
}

/** Positions a filtered page looks at, at most: one read stays short however rare the types are. */
export const FILTER_SCAN_WINDOW = 20_000;

/**
 * Catch-up then live subscription over an adapter whose global order never shows a gap that
 * fills in later (commit order equals position order). It therefore only needs to remember the
 * last delivered position: each page starts right after it, so nothing is skipped or repeated.
 *
 * With a filter, a page reads the matching events of a bounded range of positions, never past the
 * head read just before it: every position up to that head is committed (no gap fills in later),
 * so once the page is delivered the whole range is done and `checkpointReached` says so. A range
 * shorter than a page (live) is read whole and filtered here.
 */
export function pollingSubscription(
  source: PollingSource,
  options: SubscribeToAllOptions = {},
  pollMs = 100,
): Subscription {
  const batchSize = options.batchSize ?? 500;
  const filter = options.filter;
  const wanted = filter ? new Set(filter.eventTypes) : undefined;
  let closed = false;
  let pendingWait: { cancel(): void } | undefined;

  /** One page after `after`: the events, how far it looked, and whether more is already there. */
  async function page(after: number): Promise<{ events: StoredEvent[]; scanned: number; more: boolean }> {
    if (!filter) {
      const events = await source.readAll({ fromPosition: after + 1, limit: batchSize });
      return { events, scanned: events.at(-1)?.position ?? after, more: events.length === batchSize };
    }
    const head = await source.headPosition();
    if (head <= after) return { events: [], scanned: after, more: false };
    if (head - after <= batchSize) {
      // A short gap (following live): one plain read filtered here is cheaper than binding the
      // type list (up to every type of every read model) into a query for a few rows.
      const events = await source.readAll({ fromPosition: after + 1, limit: head - after });
      return { events: events.filter((event) => wanted!.has(event.type)), scanned: head, more: false };
    }
    const upper = Math.min(head, after + FILTER_SCAN_WINDOW);
    const events = await source.readTypes({ fromPosition: after + 1, toPosition: upper, limit: batchSize, eventTypes: filter.eventTypes });
    const full = events.length === batchSize;
    return { events, scanned: full ? events.at(-1)!.position : upper, more: full || upper < head };
  }

  async function* run(): AsyncGenerator<StoredEvent> {
    let after: number;
    if (options.fromPosition === 'end') after = await source.headPosition();
    else if (options.fromPosition === undefined || options.fromPosition === 'start') after = 0;
    else after = options.fromPosition;

    while (!closed) {
      const { events, scanned, more } = await page(after);
      for (const event of events) {
        if (closed) return;
        after = event.position;
        yield event;
      }
      if (closed) return;
      // Every event of the page has been taken: the range it covered is done.
      if (scanned > after) {
        after = scanned;
        filter?.checkpointReached?.(scanned);
      }
      if (more) continue;
      const wait = source.waitForAppend(pollMs);
      pendingWait = wait;
      await wait.promise;
      pendingWait = undefined;
    }
  }

  const iterator = run();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async unsubscribe() {
      closed = true;
      pendingWait?.cancel();
      await iterator.return(undefined);
    },
  };
}

/** Wakes local subscribers after an append commits; a timer covers writers in other processes. */
export class AppendSignal {
  private waiters = new Set<() => void>();

  notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  wait(ms: number): { promise: Promise<void>; cancel(): void } {
    let wake!: () => void;
    let timer: NodeJS.Timeout | undefined;
    const promise = new Promise<void>((resolve) => {
      wake = () => {
        if (timer) clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
      timer = setTimeout(wake, ms);
      timer.unref?.();
    });
    return { promise, cancel: wake };
  }
}
