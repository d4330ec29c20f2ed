/**
 * The event-store port. Every adapter (SQLite, PostgreSQL, KurrentDB) implements it and passes
 * the same contract suite (test/contract). Shaped after KurrentDB's client so that adapter is a
 * thin mapping: expected revisions, event ids as the idempotency key, one global `$all` order.
 */

/** DI token for the port. */
export const EVENT_STORE = Symbol.for('EVENT_STORE');

/** A number (the revision of the stream's last event, 0-based) or one of KurrentDB's states. */
export type ExpectedRevision = number | 'no_stream' | 'stream_exists' | 'any';

export interface Actor {
  sub: string;
  name: string;
  roles: string[];
}

export interface EventMetadata {
  actor: Actor;
  /** Business date the decision was taken (ISO 8601 date or instant). */
  occurredAt: string;
  /** Instant the service recorded it (ISO 8601), from the injected clock. */
  recordedAt: string;
  commandId: string;
  correlationId: string;
  causationId: string;
  schemaVersion: number;
  [extra: string]: unknown;
}

export interface NewEvent<Type extends string = string, Data = Record<string, unknown>> {
  /** UUID chosen by the writer: the idempotency key within a stream. */
  id: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
}

export interface StoredEvent<Type extends string = string, Data = Record<string, unknown>>
  extends NewEvent<Type, Data> {
  streamId: string;
  /** 0-based position inside the stream. */
  revision: number;
  /** Position in the store's global order: strictly increasing, never reused. */
  position: number;
  /** SHA-256 (hex) over the previous event's hash in the stream and this event's canonical JSON. */
  hash: string;
}

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  streamId: string;
  /** Revision of the stream's last event after the append. */
  nextExpectedRevision: number;
  /** Global position of the last event of this append. */
  position: number;
  events: StoredEvent[];
  /** True when every event id was already in the stream: nothing was written. */
  idempotentReplay: boolean;
}

export interface AppendRequest {
  streamId: string;
  events: NewEvent[];
  expectedRevision?: ExpectedRevision;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** Inclusive. Defaults to 0 forwards, to the last event backwards. */
  fromRevision?: number;
  direction?: Direction;
  limit?: number;
}

export interface ReadAllOptions {
  /** Inclusive global position to start from; 0 (the default) is the beginning. */
  fromPosition?: number;
  limit?: number;
}

export interface SubscribeToAllOptions {
  /**
   * Exclusive, as in KurrentDB: the subscription delivers events *after* this position, so a
   * projection passes its checkpoint. 'start' (or 0) delivers everything, 'end' only new events.
   */
  fromPosition?: number | 'start' | 'end';
  /** Events fetched per catch-up page. */
  batchSize?: number;
  /**
   * Delivers only events of these types (KurrentDB: an event-type filter). Progress past the
   * others is reported through `checkpointReached`, so a consumer's checkpoint can move over them.
   */
  filter?: SubscriptionFilter;
}

export interface SubscriptionFilter {
  eventTypes: readonly string[];
  /**
   * Called with a position when every matching event up to it (inclusive) has been delivered,
   * before any later event is (KurrentDB: checkpointReached). May be called often; never goes back.
   */
  checkpointReached?(position: number): void;
}

export interface Subscription extends AsyncIterable<StoredEvent> {
  /** Stops delivery; pending iteration ends. Idempotent. */
  unsubscribe(): Promise<void>;
}

export interface EventStore {
  /** Name of the adapter, for health and metrics ('sqlite', 'postgres', 'kurrentdb'). */
  readonly kind: string;
  append(streamId: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Appends to several streams in one transaction: all or nothing, each with its own expected
   * revision. Used for decisions spanning streams (a term's list and its applications).
   */
  appendMultiple(requests: AppendRequest[]): Promise<AppendResult[]>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;
  subscribeToAll(options?: SubscribeToAllOptions): Subscription;
  /** Global position of the last stored event (0 when empty). */
  headPosition(): Promise<number>;
  /** Revision of the stream's last event, or 'no_stream'. */
  streamRevision(streamId: string): Promise<number | 'no_stream'>;
  /** Cheap round trip for health checks; throws when the store is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Raised when the expected revision does not match; nothing was written. */
export class WrongExpectedRevisionError extends Error {
  readonly code = 'CONCURRENCY_CONFLICT';
  constructor(
    readonly streamId: string,
    readonly expectedRevision: ExpectedRevision,
    readonly actualRevision: number | 'no_stream',
  ) {
    super(
      `Stream ${streamId}: expected revision ${String(expectedRevision)}, actual ${String(actualRevision)}`,
    );
    this.name = 'WrongExpectedRevisionError';
  }
}

/**
 * Raised when a batch mixes event ids already in the stream with new ones, or repeats them out of
 * order: it is neither a clean retry nor a new append, so nothing is written.
 */
export class IdempotencyMismatchError extends Error {
  readonly code = 'IDEMPOTENCY_MISMATCH';
  constructor(readonly streamId: string, detail: string) {
    super(`Stream ${streamId}: ${detail}`);
    this.name = 'IdempotencyMismatchError';
  }
}

/**
 * Raised when the store refuses an append for its size (KurrentDB's maximum append size, 1 MiB by
 * default, or its per-record and per-transaction limits of multi-stream appends); nothing was
 * written. The embedded and PostgreSQL stores set no such limit.
 */
export class AppendTooLargeError extends Error {
  readonly code = 'APPEND_TOO_LARGE';
  constructor(
    /** The limit the store reported, in bytes, when it reported one. */
    readonly maxBytes: number | undefined,
    /** The append's size as the store counted it, when it said. */
    readonly bytes: number | undefined,
    override readonly cause?: unknown,
  ) {
    super(
      `The event store refused the append as too large${bytes !== undefined ? ` (${bytes} bytes)` : ''}` +
        `${maxBytes !== undefined ? `; its limit is ${maxBytes} bytes` : ''}; nothing was written`,
    );
    this.name = 'AppendTooLargeError';
  }
}

/** The store could not be reached or failed; the append may or may not have happened. */
export class EventStoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'EventStoreUnavailableError';
  }
}

export function isExpectedRevision(value: unknown): value is ExpectedRevision {
  return (
    value === 'no_stream' ||
    value === 'stream_exists' ||
    value === 'any' ||
    (typeof value === 'number' && Number.isInteger(value) && value >= -1)
  );
}

/** Checks an expected revision against the stream's actual one; shared by the adapters. */
export function revisionMatches(expected: ExpectedRevision, actual: number | 'no_stream'): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === 'no_stream';
    case 'stream_exists':
      return actual !== 'no_stream';
    default:
      return expected === -1 ? actual === 'no_stream' : actual === expected;
  }
}
