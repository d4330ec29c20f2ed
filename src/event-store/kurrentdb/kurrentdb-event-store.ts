import {
  BACKWARDS,
  END,
  ErrorType,
  FORWARDS,
  KurrentDBClient,
  NO_STREAM,
  START,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type Filter,
  type JSONEventData,
  type ReadPosition,
  type RecordedEvent,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import {
  type AppendOptions,
  type AppendRequest,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type SubscribeToAllOptions,
  type Subscription,
  AppendTooLargeError,
  EventStoreUnavailableError,
  IdempotencyMismatchError,
  WrongExpectedRevisionError,
  revisionMatches,
} from '../event-store.port.js';
import { GENESIS_HASH, chainHash, hashableEvent } from '../hash.js';

export interface KurrentDbEventStoreOptions {
  /**
   * Namespace inside a shared server: stream `x` is stored as `${streamPrefix}x`, and `$all` reads,
   * subscriptions and headPosition only see streams with the prefix (filtered server-side). The
   * contract suite gives each test its own prefix so it can share one server with other runs.
   */
  streamPrefix?: string;
  /** Attempts for an append with 'any'/'stream_exists' that keeps losing the race (see append). */
  maxAppendAttempts?: number;
}

/**
 * What goes into KurrentDB's event metadata. String values only, because multiStreamAppend (the
 * v2 protocol) accepts nothing else; the same shape is used for single appends so reads decode
 * one format.
 */
interface WireMetadata {
  [key: string]: string;
  /** Our chain hash, so readStream can return it without recomputing. */
  hash: string;
  /** The port's EventMetadata as JSON. */
  meta: string;
}

interface StreamHead {
  revision: number;
  hash: string;
}

interface PlannedAppend {
  request: AppendRequest;
  streamName: string;
  head: StreamHead | undefined;
  events: StoredEvent[];
  wire: JSONEventData[];
}

/**
 * The part of the client the adapter uses. A KurrentDBClient is one; tests may pass a stand-in with
 * the same methods (test/contract/kurrentdb-emulator.ts).
 */
export type KurrentDbClient = Pick<KurrentDBClient, 'appendToStream' | 'multiStreamAppend' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'>;

const SCAN_PAGE = 256;
const GRPC_UNIMPLEMENTED = 12;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/**
 * Event store on KurrentDB (EventStoreDB), a thin mapping of the port onto the gRPC client:
 * streams are KurrentDB streams, event ids are KurrentDB event ids, positions are `$all` commit
 * positions.
 *
 * Hash chain: KurrentDB knows nothing of our hashes, so the adapter computes each event's hash from
 * the previous event's (read from the stream's last event) and stores it in the event metadata.
 * To keep the chain from forking, every append is sent with the exact revision that hash was read
 * at (never 'any' on the wire): if another writer got in between, KurrentDB refuses the append,
 * and for callers who asked for 'any' or 'stream_exists' the adapter reads the new head and tries
 * again; callers with a numeric revision or 'no_stream' get WrongExpectedRevisionError as usual.
 *
 * Idempotency: a retry is recognised before writing, by looking the batch's ids up in the stream
 * (KurrentDB's own check only covers a retry sent with the original expected revision, which the
 * chain's exact revisions never are). That costs a read of the stream per append, fine for streams
 * the size of one application's life. If two identical retries race past that check, KurrentDB's
 * own idempotency answers the loser with success without writing; the read-back after the append
 * then returns the stored events (see confirmWritten). If both carried identical content the hashes
 * match and both report idempotentReplay: false; the stream still holds the events once.
 */
export class KurrentDbEventStore implements EventStore {
  readonly kind = 'kurrentdb';
  private readonly client: KurrentDbClient;
  private readonly prefix: string;
  private readonly maxAppendAttempts: number;
  private closed = false;

  /** `connection`: a connection string, or a client this store then owns (close() disposes it). */
  constructor(connection: string | KurrentDbClient, options: KurrentDbEventStoreOptions = {}) {
    this.client = typeof connection === 'string' ? KurrentDBClient.connectionString(connection) : connection;
    this.prefix = options.streamPrefix ?? '';
    this.maxAppendAttempts = options.maxAppendAttempts ?? 20;
  }

  async append(streamId: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const [result] = await this.appendMultiple([{ streamId, events, expectedRevision: options.expectedRevision }]);
    return result!;
  }

  async appendMultiple(given: AppendRequest[]): Promise<AppendResult[]> {
    this.assertOpen();
    // KurrentDB takes UUIDs only and hands them back in lower case: hashed, compared and returned so.
    const requests = given.map((request) => ({ ...request, events: request.events.map(withUuidId) }));
    const seen = new Set<string>();
    for (const request of requests) {
      if (seen.has(request.streamId)) throw new Error(`Stream ${request.streamId} appears twice in one append`);
      seen.add(request.streamId);
    }
    return this.guard(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.tryAppend(requests);
        } catch (error) {
          if (!(error instanceof LostRace) || attempt >= this.maxAppendAttempts) throw unwrapLostRace(error);
          // Jitter so that writers racing on one stream stop colliding.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
        }
      }
    });
  }

  /** One read-plan-write round; throws LostRace when an 'any'/'stream_exists' request should retry. */
  private async tryAppend(requests: AppendRequest[]): Promise<AppendResult[]> {
    const results: Array<AppendResult | undefined> = [];
    const plans: PlannedAppend[] = [];
    for (const request of requests) {
      const streamName = this.prefix + request.streamId;
      const expected = request.expectedRevision ?? 'any';
      const head = await this.readHead(streamName);
      const actual = head ? head.revision : 'no_stream';
      const replay = await this.detectReplay(request, streamName, head);
      if (replay) {
        results.push(replay);
        continue;
      }
      if (!revisionMatches(expected, actual)) throw new WrongExpectedRevisionError(request.streamId, expected, actual);
      if (request.events.length === 0) {
        results.push({ streamId: request.streamId, nextExpectedRevision: head?.revision ?? -1, position: 0, events: [], idempotentReplay: false });
        continue;
      }
      const plan = this.plan(request, streamName, head);
      plans.push(plan);
      results.push(undefined);
    }
    if (plans.length > 0) {
      try {
        await this.write(plans);
      } catch (error) {
        // A timeout or a dropped connection leaves it open whether the append was written (a lost
        // reply; or KurrentDB holding back its answer to a retry of a write not yet indexed). If
        // every event is in place it was, and the read-back below says whose; else it is the error.
        if (!isUnavailable(error) || !(await this.allStored(plans))) throw error;
      }
    }
    let next = 0;
    const written = await Promise.all(plans.map((plan) => this.confirmWritten(plan)));
    return results.map((result) => result ?? written[next++]!);
  }

  /** Computes revisions, hashes and the KurrentDB payloads from the head read just before. */
  private plan(request: AppendRequest, streamName: string, head: StreamHead | undefined): PlannedAppend {
    let previousHash = head?.hash ?? GENESIS_HASH;
    let revision = head ? head.revision : -1;
    const events: StoredEvent[] = [];
    const wire: JSONEventData[] = [];
    for (const event of request.events) {
      revision += 1;
      const hash = chainHash(previousHash, hashableEvent(event, request.streamId, revision));
      const metadata: WireMetadata = { hash, meta: JSON.stringify(event.metadata) };
      wire.push(jsonEvent({ id: event.id, type: event.type, data: event.data, metadata }) as JSONEventData);
      // Position is known only after the write; confirmWritten fills it in.
      events.push({ ...event, streamId: request.streamId, revision, position: 0, hash });
      previousHash = hash;
    }
    return { request, streamName, head, events, wire };
  }

  private async write(plans: PlannedAppend[]): Promise<void> {
    const stateOf = (plan: PlannedAppend): AppendStreamState => (plan.head ? BigInt(plan.head.revision) : NO_STREAM);
    try {
      if (plans.length === 1) {
        const [plan] = plans as [PlannedAppend];
        const result = await this.client.appendToStream(plan.streamName, plan.wire, { streamState: stateOf(plan) });
        // throwOnAppendFailure=false in the connection string: a refusal resolves instead of throwing.
        if (!result.success) {
          const current = result.nextExpectedRevision;
          throw conflictOf(plan, current < 0n ? 'no_stream' : Number(current));
        }
        return;
      }
      // Atomic across streams: KurrentDB 25.1+ only. Older servers answer UNIMPLEMENTED and we refuse
      // (below) rather than append stream by stream, which could leave half a decision written.
      await this.client.multiStreamAppend(
        plans.map((plan) => ({ streamName: plan.streamName, events: plan.wire, expectedState: stateOf(plan) })),
      );
    } catch (error) {
      if (error instanceof LostRace || error instanceof WrongExpectedRevisionError) throw error;
      if (isWrongExpectedVersion(error)) {
        const plan = plans.find((p) => p.streamName === error.streamName) ?? plans[0]!;
        throw conflictOf(plan, error.actualState === NO_STREAM ? 'no_stream' : Number(error.actualState));
      }
      const tooLarge = appendTooLarge(error);
      if (tooLarge) throw tooLarge;
      if (plans.length > 1 && isUnimplemented(error)) {
        throw new Error(
          'appendMultiple needs KurrentDB 25.1 or later (atomic multi-stream append); this server does not ' +
            'support it, and appending stream by stream would not be atomic, so nothing was written',
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Whether each plan's events are stored at their planned revisions (false when that cannot be read). */
  private async allStored(plans: PlannedAppend[]): Promise<boolean> {
    try {
      for (const plan of plans) {
        const stored = await this.readStreamRaw(plan.streamName, { fromRevision: plan.events[0]!.revision, limit: plan.events.length });
        if (stored.length !== plan.events.length || stored.some((event, i) => event.id !== plan.events[i]!.id)) return false;
      }
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Reads back what was just written: the positions of all but the last event are not in the append
   * response, and the stored hashes tell whether these were our events or those of an identical
   * retry that KurrentDB's idempotency kept instead of ours.
   */
  private async confirmWritten(plan: PlannedAppend): Promise<AppendResult> {
    const first = plan.events[0]!.revision;
    const stored = await this.readStreamRaw(plan.streamName, { fromRevision: first, limit: plan.events.length });
    if (stored.length !== plan.events.length || stored.some((event, i) => event.id !== plan.events[i]!.id)) {
      throw new EventStoreUnavailableError(`KurrentDB acknowledged the append to ${plan.request.streamId} but reading it back failed`);
    }
    const ours = stored.every((event, i) => event.hash === plan.events[i]!.hash);
    // Someone else's events: the stream may have moved on past them too.
    const headRevision = ours ? stored.at(-1)!.revision : (await this.readHead(plan.streamName))!.revision;
    return {
      streamId: plan.request.streamId,
      nextExpectedRevision: headRevision,
      position: stored.at(-1)!.position,
      events: stored,
      idempotentReplay: !ours,
    };
  }

  /**
   * A batch whose ids are all already in the stream, in order and contiguous, is a retry: answer with
   * what was stored. A batch mixing stored and new ids is refused, as in the other adapters.
   */
  private async detectReplay(request: AppendRequest, streamName: string, head: StreamHead | undefined): Promise<AppendResult | undefined> {
    if (!head || request.events.length === 0) return undefined;
    const wanted = new Map(request.events.map((event, index) => [event.id, index]));
    const found = new Map<number, StoredEvent>();
    // Backwards, because a retry is usually of a recent append; stops once every id is found.
    for (let from = head.revision; from >= 0 && found.size < wanted.size; from -= SCAN_PAGE) {
      const page = await this.readStreamRaw(streamName, { direction: 'backwards', fromRevision: from, limit: SCAN_PAGE });
      for (const event of page) {
        const index = wanted.get(event.id);
        if (index !== undefined && !found.has(index)) found.set(index, event);
      }
      if (page.length < SCAN_PAGE) break;
    }
    if (found.size === 0) return undefined;
    const stored = request.events.map((_, index) => found.get(index));
    const contiguous =
      stored.every((event) => event !== undefined) &&
      stored.every((event, index) => event!.revision === stored[0]!.revision + index);
    if (!contiguous) {
      throw new IdempotencyMismatchError(request.streamId, 'some event ids of this batch are already stored, others are not');
    }
    const events = stored as StoredEvent[];
    return {
      streamId: request.streamId,
      nextExpectedRevision: head.revision,
      position: events.at(-1)!.position,
      events,
      idempotentReplay: true,
    };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    return this.guard(() => this.readStreamRaw(this.prefix + streamId, options));
  }

  private async readStreamRaw(streamName: string, options: ReadStreamOptions): Promise<StoredEvent[]> {
    if (options.limit === 0) return [];
    const backwards = options.direction === 'backwards';
    const events: StoredEvent[] = [];
    try {
      const reading = this.client.readStream(streamName, {
        // From the leader, where appends go: a command reads its stream, decides and appends with
        // the revision it read, and an append reads back what it wrote.
        requiresLeader: true,
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision !== undefined ? BigInt(options.fromRevision) : backwards ? END : START,
        maxCount: options.limit ?? Number.MAX_SAFE_INTEGER,
      });
      for await (const resolved of reading) {
        const event = this.decode(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (errorType(error) === ErrorType.STREAM_NOT_FOUND) return [];
      throw error;
    }
    return events;
  }

  private async readHead(streamName: string): Promise<StreamHead | undefined> {
    const [last] = await this.readStreamRaw(streamName, { direction: 'backwards', limit: 1 });
    return last ? { revision: last.revision, hash: last.hash } : undefined;
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    this.assertOpen();
    const from = Math.max(options.fromPosition ?? 0, 0);
    const limit = options.limit ?? 1000;
    if (limit === 0) return [];
    return this.guard(async () => {
      if (from === 0) return this.readAllRaw(START, FORWARDS, limit);
      try {
        return await this.readAllRaw({ commit: BigInt(from), prepare: BigInt(from) }, FORWARDS, limit);
      } catch (error) {
        if (isUnavailable(error)) throw error;
      }
      // KurrentDB refuses to read from inside a record, and our positions are record starts, so a
      // position that is not an event's own lands here. Callers resume from the last position they
      // hold + 1 (a checkpoint, the end of a page): read from that event and leave it out.
      try {
        const page = await this.readAllRaw({ commit: BigInt(from - 1), prepare: BigInt(from - 1) }, FORWARDS, limit + 1);
        return page.filter((event) => event.position >= from).slice(0, limit);
      } catch (error) {
        if (isUnavailable(error)) throw error;
        // Anywhere else: find the first event at or after it by walking back from the end, which
        // costs the events after it.
        return this.readAllAfterSeek(from, limit);
      }
    });
  }

  private async readAllRaw(fromPosition: ReadPosition, direction: typeof FORWARDS | typeof BACKWARDS, limit: number): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    const reading = this.client.readAll({ fromPosition, direction, maxCount: limit, filter: this.allFilter() });
    for await (const resolved of reading) {
      const event = this.decode(resolved);
      if (event) events.push(event);
    }
    return events;
  }

  private async readAllAfterSeek(from: number, limit: number): Promise<StoredEvent[]> {
    const newestFirst: StoredEvent[] = [];
    let cursor: ReadPosition = END;
    for (;;) {
      const page = await this.readAllRaw(cursor, BACKWARDS, SCAN_PAGE);
      // A backwards read returns the records that end at or before the position (KurrentDB's
      // AllReader), so not the one we already hold that starts there; the filter only guards that.
      const fresh = cursor === END ? page : page.filter((event) => event.position < newestFirst.at(-1)!.position);
      for (const event of fresh) {
        if (event.position < from) return newestFirst.reverse().slice(0, limit);
        newestFirst.push(event);
      }
      if (page.length < SCAN_PAGE || fresh.length === 0) return newestFirst.reverse().slice(0, limit);
      const oldest = newestFirst.at(-1)!.position;
      cursor = { commit: BigInt(oldest), prepare: BigInt(oldest) };
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen();
    const position = options.fromPosition;
    const fromPosition: ReadPosition =
      position === 'end'
        ? END
        : position === undefined || position === 'start' || position === 0
          ? START
          : { commit: BigInt(position), prepare: BigInt(position) };
    // KurrentDB's subscription from a position is already exclusive, as the port asks.
    const source = this.client.subscribeToAll({ fromPosition, filter: this.allFilter() });
    let failure: unknown;
    // Without a listener an 'error' before iteration starts would crash the process.
    source.on('error', (error) => (failure ??= error));
    let closed = false;
    let released = false;
    let signalClosed!: () => void;
    const whenClosed = new Promise<'closed'>((resolve) => (signalClosed = () => resolve('closed')));
    const release = async () => {
      if (released) return;
      released = true;
      await source.unsubscribe().catch(() => undefined);
      source.destroy();
    };
    const decode = (resolved: AllStreamResolvedEvent) => this.decode(resolved);
    // Filtered here, not by the server: its filters take stream names or event types, not both,
    // and allFilter() already uses one (our namespace). A skipped event is a checkpoint passed.
    const filter = options.filter;
    const wanted = filter ? new Set(filter.eventTypes) : undefined;

    async function* run(): AsyncGenerator<StoredEvent> {
      const events = source[Symbol.asyncIterator]();
      try {
        while (!closed) {
          // Raced with unsubscribe(): whether a cancelled gRPC stream ends the readable is the
          // client's business, and a pending next() must not keep the caller waiting.
          const next = await Promise.race([events.next(), whenClosed]);
          if (next === 'closed' || next.done) return;
          const event = decode(next.value);
          if (!event) continue;
          if (wanted && !wanted.has(event.type)) filter!.checkpointReached?.(event.position);
          else yield event;
        }
      } catch (error) {
        if (closed) return; // the client reports its own cancellation as an error
        throw toStoreError(failure ?? error);
      } finally {
        await release();
      }
    }

    const iterator = run();
    return {
      [Symbol.asyncIterator]: () => iterator,
      async unsubscribe() {
        if (closed) return;
        closed = true;
        signalClosed();
        await release();
        await iterator.return(undefined);
      },
    };
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.guard(async () => {
      const [last] = await this.readAllRaw(END, BACKWARDS, 1);
      return last?.position ?? 0;
    });
  }

  async streamRevision(streamId: string): Promise<number | 'no_stream'> {
    this.assertOpen();
    return this.guard(async () => (await this.readHead(this.prefix + streamId))?.revision ?? 'no_stream');
  }

  async ping(): Promise<void> {
    this.assertOpen();
    // One event of $all, unfiltered: the cheapest read that needs the server.
    await this.guard(async () => {
      for await (const _ of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) break;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.dispose();
  }

  /** Server-side filter for $all: our namespace, or everything that is not a system event. */
  private allFilter(): Filter {
    return this.prefix ? streamNameFilter({ prefixes: [this.prefix] }) : excludeSystemEvents();
  }

  /**
   * KurrentDB event → StoredEvent; undefined for system events, which share $all with ours.
   * position is the commit position: a byte offset in KurrentDB's log, increasing but with gaps,
   * and far below 2^53 (8 PiB) for any real store, so a JS number holds it exactly.
   */
  private decode(resolved: ResolvedEvent | AllStreamResolvedEvent): StoredEvent | undefined {
    const recorded = resolved.event as RecordedEvent | undefined;
    if (!recorded || recorded.type.startsWith('$') || recorded.streamId.startsWith('$')) return undefined;
    if (!recorded.streamId.startsWith(this.prefix)) return undefined;
    const commit = recorded.position?.commit ?? resolved.commitPosition;
    if (commit === undefined) {
      throw new Error('KurrentDB returned an event without its position: the adapter needs KurrentDB 22.6 or later');
    }
    // Every event appended through the gRPC API commits itself (commit = prepare). Only events of
    // an explicit transaction (the legacy TCP API) share their commit's position, which would make
    // "after this position" skip the rest of the transaction: refuse such a store loudly.
    if (recorded.position && recorded.position.prepare !== recorded.position.commit) {
      throw new Error(
        `KurrentDB event ${recorded.id} of ${recorded.streamId} was written in an explicit transaction ` +
          '(commit and prepare positions differ): its $all position is not its own, which this adapter cannot order',
      );
    }
    const wire = (recorded.metadata ?? {}) as Partial<WireMetadata> & Record<string, unknown>;
    const data = recorded.isJson ? recorded.data : decodeBinary(recorded.data as Uint8Array);
    return {
      id: recorded.id,
      type: recorded.type,
      data: data as Record<string, unknown>,
      // Events written by other tools have no `meta`; their metadata is passed on as it is.
      metadata: (typeof wire.meta === 'string' ? JSON.parse(wire.meta) : wire) as EventMetadata,
      streamId: recorded.streamId.slice(this.prefix.length),
      revision: Number(recorded.revision),
      position: Number(commit),
      hash: typeof wire.hash === 'string' ? wire.hash : '',
    };
  }

  /** Maps the client's connection failures to the port's error; everything else passes through. */
  private async guard<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('Event store is closed');
  }
}

/**
 * The server refused a plan's exact revision. The caller's own expectation held when we read the
 * head; 'any'/'stream_exists' would still hold, so re-read and retry (LostRace); otherwise it is a
 * real conflict.
 */
function conflictOf(plan: PlannedAppend, actual: number | 'no_stream'): LostRace | WrongExpectedRevisionError {
  const expected = plan.request.expectedRevision ?? 'any';
  const conflict = new WrongExpectedRevisionError(plan.request.streamId, expected, actual);
  return (expected === 'any' || expected === 'stream_exists') && revisionMatches(expected, actual) ? new LostRace(conflict) : conflict;
}

/** An 'any'/'stream_exists' append lost the race for the chain's exact revision: read again and retry. */
class LostRace extends Error {
  constructor(readonly conflict: WrongExpectedRevisionError) {
    super(conflict.message);
  }
}

function unwrapLostRace(error: unknown): unknown {
  return error instanceof LostRace ? error.conflict : error;
}

function errorType(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? ((error as { type?: unknown }).type as string | undefined) : undefined;
}

function grpcCode(error: unknown): number | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

function isWrongExpectedVersion(
  error: unknown,
): error is { streamName: string; actualState: bigint | typeof NO_STREAM } & Error {
  return errorType(error) === ErrorType.WRONG_EXPECTED_VERSION;
}

/**
 * KurrentDB's size refusals, all before anything is written: a single-stream append over the
 * server's MaxAppendSize (1 MiB by default), and a multi-stream append with a record or a whole
 * transaction over its limits (25.1+).
 */
function appendTooLarge(error: unknown): AppendTooLargeError | undefined {
  const details = error as { maxAppendSize?: unknown; maxSize?: unknown; size?: unknown };
  const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  switch (errorType(error)) {
    case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED:
      return new AppendTooLargeError(number(details.maxAppendSize), undefined, error);
    case ErrorType.APPEND_RECORD_SIZE_EXCEEDED:
    case ErrorType.TRANSACTION_MAX_SIZE_EXCEEDED:
      return new AppendTooLargeError(number(details.maxSize), number(details.size), error);
    default:
      return undefined;
  }
}

function isUnimplemented(error: unknown): boolean {
  return errorType(error) === ErrorType.UNSUPPORTED || grpcCode(error) === GRPC_UNIMPLEMENTED;
}

/** Unreachable, timed out, or no leader to talk to (a cluster electing one): retryable later. */
function isUnavailable(error: unknown): boolean {
  const type = errorType(error);
  if (
    type === ErrorType.UNAVAILABLE ||
    type === ErrorType.DEADLINE_EXCEEDED ||
    type === ErrorType.TIMEOUT ||
    type === ErrorType.NOT_LEADER
  ) {
    return true;
  }
  // Appends go through grpc-js directly and can surface its raw ServiceError (code 14).
  const code = grpcCode(error);
  return type === undefined && (code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function withUuidId(event: NewEvent): NewEvent {
  if (!UUID.test(event.id)) throw new TypeError(`KurrentDB event ids are UUIDs; '${event.id}' is not one`);
  const id = event.id.toLowerCase();
  return id === event.id ? event : { ...event, id };
}

/** Events from other writers may be binary; ours are always JSON. */
function decodeBinary(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { base64: Buffer.from(bytes).toString('base64') };
  }
}

function toStoreError(error: unknown): unknown {
  if (error instanceof EventStoreUnavailableError || !isUnavailable(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new EventStoreUnavailableError(`KurrentDB unavailable: ${detail}`, error);
}
