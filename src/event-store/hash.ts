import { createHash } from 'node:crypto';
import type { NewEvent } from './event-store.port.js';

/** Hash that stands before revision 0 of every stream. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Canonical JSON: object keys sorted in JavaScript's default order (UTF-16 code units), no
 * whitespace, `undefined` members dropped, everything else as JSON.stringify writes it. Stable
 * across adapters and languages, so an auditor can recompute a hash offline (README).
 * Hand-written rather than sort-then-stringify because it sits on the append hot path.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // Finite numbers print as JSON.stringify prints them (-0 as 0); NaN and Infinity as null.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let index = 0; index < value.length; index++) {
          if (index > 0) out += ',';
          const item = value[index];
          out += item === undefined ? 'null' : canonicalJson(item);
        }
        return `${out}]`;
      }
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += `${JSON.stringify(key)}:${canonicalJson(member)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`Cannot canonicalise ${typeof value}`);
  }
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
  return createHash('sha256')
    .update(previousHash)
    .update(
      `{"data":${canonicalData},"id":${JSON.stringify(id)},"metadata":${canonicalMetadata},"revision":${revision},"streamId":${JSON.stringify(streamId)},"type":${JSON.stringify(type)}}`,
    )
    .digest('hex');
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
