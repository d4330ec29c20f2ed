import type { StoredEvent, Subscription, SubscribeToAllOptions } from './event-store.port.js';

export interface PollingSource {
  readAll(options: { fromPosition: number; limit: number }): Promise<StoredEvent[]>;
  headPosition(): Promise<number>;
  /** Resolves when a local append may have added events, or after `ms` (other processes). */
  waitForAppend(ms: number): { promise: Promise<void>; cancel(): void };
}

/**
 * Catch-up then live subscription over an adapter whose global order never shows a gap that
 * fills in later (commit order equals position order). It therefore only needs to remember the
 * last delivered position: each page starts right after it, so nothing is skipped or repeated.
 */
export function pollingSubscription(
  source: PollingSource,
  options: SubscribeToAllOptions = {},
  pollMs = 100,
): Subscription {
  const batchSize = options.batchSize ?? 500;
  let closed = false;
  let pendingWait: { cancel(): void } | undefined;

  async function* run(): AsyncGenerator<StoredEvent> {
    let after: number;
    if (options.fromPosition === 'end') after = await source.headPosition();
    else if (options.fromPosition === undefined || options.fromPosition === 'start') after = 0;
    else after = options.fromPosition;

    while (!closed) {
      const page = await source.readAll({ fromPosition: after + 1, limit: batchSize });
      for (const event of page) {
        if (closed) return;
        after = event.position;
        yield event;
      }
      if (page.length === batchSize) continue;
      if (closed) return;
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
