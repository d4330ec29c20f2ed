import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import {
  BACKWARDS,
  DeadlineExceededError,
  InvalidArgumentError,
  END,
  MaxAppendSizeExceededError,
  AppendRecordSizeExceededError,
  TransactionMaxSizeExceededError,
  EVENT_TYPE,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendResult,
  type AppendStreamRequest,
  type AppendStreamState,
  type CurrentStreamState,
  type EventData,
  type Filter,
  type MultiAppendResult,
  type Position,
  type ReadAllOptions,
  type ReadPosition,
  type ReadStreamOptions,
  type ResolvedEvent,
  type SubscribeToAllOptions,
} from '@kurrent/kurrentdb-client';
import type { KurrentDbClient } from '../../src/event-store/kurrentdb/kurrentdb-event-store.js';

/**
 * An in-memory stand-in for one KurrentDB server, reached through the client methods the adapter
 * uses, so that the event-store contract runs against KurrentDbEventStore where no server can run
 * (this machine, CI). It is not KurrentDB: it shows that the adapter maps the port onto the client
 * correctly under the server behaviour below, not that the server behaves so. That behaviour is
 * taken from the client's types and code and from KurrentDB's source (AllReader.cs, the write path):
 *
 * - $all is a log of records at byte offsets, starting with system events. Every event of an
 *   append is a prepare committed by itself, so its $all position is {commit, prepare} = the offset
 *   where its record starts: positions increase, with gaps, and no two events share one.
 * - A forward $all read includes the record starting at fromPosition; a position inside a record is
 *   refused. A backward read returns the records ending at or before fromPosition, so never the one
 *   starting there.
 * - A catch-up subscription to $all starts after fromPosition (exclusive), then goes live; a
 *   position inside a record fails it. Filters are a regex or prefixes, on the stream name or the
 *   event type.
 * - Appends check the expected state (a revision, no_stream, stream_exists, any) and fail with the
 *   client's WrongExpectedVersionError carrying the actual state. An append whose event ids are
 *   already stored right after its expected revision succeeds without writing (KurrentDB's
 *   idempotency); with `any`, when the first id is found in the stream.
 * - Event ids must be UUIDs, and come back in lower case.
 * - multiStreamAppend is atomic and, like the client, refuses metadata that is not string → string;
 *   reads return that metadata with the server's `$schema.name` and `$schema.format` added.
 * - Reading a stream that does not exist fails with StreamNotFoundError while iterating.
 * - Data and metadata travel as JSON text, as on the wire.
 *
 * Every call yields to the event loop before acting, so concurrent calls interleave as network
 * calls do. `loseNextAppendReplies` makes appends time out (DeadlineExceededError) after or without
 * writing, as when a reply is lost or the server is slow; `throwOnAppendFailure: false` (a
 * connection-string option) makes a refused append resolve `{ success: false }` instead of throwing.
 * - Size limits: an append whose events come to more than `maxAppendSize` bytes (KurrentDB's
 *   MaxAppendSize, 1 MiB by default) is refused before anything is written, with the client's
 *   MaxAppendSizeExceededError; a multi-stream append with one record over `maxRecordSize` with
 *   AppendRecordSizeExceededError, and one over `maxAppendSize` in all with
 *   TransactionMaxSizeExceededError. An event counts as its data and metadata bytes plus twice its
 *   type's length, about what the server counts (Event.SizeOnDisk); the exact byte is not emulated.
 *
 * Out of reach here: timing, clusters and leader changes, TLS, the gRPC layer itself.
 */
export class EmulatedKurrentDb {
  private readonly log: LogRecord[] = [];
  private readonly streams = new Map<string, LogRecord[]>();
  private nextOffset = 0n;
  private readonly waiting = new Set<() => void>();
  private lostReplies: Array<{ written: boolean }> = [];
  private readonly maxAppendSize: number;
  private readonly maxRecordSize: number;

