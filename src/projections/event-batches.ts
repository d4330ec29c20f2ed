import type { StoredEvent } from '../event-store/event-store.port.js';

export interface EventBatch {
  events: StoredEvent[];
  /**
   * Every event up to this position that the subscription was to deliver is in this batch or an
   * earlier one: the last event's position, or further when the subscription's filter reported a
   * checkpoint past it (events of other types).
   */
  position: number;
}

/**
 * Groups a subscription's events into batches: everything already available (a catch-up page,
 * a burst of appends) up to `max`, without waiting for more. "Available" means the next event
 * arrives before the event loop's next turn (one setImmediate per batch): a page read from the
 * store resolves in microtasks, a live wait does not. A pending `next()` is kept for the following
 * call, since an async iterator cannot take one back.
 *
 * Checkpoints from a filtered subscription (`checkpoint`) end a wait too: a batch may then have no
 * event and only move the position on.
 */
export class EventBatches {
  private pending: Promise<IteratorResult<StoredEvent>> | undefined;
  private done = false;
  /** Highest position reported through checkpoint(). */
  private scanned = 0;
  /** Position of the last batch returned. */
  private delivered: number;
  private wake: (() => void) | undefined;

  constructor(
    private readonly iterator: AsyncIterator<StoredEvent>,
    private readonly max: number,
    from = 0,
  ) {
    this.delivered = from;
  }

  /** For the subscription's filter: every matching event up to `position` has been delivered. */
  checkpoint(position: number): void {
    if (position <= this.scanned) return;
    this.scanned = position;
    this.wake?.();
  }

  /** The next batch (events, or a checkpoint alone), or null when the subscription ended. */
  async next(): Promise<EventBatch | null> {
    if (this.done) return null;
    const first = await Promise.race([this.peek(), this.checkpointPast(this.delivered)]);
    this.wake = undefined;
    if (first === CHECKPOINT) return this.batch([]);
    this.pending = undefined;
    if (first.done) return this.end();
    const events = [first.value];
    const turn = nextTurn();
    try {
      while (events.length < this.max) {
        const result = await Promise.race([this.peek(), turn.promise]);
        if (result === NOT_YET) break;
        this.pending = undefined;
        if (result.done) {
          this.done = true;
          break;
        }
        events.push(result.value);
      }
    } finally {
      turn.cancel();
    }
    return this.batch(events);
  }

  private batch(events: StoredEvent[]): EventBatch {
    // A checkpoint is reported only once every matching event before it was taken, and taken
    // events are all in this batch or earlier ones: it may carry the position past the last event.
    const position = Math.max(events.at(-1)?.position ?? this.delivered, this.scanned);
    this.delivered = position;
    return { events, position };
  }

  private checkpointPast(position: number): Promise<typeof CHECKPOINT> {
    return new Promise((resolve) => {
      if (this.scanned > position) resolve(CHECKPOINT);
      else this.wake = () => resolve(CHECKPOINT);
    });
  }

  private peek(): Promise<IteratorResult<StoredEvent>> {
    this.pending ??= this.iterator.next();
    return this.pending;
  }

  private end(): null {
    this.done = true;
    return null;
  }
}

const NOT_YET = Symbol('not yet');
const CHECKPOINT = Symbol('checkpoint');

function nextTurn(): { promise: Promise<typeof NOT_YET>; cancel(): void } {
  let handle: NodeJS.Immediate | undefined;
  const promise = new Promise<typeof NOT_YET>((resolve) => {
    handle = setImmediate(() => resolve(NOT_YET));
  });
  return { promise, cancel: () => clearImmediate(handle) };
}
