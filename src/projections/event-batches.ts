import type { StoredEvent } from '../event-store/event-store.port.js';

/**
 * Groups a subscription's events into batches: everything already available (a catch-up page,
 * a burst of appends) up to `max`, without waiting for more. "Available" means the next event
 * arrives before the event loop's next turn (setImmediate): a page read from the store resolves
 * in microtasks, a live wait does not. A pending `next()` is kept for the following call, since
 * an async iterator cannot take one back.
 */
export class EventBatches {
  private pending: Promise<IteratorResult<StoredEvent>> | undefined;
  private done = false;

  constructor(
    private readonly iterator: AsyncIterator<StoredEvent>,
    private readonly max: number,
  ) {}

  /** The next batch (at least one event), or null when the subscription ended. */
  async next(): Promise<StoredEvent[] | null> {
    if (this.done) return null;
    const first = await this.take();
    if (first.done) return this.end();
    const batch = [first.value];
    while (batch.length < this.max) {
      const result = await beforeNextTurn(this.peek());
      if (result === NOT_YET) break;
      this.pending = undefined;
      if (result.done) {
        this.done = true;
        break;
      }
      batch.push(result.value);
    }
    return batch;
  }

  private peek(): Promise<IteratorResult<StoredEvent>> {
    this.pending ??= this.iterator.next();
    return this.pending;
  }

  private async take(): Promise<IteratorResult<StoredEvent>> {
    const result = await this.peek();
    this.pending = undefined;
    return result;
  }

  private end(): null {
    this.done = true;
    return null;
  }
}

const NOT_YET = Symbol('not yet');

function beforeNextTurn<T>(promise: Promise<T>): Promise<T | typeof NOT_YET> {
  let handle: NodeJS.Immediate | undefined;
  const turn = new Promise<typeof NOT_YET>((resolve) => {
    handle = setImmediate(() => resolve(NOT_YET));
  });
  return Promise.race([promise, turn]).finally(() => clearImmediate(handle));
}