  constructor(options: { maxAppendSize?: number; maxRecordSize?: number } = {}) {
    this.maxAppendSize = options.maxAppendSize ?? 1024 * 1024;
    this.maxRecordSize = options.maxRecordSize ?? this.maxAppendSize;
    // A fresh server's log starts with its own records, which share $all with user events.
    this.write('$epochs', [{ id: randomUUID(), type: '$epoch-information', data: '{"epochNumber":0}', metadata: '' }]);
    this.write('$settings', [{ id: randomUUID(), type: '$settings', data: '{"$userStreamAcl":{}}', metadata: '' }]);
  }

  /** Another connection to this server: another writer, as another process would be. */
  client(options: { throwOnAppendFailure?: boolean } = {}): KurrentDbClient {
    return new EmulatedClient(this, options.throwOnAppendFailure ?? true);
  }

  /** The next appends (one per entry) time out instead of answering: after writing, or without. */
  loseNextAppendReplies(...outcomes: Array<{ written: boolean }>): void {
    this.lostReplies.push(...outcomes);
  }

  /** Called by an append before it acts: whether its reply is lost, and whether it writes first. */
  takeLostReply(): { written: boolean } | undefined {
    return this.lostReplies.shift();
  }

  append(streamName: string, events: EventData[], expected: AppendStreamState): AppendResult {
    const wire = events.map((event) => toWire(event));
    if (wire.reduce((bytes, event) => bytes + sizeOf(event), 0) > this.maxAppendSize) {
      throw MaxAppendSizeExceededError.fromMaxAppendSize(this.maxAppendSize);
    }
    const outcome = this.check(streamName, wire, expected);
    if (outcome.kind === 'replay') return outcome.result;
    const written = this.write(streamName, wire);
    const last = written.at(-1)!;
    return { success: true, nextExpectedRevision: last.revision, position: positionOf(last) };
  }

  /** All or nothing: every request is checked before any is written. */
  appendMany(requests: AppendStreamRequest[]): MultiAppendResult {
    const wire = requests.map((request) => request.events.map((event) => toWire(event, true)));
    let total = 0;
    wire.forEach((events, index) => {
      for (const event of events) {
        const size = sizeOf(event);
        if (size > this.maxRecordSize) {
          throw new AppendRecordSizeExceededError(undefined as never, {
            stream: requests[index]!.streamName,
            recordId: event.id,
            size,
            maxSize: this.maxRecordSize,
          });
        }
        total += size;
      }
    });
    if (total > this.maxAppendSize) throw new TransactionMaxSizeExceededError(undefined as never, { size: total, maxSize: this.maxAppendSize });
    const outcomes = requests.map((request, index) => this.check(request.streamName, wire[index]!, request.expectedState));
    // A retry is answered as one only whole: part stored, part new refuses the append (VerifyCommitChecks).
    const replayed = outcomes.findIndex((outcome) => outcome.kind === 'replay');
    if (replayed !== -1 && outcomes.some((outcome) => outcome.kind === 'write')) {
      const { streamName, expectedState } = requests[replayed]!;
      const stream = this.streams.get(streamName)!;
      throw new WrongExpectedVersionError(undefined, { streamName, expected: expectedState, current: BigInt(stream.length - 1) });
    }
    const responses: MultiAppendResult['responses'] = [];
    let position = 0n;
    requests.forEach((request, index) => {
      const outcome = outcomes[index]!;
      if (outcome.kind === 'replay') {
        responses.push({ streamName: request.streamName, revision: outcome.result.nextExpectedRevision });
        return;
      }
      const last = this.write(request.streamName, wire[index]!).at(-1)!;
      responses.push({ streamName: request.streamName, revision: last.revision });
      position = last.pre;
    });
    return { position, responses };
  }

