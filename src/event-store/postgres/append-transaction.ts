import type { PoolClient } from 'pg';
import {
  type AppendRequest,
  type AppendResult,
  type NewEvent,
  type StoredEvent,
  IdempotencyMismatchError,
  WrongExpectedRevisionError,
  revisionMatches,
} from '../event-store.port.js';
import { GENESIS_HASH, chainHash, hashableEvent } from '../hash.js';
import { type EventRow, type Head, type HeadRow, toHead, toStoredEvent } from './rows.js';
import { INSERT_CHUNK, type Statements } from './statements.js';

export type BeforeCommit = (positions: { first: number; last: number }) => Promise<void>;

/** An event hashed and numbered in its stream, waiting for its global position. */
interface PendingEvent {
  event: NewEvent;
  stored: StoredEvent;
}

export function assertWellFormed(requests: AppendRequest[]): void {
  const streams = new Set<string>();
  for (const { streamId, events } of requests) {
    if (streams.has(streamId)) throw new Error(`Stream ${streamId} appears twice in one append`);
    streams.add(streamId);
    const ids = new Set(events.map((event) => event.id));
    if (ids.size !== events.length) throw new IdempotencyMismatchError(streamId, 'an event id appears twice in the batch');
  }
}

/**
 * The body of one append, inside a READ COMMITTED transaction the caller opens and commits:
 *  1. lock the heads of its streams, sorted by id so that two multi-stream appends cannot
 *     deadlock (a new stream gets a placeholder head to lock);
 *  2. with those locks held, detect idempotent replays and check expected revisions;
 *  3. take positions from the one-row counter and insert the events.
 * No lock is taken after the counter's, so the lock order is the same in every transaction.
 */
export async function appendInTransaction(
  client: PoolClient,
  sql: Statements,
  requests: AppendRequest[],
  beforeCommit?: BeforeCommit,
): Promise<AppendResult[]> {
  const heads = await lockHeads(client, sql, requests);
  const results: AppendResult[] = [];
  const pending: PendingEvent[] = [];
  const written: Array<{ streamId: string; revision: number; hash: string }> = [];
  // Checked in request order, so the error names the same stream as on the other adapters.
  for (const { streamId, events, expectedRevision = 'any' } of requests) {
    const head = heads.get(streamId)!;
    const replay = await detectReplay(client, sql, streamId, events, head);
    if (replay) {
      results.push(replay);
      continue;
    }
    if (!revisionMatches(expectedRevision, head.revision)) {
      throw new WrongExpectedRevisionError(streamId, expectedRevision, head.revision);
    }
    let revision = head.revision === 'no_stream' ? -1 : head.revision;
    let previousHash = head.hash;
    const stored: StoredEvent[] = [];
    for (const event of events) {
      revision += 1;
      const hash = chainHash(previousHash, hashableEvent(event, streamId, revision));
      const storedEvent: StoredEvent = { ...event, streamId, revision, position: 0, hash };
      pending.push({ event, stored: storedEvent });
      stored.push(storedEvent);
      previousHash = hash;
    }
    if (events.length > 0) written.push({ streamId, revision, hash: previousHash });
    results.push({ streamId, nextExpectedRevision: revision, position: 0, events: stored, idempotentReplay: false });
  }
  if (pending.length === 0) return results;

  for (const head of written) await client.query(sql.updateStreamHead, [head.streamId, head.revision, head.hash]);
  // Positions last, to hold the lock that serialises every appender as briefly as possible.
  const taken = await client.query<{ last: string }>(sql.takePositions, [pending.length]);
  const last = Number(taken.rows[0]!.last);
  const first = last - pending.length + 1;
  pending.forEach(({ stored }, index) => (stored.position = first + index));
  for (const result of results) {
    if (!result.idempotentReplay) result.position = result.events.at(-1)?.position ?? 0;
  }
  await insertEvents(client, sql, pending);
  await beforeCommit?.({ first, last });
  return results;
}

/** Locks every stream head of the append in one global order; returns the heads as locked. */
async function lockHeads(client: PoolClient, sql: Statements, requests: AppendRequest[]): Promise<Map<string, Head>> {
  const heads = new Map<string, Head>();
  const sorted = [...requests].sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
  for (const { streamId, events } of sorted) {
    // A request writing nothing only needs to read the head; it creates no placeholder.
    if (events.length > 0) await client.query(sql.createStreamHead, [streamId, GENESIS_HASH]);
    const { rows } = await client.query<HeadRow>(sql.lockStreamHead, [streamId]);
    heads.set(streamId, toHead(rows[0]));
  }
  return heads;
}

/**
 * A batch whose ids are all already in the stream, in the same order and contiguous, is a retry:
 * answer with what was stored. A batch mixing stored and new ids is refused.
 */
async function detectReplay(
  client: PoolClient,
  sql: Statements,
  streamId: string,
  events: NewEvent[],
  head: Head,
): Promise<AppendResult | undefined> {
  if (events.length === 0 || head.revision === 'no_stream') return undefined;
  const ids = events.map((event) => event.id);
  const { rows } = await client.query<{ event_id: string; revision: string }>(sql.findEventIds(ids.length), [streamId, ...ids]);
  if (rows.length === 0) return undefined;
  const stored = new Map(rows.map((row) => [row.event_id, Number(row.revision)]));
  const found = ids.map((id) => stored.get(id));
  const start = found[0];
  if (start === undefined || !found.every((revision, index) => revision === start + index)) {
    throw new IdempotencyMismatchError(streamId, 'some event ids of this batch are already stored, others are not');
  }
  const range = await client.query<EventRow>(sql.streamRange, [streamId, start, start + events.length - 1]);
  const replayed = range.rows.map(toStoredEvent);
  return {
    streamId,
    nextExpectedRevision: head.revision,
    position: replayed.at(-1)!.position,
    events: replayed,
    idempotentReplay: true,
  };
}

async function insertEvents(client: PoolClient, sql: Statements, pending: PendingEvent[]): Promise<void> {
  for (let offset = 0; offset < pending.length; offset += INSERT_CHUNK) {
    const chunk = pending.slice(offset, offset + INSERT_CHUNK);
    const params = chunk.flatMap(({ event, stored }) => [
      stored.position,
      stored.streamId,
      stored.revision,
      event.id,
      event.type,
      // The JSON text as written: what the writer sent is what an auditor reads back.
      JSON.stringify(event.data),
      JSON.stringify(event.metadata),
      stored.hash,
    ]);
    await client.query(sql.insertEvents(chunk.length), params);
  }
}
