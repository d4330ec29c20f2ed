/**
 * Recently read streams and their folds, so that a command reads and folds only what is new.
 *
 * Streams are append-only and stored events never change, so a stream read earlier is a correct
 * prefix of the stream forever: the next read asks the store only for the events after it (one
 * indexed range read, usually empty or one event) and a fold continues from the state it had
 * reached. Whatever another process appended is in that tail, so the cache is never stale; a
 * decision still appends with the revision it read, so a race is caught by the store as before.
 *
 * Only what the store returned is kept (never the objects a command appended: the stored form,
 * canonical JSON parsed back, is what every other read sees). Both maps are bounded LRUs.
 */
import type { EventStore, StoredEvent } from '../event-store/event-store.port.js';

export interface StreamRead {
  streamId: string;
  events: StoredEvent[];
  revision: number | 'no_stream';
}

/** A Map kept in least-recently-used order, holding at most `capacity` entries. */
export class Lru<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }

  get size(): number {
    return this.entries.size;
  }
}

export class StreamCache {
  private readonly streams: Lru<string, StreamRead>;

  constructor(
    private readonly store: EventStore,
    capacity = 2000,
  ) {
    this.streams = new Lru(capacity);
  }

  /** The stream as last read, if it is held (no I/O: for what never changes, such as its first event). */
  held(streamId: string): StreamRead | undefined {
    return this.streams.get(streamId);
  }

  /** The whole stream (treat it as immutable: it is shared with other requests). */
  async read(streamId: string): Promise<StreamRead> {
    const cached = this.streams.get(streamId);
    if (cached && cached.revision !== 'no_stream') {
      // One indexed range read: a command's stream has usually moved on by the previous command's event.
      const tail = await this.store.readStream(streamId, { fromRevision: cached.revision + 1 });
      if (tail.length === 0) return cached;
      if (tail[0]!.revision === cached.revision + 1) return this.keep({ streamId, events: cached.events.concat(tail), revision: tail.at(-1)!.revision });
    }
    const events = await this.store.readStream(streamId);
    return this.keep({ streamId, events, revision: events.at(-1)?.revision ?? 'no_stream' });
  }

  private keep(read: StreamRead): StreamRead {
    // A stream that does not exist yet is not remembered: it is about to be created.
    if (read.revision !== 'no_stream') this.streams.set(read.streamId, read);
    return read;
  }
}

/**
 * Folds by stream, continued rather than redone: given a stream's events (a cached read is the
 * same array prefix, object for object), the fold of the part seen before is extended with the
 * new events only. `fold` from scratch and `extend` by one event must agree, which holds for
 * every left fold (foldApplication is replayApplication, a reduce over evolveApplication).
 */
export class FoldCache<State extends { events: readonly StoredEvent[] }> {
  private readonly folds: Lru<string, State>;

  constructor(capacity = 2000) {
    this.folds = new Lru(capacity);
  }

  fold(streamId: string, events: StoredEvent[], fold: (events: StoredEvent[]) => State, extend: (state: State, events: StoredEvent[]) => State): State {
    const known = this.folds.get(streamId);
    let state: State;
    const seen = known?.events.length ?? 0;
    if (known && seen > 0 && seen <= events.length && events[seen - 1] === known.events[seen - 1]) {
      state = seen === events.length ? known : extend(known, events);
    } else state = fold(events);
    if (events.length > 0) this.folds.set(streamId, state);
    return state;
  }
}