  readStream(streamName: string, backwards: boolean, from: bigint | typeof START | typeof END | undefined, maxCount: number): ResolvedEvent[] {
    const stream = this.streams.get(streamName);
    if (!stream) throw new StreamNotFoundError(undefined, streamName);
    const out: ResolvedEvent[] = [];
    if (backwards) {
      const first = from === undefined || from === END ? stream.length - 1 : from === START ? 0 : Math.min(Number(from), stream.length - 1);
      for (let index = first; index >= 0 && out.length < maxCount; index--) out.push(resolved(stream[index]!));
    } else {
      const first = from === undefined || from === START ? 0 : from === END ? stream.length : Number(from);
      for (let index = first; index < stream.length && out.length < maxCount; index++) out.push(resolved(stream[index]!));
    }
    return out;
  }

  readAll(backwards: boolean, from: ReadPosition, maxCount: number, filter: Filter | undefined): AllStreamResolvedEvent[] {
    const out: AllStreamResolvedEvent[] = [];
    const take = (record: LogRecord) => {
      if (out.length < maxCount && passes(filter, record)) out.push(resolved(record) as AllStreamResolvedEvent);
    };
    if (backwards) {
      const before = from === END ? this.nextOffset : from === START ? 0n : from.commit;
      for (let index = this.log.length - 1; index >= 0 && out.length < maxCount; index--) {
        if (this.log[index]!.post <= before) take(this.log[index]!);
      }
      return out;
    }
    const start = from === START ? 0 : from === END ? this.log.length : this.indexAt(from);
    for (let index = start; index < this.log.length && out.length < maxCount; index++) take(this.log[index]!);
    return out;
  }

  /** The log's records from index `cursor` on, and the index after them: a subscription's next batch. */
  recordsFrom(cursor: number): { records: LogRecord[]; cursor: number } {
    return { records: this.log.slice(cursor), cursor: this.log.length };
  }

  /** Index of the first record a subscription from `from` delivers (exclusive of the record there). */
  subscriptionStart(from: ReadPosition | undefined): number {
    if (from === undefined || from === START) return 0;
    if (from === END) return this.log.length;
    // Read from the record there (which must start there), then skip it.
    const index = this.indexAt(from);
    return index < this.log.length ? index + 1 : index;
  }

  /**
   * Alters stored data behind the API, as someone with access to the server's disk could: the
   * events of a stream and type whose JSON contains `from` get it replaced by `to`. Returns how many.
   */
  tamper(streamName: string, type: string, from: string, to: string): number {
    let changed = 0;
    for (const record of this.streams.get(streamName) ?? []) {
      if (record.type !== type || !record.data.includes(from)) continue;
      record.data = record.data.replaceAll(from, to);
      changed += 1;
    }
    return changed;
  }

