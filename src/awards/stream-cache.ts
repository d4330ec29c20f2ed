/**
 * Recently read streams and their folds, so that a command reads and folds only what is new.
 *
 * Streams are append-only and stored events never change, so a stream read earlier is a correct
 * prefix of the stream forever: the next read asks the store only for the events after it (one
 * indexed range read, usually empty or one event) and a fold continues from the state it had
 * reached. Whatever another process appended is in that tail, so the cache is never stale; a
 * decision still appends with the revision it read, so a race is caught by the store as before.
 *
 * What is kept is what a read of the store returns: the events read, and the events appended as
 * their stored form (canonical JSON parsed back), never the objects a command built. Both maps are
 * bounded LRUs.
 */
import { canonicalJson } from '../event-store/canonical-json.js';
import type { AppendResult, EventStore, StoredEvent } from '../event-store/event-store.port.js';

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

  delete(key: K): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** An appended event as a read of the store returns it: data and metadata as their canonical JSON parsed. */
function asStored(event: StoredEvent): StoredEvent {
  return { ...event, data: JSON.parse(canonicalJson(event.data)), metadata: JSON.parse(canonicalJson(event.metadata)) };
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

  /**
   * The whole stream (treat it as immutable: it is shared with other requests). `fresh: false`
   * answers with the held copy without asking the store: for a decision, whose append carries the
   * revision it read, so that a copy another process outdated fails the append and the decision is
   * taken again on a fresh read (command-handler.ts).
   */
  async read(streamId: string, fresh = true): Promise<StreamRead> {
    const cached = this.streams.get(streamId);
    if (!fresh && cached) return cached;
    if (cached && cached.revision !== 'no_stream') {
      // One indexed range read: a command's stream has usually moved on by the previous command's event.
      const tail = await this.store.readStream(streamId, { fromRevision: cached.revision + 1 });
      if (tail.length === 0) return cached;
      if (tail[0]!.revision === cached.revision + 1) return this.keep({ streamId, events: cached.events.concat(tail), revision: tail.at(-1)!.revision });
    }
    const events = await this.store.readStream(streamId);
    return this.keep({ streamId, events, revision: events.at(-1)?.revision ?? 'no_stream' });
  }

  /**
   * After an append: a held stream that the appended events directly follow (the revision they were
   * appended after) grows by them, in the form a read of the store would give back (canonical JSON
   * parsed again); one that does not is dropped. So the next decision on it needs no read at all.
   */
  appended(results: readonly AppendResult[]): void {
    for (const result of results) {
      if (result.idempotentReplay || result.events.length === 0) continue;
      const first = result.events[0]!.revision;
      const cached = this.streams.get(result.streamId);
      const before = first === 0 ? [] : cached && cached.revision === first - 1 ? cached.events : undefined;
      if (!before) {
        this.streams.delete(result.streamId);
        continue;
      }
      const events = before.concat(result.events.map(asStored));
      this.keep({ streamId: result.streamId, events, revision: events.at(-1)!.revision });
    }
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
