import { createHash } from 'node:crypto';
import type { NewEvent } from './event-store.port.js';

/** Hash that stands before revision 0 of every stream. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Canonical JSON: object keys sorted by code point, no whitespace, `undefined` members dropped,
 * as JSON.stringify does for everything else. Stable across adapters and languages, so an auditor
 * can recompute a hash offline (README "Verifying an export").
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`Cannot canonicalise ${typeof value}`);
    return text;
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const entries = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

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
  return createHash('sha256').update(previousHash).update(canonicalJson(fields)).digest('hex');
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
