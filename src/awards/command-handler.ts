/**
 * The four steps of every command, written once: read the streams, fold, decide, append all
 * changed streams in one atomic appendMultiple with the revisions that were read.
 *
 * - Idempotency: a command whose commandId is already in its primary stream answers with what
 *   was stored; event ids derive from (commandId, streamId, index), so two identical retries
 *   racing each other also end with one write (the store's idempotentReplay).
 * - If-Match (ctx.expectedRevision) is checked against the primary stream on every attempt: 412.
 * - The first attempt may decide on streams held in memory (StreamCache, no read at all): its
 *   append carries the revisions it decided on, so a copy another writer outdated fails there; and
 *   anything that attempt refuses or fails with is decided again on fresh reads before the caller
 *   hears of it.
 * - A concurrent writer (WrongExpectedRevisionError) makes us re-read and re-decide, a bounded
 *   number of times; then the conflict goes to the caller (409).
 * - occurredAt (business date) is refused in the future and before the last event of any stream
 *   the command appends to.
 */
import type { Clock } from '../clock/clock.js';
import { shanghaiDate } from '../clock/clock.js';
import {
  type AppendResult,
  type EventStore,
  type StoredEvent,
  WrongExpectedRevisionError,
} from '../event-store/event-store.port.js';
import { InvalidOccurredAtError } from '../../workflows/errors.js';
import { type CommandContext, eventId, eventMetadata } from './command-context.js';
import { PreconditionFailedError } from './errors.js';

import type { StreamRead } from './stream-cache.js';

export type { StreamRead };

export type ReadStream = (streamId: string) => Promise<StreamRead>;

export interface PendingEvent {
  type: string;
  data: object;
}

export interface StreamChange {
  streamId: string;
  events: readonly PendingEvent[];
}

export interface DecideInput {
  read: ReadStream;
  /** The command's stream, already read. */
  primary: StreamRead;
  /** Business date of the decision. */
  occurredAt: string;
  now: Date;
}

export interface CommandSpec {
  /** Command name, recorded in the metadata. */
  name: string;
  /** The stream If-Match and idempotency refer to (the aggregate the command addresses). */
  primaryStreamId: string;
  decide(input: DecideInput): Promise<StreamChange[]> | StreamChange[];
}

export interface CommandOutcome {
  streamId: string;
  /** Revision of the primary stream after the command (for a replay: of the command's last event). */
  revision: number;
  position: number;
  /** The command had already been handled: nothing new was written. */
  idempotentReplay: boolean;
  results: AppendResult[];
}

export interface HandlerDeps {
  store: EventStore;
  clock: Clock;
  /**
   * How a stream is read (default: the whole stream from the store; AwardService passes its
   * StreamCache). `fresh: false` on a first attempt may answer from memory: the append's expected
   * revision catches a copy another writer outdated, and the next attempt reads fresh.
   */
  readStream?: (streamId: string, fresh: boolean) => Promise<StreamRead>;
  /** Told what a command appended (the StreamCache keeps it). */
  appended?(results: readonly AppendResult[]): void;
  /** Re-decisions after a concurrent write, for commands without If-Match too. */
  maxRetries?: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export async function handleCommand(deps: HandlerDeps, ctx: CommandContext, spec: CommandSpec): Promise<CommandOutcome> {
  const maxRetries = deps.maxRetries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const fresh = attempt > 0;
    const held = { used: false };
    try {
      return await attemptOnce(deps, ctx, spec, fresh, held);
    } catch (error) {
      // Whatever was judged on a copy held in memory (a refusal, a failed precondition, a stale
      // revision) is judged again on fresh reads before anyone is told.
      if (!fresh && held.used) continue;
      if (!(error instanceof WrongExpectedRevisionError) || attempt >= maxRetries) throw error;
      // Small random pause so racing writers do not collide again in lockstep.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 5 * (attempt + 1))));
    }
  }
}