  /** Resolves at the next write. */
  nextWrite(): { promise: Promise<void>; cancel: () => void } {
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => (wake = resolve));
    this.waiting.add(wake);
    return { promise, cancel: () => (this.waiting.delete(wake), wake()) };
  }

  private indexAt(position: Position): number {
    if (position.commit >= this.nextOffset) return this.log.length;
    const index = this.log.findIndex((record) => record.pre >= position.commit);
    if (index === -1 || this.log[index]!.pre !== position.commit) {
      throw new UnknownError(undefined, `Invalid position ${position.commit}: not the start of a record`);
    }
    return index;
  }

  private check(streamName: string, events: WireEvent[], expected: AppendStreamState): { kind: 'write' } | { kind: 'replay'; result: AppendResult } {
    const stream = this.streams.get(streamName) ?? [];
    const current: CurrentStreamState = stream.length === 0 ? NO_STREAM : BigInt(stream.length - 1);
    const replayAt =
      expected === 'any'
        ? stream.findIndex((record) => record.id === events[0]?.id)
        : expected === STREAM_EXISTS
          ? -1
          : expected === NO_STREAM
            ? 0
            : Number(expected) + 1;
    if (events.length > 0 && replayAt >= 0 && replayAt < stream.length && stream[replayAt]!.id === events[0]!.id) {
      const stored = stream.slice(replayAt, replayAt + events.length);
      if (stored.length === events.length && stored.every((record, index) => record.id === events[index]!.id)) {
        const last = stored.at(-1)!;
        return { kind: 'replay', result: { success: true, nextExpectedRevision: last.revision, position: positionOf(last) } };
      }
    }
    const matches =
      expected === 'any' ||
      (expected === STREAM_EXISTS && current !== NO_STREAM) ||
      (expected === NO_STREAM && current === NO_STREAM) ||
      (typeof expected === 'bigint' && expected === current);
    if (!matches) throw new WrongExpectedVersionError(undefined, { streamName, expected, current });
    return { kind: 'write' };
  }

  private write(streamName: string, events: WireEvent[]): LogRecord[] {
    const stream = this.streams.get(streamName) ?? [];
    this.streams.set(streamName, stream);
    const written = events.map((event) => {
      const pre = this.nextOffset;
      // Record framing, ids and names as well as the payload: a record is never 1 byte long.
      const size = BigInt(96 + Buffer.byteLength(streamName) + Buffer.byteLength(event.type) + Buffer.byteLength(event.data) + Buffer.byteLength(event.metadata));
      this.nextOffset += size;
      const record: LogRecord = { ...event, streamName, revision: BigInt(stream.length), created: new Date(), pre, post: pre + size };
      stream.push(record);
      this.log.push(record);
      return record;
    });
    for (const wake of this.waiting) wake();
    this.waiting.clear();
    return written;
  }
}

interface WireEvent {
  id: string;
  type: string;
  /** JSON text. */
  data: string;
  /** JSON text, or '' for none. */
  metadata: string;
}

interface LogRecord extends WireEvent {
  streamName: string;
  revision: bigint;
  created: Date;
  /** Offset where the record starts: its $all position. */
  pre: bigint;
  /** Offset where it ends. */
  post: bigint;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toWire(event: EventData, properties = false): WireEvent {
  if (event.contentType !== 'application/json') throw new Error('the emulator stores JSON events only');
  if (!UUID.test(event.id)) throw new InvalidArgumentError(`Event id ${event.id} is not a UUID`);
  const metadata = properties ? { ...(event.metadata as Record<string, string>), '$schema.name': event.type, '$schema.format': 'Json' } : event.metadata;
  return {
    id: event.id.toLowerCase(),
    type: event.type,
    data: JSON.stringify(event.data),
    metadata: metadata === undefined ? '' : JSON.stringify(metadata),
  };
}

/** About what KurrentDB counts of an event against its append limits (see the class comment). */
function sizeOf(event: WireEvent): number {
  return Buffer.byteLength(event.data) + Buffer.byteLength(event.metadata) + 2 * event.type.length;
}

function positionOf(record: LogRecord): Position {
  return { commit: record.pre, prepare: record.pre };
}

function resolved(record: LogRecord): ResolvedEvent {
  return {
    event: {
      streamId: record.streamName,
      id: record.id,
      isJson: true,
      revision: record.revision,
      type: record.type,
      created: record.created,
      data: JSON.parse(record.data),
      metadata: record.metadata === '' ? undefined : JSON.parse(record.metadata),
      position: positionOf(record),
    },
    commitPosition: record.pre,
  } as ResolvedEvent;
}

function passes(filter: Filter | undefined, record: LogRecord): boolean {
  if (!filter) return true;
  const value = filter.filterOn === EVENT_TYPE ? record.type : record.streamName;
  return 'regex' in filter ? new RegExp(filter.regex).test(value) : filter.prefixes.some((prefix) => value.startsWith(prefix));
}

/** One connection: the client methods KurrentDbEventStore calls, over the shared server. */
class EmulatedClient implements KurrentDbClient {
  private disposed = false;
  private readonly subscriptions = new Set<AllStreamSubscription>();

