import { hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { NewEvent } from './event-store.port.js';

export { canonicalJson } from './canonical-json.js';

/** Hash that stands before revision 0 of every stream. */
export const GENESIS_HASH = '0'.repeat(64);

/** The part of an event its hash covers: everything but the global position (assigned at commit). */
export interface HashedFields {
  streamId: string;
  revision: number;
  id: string;
  type: string;
  data: unknown;
  metadata: unknown;
}

export function hashableEvent(event: NewEvent, streamId: string, revision: number): HashedFields {
  return { streamId, revision, id: event.id, type: event.type, data: event.data, metadata: event.metadata };
}

/** SHA-256 hex of `previousHash` followed by the canonical JSON of the event. */
export function chainHash(previousHash: string, fields: HashedFields): string {
  return sha256Hex(previousHash + canonicalJson(fields));
}

/**
 * One-shot hashing (crypto.hash, Node >= 20.12): no Hash object per event and one call into
 * native code instead of four. Hex is its default output encoding.
 */
function sha256Hex(text: string): string {
  return hash('sha256', text);
}

/**
 * The same hash as chainHash, for adapters that already hold the canonical JSON of data and
 * metadata (they store it): the covered object's keys are fixed, so its canonical form is a
 * concatenation in sorted key order (data, id, metadata, revision, streamId, type).
 */
export function chainHashOfCanonical(
  previousHash: string,
  streamId: string,
  revision: number,
  id: string,
  type: string,
  canonicalData: string,
  canonicalMetadata: string,
): string {
  return sha256Hex(
    `${previousHash}{"data":${canonicalData},"id":${JSON.stringify(id)},"metadata":${canonicalMetadata},"revision":${revision},"streamId":${JSON.stringify(streamId)},"type":${JSON.stringify(type)}}`,
  );
}

export interface ChainCheck {
  ok: boolean;
  checked: number;
  /** First event whose stored hash does not match, or whose revision breaks the sequence. */
  firstMismatch?: { revision: number; id: string; expected: string; stored: string; reason: string };
}

/** Recomputes a stream's chain from revision 0. */
export function verifyChain(
  events: ReadonlyArray<HashedFields & { hash: string }>,
): ChainCheck {
  let previous = GENESIS_HASH;
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    if (event.revision !== index) {
      return {
        ok: false,
        checked: index,
        firstMismatch: {
          revision: event.revision,
          id: event.id,
          expected: `revision ${index}`,
          stored: `revision ${event.revision}`,
          reason: 'missing or reordered event',
        },
      };
    }
    const expected = chainHash(previous, {
      streamId: event.streamId,
      revision: event.revision,
      id: event.id,
      type: event.type,
      data: event.data,
      metadata: event.metadata,
    });
    if (expected !== event.hash) {
      return {
        ok: false,
        checked: index,
        firstMismatch: { revision: event.revision, id: event.id, expected, stored: event.hash, reason: 'hash mismatch' },
      };
    }
    previous = event.hash;
  }
  return { ok: true, checked: events.length };
}