async function attemptOnce(deps: HandlerDeps, ctx: CommandContext, spec: CommandSpec, fresh: boolean, held: { used: boolean }): Promise<CommandOutcome> {
  const now = deps.clock.now();
  const occurredAt = businessDate(ctx, now);
  const reads = new Map<string, StreamRead>();
  const read: ReadStream = async (streamId) => {
    const cached = reads.get(streamId);
    if (cached) return cached;
    let result: StreamRead;
    if (deps.readStream) {
      result = await deps.readStream(streamId, fresh);
      if (!fresh) held.used = true;
    }
    else {
      const events = await deps.store.readStream(streamId);
      result = { streamId, events, revision: events.at(-1)?.revision ?? 'no_stream' };
    }
    reads.set(streamId, result);
    return result;
  };

  const primary = await read(spec.primaryStreamId);
  const earlier = primary.events.filter((e) => e.metadata.commandId === ctx.commandId);
  if (earlier.length > 0) {
    const last = earlier.at(-1)!;
    return { streamId: primary.streamId, revision: last.revision, position: last.position, idempotentReplay: true, results: [] };
  }
  if (ctx.expectedRevision !== undefined) {
    const actual = primary.revision;
    const matches = actual === 'no_stream' ? ctx.expectedRevision === -1 : actual === ctx.expectedRevision;
    if (!matches) throw new PreconditionFailedError(primary.streamId, ctx.expectedRevision, actual);
  }

  const changes = (await spec.decide({ read, primary, occurredAt, now })).filter((c) => c.events.length > 0);
  const recordedAt = now.toISOString();
  const metadata = eventMetadata(ctx, occurredAt, recordedAt, spec.name);
  const requests = changes.map((change) => {
    const seen = reads.get(change.streamId);
    // Appending to a stream the decision did not read would skip its expected revision.
    if (!seen) throw new Error(`${spec.name}: ${change.streamId} was not read before deciding`);
    const lastOccurred = seen.events.at(-1)?.metadata.occurredAt;
    if (lastOccurred && occurredAt < lastOccurred.slice(0, 10)) {
      throw new InvalidOccurredAtError(
        `occurredAt ${occurredAt} is before the last event of ${change.streamId} (${lastOccurred.slice(0, 10)})`,
        { occurredAt, lastOccurredAt: lastOccurred },
      );
    }
    return {
      streamId: change.streamId,
      expectedRevision: seen.revision,
      events: change.events.map((event, index) => ({
        id:
          ctx.primaryEventId !== undefined && change.streamId === spec.primaryStreamId && index === 0
            ? ctx.primaryEventId
            : eventId(ctx.commandId, change.streamId, index),
        type: event.type,
        data: event.data as Record<string, unknown>,
        metadata,
      })),
    };
  });
  if (requests.length === 0) {
    const last = primary.events.at(-1);
    return {
      streamId: primary.streamId,
      revision: last?.revision ?? -1,
      position: last?.position ?? 0,
      idempotentReplay: false,
      results: [],
    };
  }
  const results = await deps.store.appendMultiple(requests);
  deps.appended?.(results);
  const own = results.find((r) => r.streamId === spec.primaryStreamId);
  const last = primary.events.at(-1);
  return {
    streamId: spec.primaryStreamId,
    revision: own?.nextExpectedRevision ?? last?.revision ?? -1,
    position: own?.position ?? Math.max(...results.map((r) => r.position)),
    idempotentReplay: results.every((r) => r.idempotentReplay),
    results,
  };
}

/** ctx.occurredAt, or today in Asia/Shanghai; never in the future. */
function businessDate(ctx: CommandContext, now: Date): string {
  const today = shanghaiDate(now);
  const occurredAt = ctx.occurredAt ?? today;
  if (!DATE.test(occurredAt) || Number.isNaN(Date.parse(`${occurredAt}T00:00:00Z`))) {
    throw new InvalidOccurredAtError(`occurredAt must be a date YYYY-MM-DD, got ${JSON.stringify(occurredAt)}`, { occurredAt });
  }
  if (occurredAt > today) {
    throw new InvalidOccurredAtError(`occurredAt ${occurredAt} is in the future (today is ${today} in Asia/Shanghai)`, {
      occurredAt,
      today,
    });
  }
  return occurredAt;
}