  constructor(
    private readonly server: EmulatedKurrentDb,
    private readonly throwOnAppendFailure: boolean,
  ) {}

  async appendToStream(streamName: string, events: EventData | EventData[], options: { streamState?: AppendStreamState } = {}): Promise<AppendResult> {
    await this.call();
    return this.appending(() => {
      try {
        return this.server.append(streamName, Array.isArray(events) ? events : [events], options.streamState ?? 'any');
      } catch (error) {
        // The client's answer to a refused append when the connection string says throwOnAppendFailure=false.
        if (this.throwOnAppendFailure || !(error instanceof WrongExpectedVersionError)) throw error;
        const actual = error.actualState;
        return { success: false, nextExpectedRevision: actual === NO_STREAM ? -1n : actual, position: undefined };
      }
    });
  }

  async multiStreamAppend(requests: AppendStreamRequest[]): Promise<MultiAppendResult> {
    for (const request of requests) {
      for (const event of request.events) {
        const metadata = event.metadata as unknown;
        if (metadata == null) continue;
        if (typeof metadata !== 'object' || metadata instanceof Uint8Array || Array.isArray(metadata) || Object.values(metadata).some((v) => typeof v !== 'string')) {
          throw new Error('multiStreamAppend requires metadata to be a plain object with string keys and string values.');
        }
      }
    }
    await this.call();
    return this.appending(() => this.server.appendMany(requests));
  }

  readStream(streamName: string, options: ReadStreamOptions = {}): AsyncIterableIterator<ResolvedEvent> {
    const read = async function* (this: EmulatedClient) {
      await this.call();
      const maxCount = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      yield* this.server.readStream(streamName, options.direction === BACKWARDS, options.fromRevision, maxCount);
    };
    return read.call(this) as AsyncIterableIterator<ResolvedEvent>;
  }

  readAll(options: ReadAllOptions = {}): AsyncIterableIterator<AllStreamResolvedEvent> {
    const read = async function* (this: EmulatedClient) {
      await this.call();
      const maxCount = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      yield* this.server.readAll(options.direction === BACKWARDS, options.fromPosition ?? START, maxCount, options.filter);
    };
    return read.call(this);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllStreamSubscription {
    const server = this.server;
    let stopped = false;
    let pending: { promise: Promise<void>; cancel: () => void } | undefined;
    const readable = new Readable({ objectMode: true, read() {} });
    const subscription = Object.assign(readable, {
      async unsubscribe() {
        stopped = true;
        pending?.cancel();
        readable.push(null);
      },
    }) as unknown as AllStreamSubscription;
    this.subscriptions.add(subscription);
    void (async () => {
      try {
        await this.call();
        let cursor = server.subscriptionStart(options.fromPosition);
        while (!stopped) {
          const next = server.recordsFrom(cursor);
          cursor = next.cursor;
          for (const record of next.records) {
            if (passes(options.filter, record)) readable.push(resolved(record));
          }
          if (next.records.length === 0) {
            pending = server.nextWrite();
            await pending.promise;
          }
          // Delivery is asynchronous, as over the network: other calls run between batches.
          await tick();
        }
      } catch (error) {
        readable.destroy(error as Error);
      }
    })();
    return subscription;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const subscription of this.subscriptions) await subscription.unsubscribe();
  }

  /** An append, unless its reply is to be lost: then a timeout, after writing or without. */
  private appending<T>(append: () => T): T {
    const lost = this.server.takeLostReply();
    if (!lost) return append();
    if (lost.written) append();
    throw new DeadlineExceededError(undefined, 'Deadline exceeded (emulated lost reply)');
  }

  /** A call over the network: it takes a turn of the event loop, and fails once disposed. */
  private async call(): Promise<void> {
    if (this.disposed) throw new UnavailableError(undefined, 'client disposed');
    await tick();
  }
}
