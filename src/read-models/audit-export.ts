/**
 * The audit export of a term as JSON Lines: every stored event of the term's stream, of every
 * application of the term and of the applicants' histories involved, one per line with its hash,
 * then one trailer line. Checked offline by scripts/verify-export.mjs (README "Verifying an audit
 * export").
 *
 * Masking and hashes (朝阳 第二十五条, 忻州 第二十七条): a hash covers the original event, so a
 * line whose objector was masked cannot be re-hashed by the auditor. Such a line keeps the stored
 * hash (the next event's hash is computed over it, so the chain still links through it) and says
 * what was masked, plus a salted commitment to the masked objector:
 *
 *   salt       = HMAC-SHA256(commitment key, event id)          (hex; revealable per event)
 *   commitment = SHA-256(salt + canonicalJson(original objector))
 *
 * The salt makes a dictionary of names useless against the commitment, and a salt can be handed
 * over for one event (with the identity, e.g. on a court's order) without exposing the others.
 * The verifier recomputes the hash of every unmasked line and reports the masked ones as checked
 * by chain link only. A viewer entitled to the identity (the programme's handler role, or any
 * viewer when the objector consented) gets the original lines, every one of them re-hashable.
 */
import { createHash, createHmac } from 'node:crypto';
import type { StoredEvent } from '../event-store/event-store.port.js';
import { canonicalJson } from '../event-store/hash.js';
import { IDENTITY_FIELDS, type ObjectorRule, type Viewer, isMaskedFor, maskEvent } from './objector-masking.js';

export const EXPORT_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8';

export interface MaskedNote {
  /** Dotted paths of the fields removed from `data`. */
  fields: string[];
  /** Hash of the line as it stands cannot be recomputed; the stored one is kept. */
  hashCoversOriginal: true;
  commitment: string;
  scheme: 'sha256(salt-hex + canonical-json(objector)), salt = hmac-sha256(key, event id)';
}

export interface ExportLine {
  streamId: string;
  revision: number;
  position: number;
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: StoredEvent['metadata'];
  hash: string;
  masked?: MaskedNote;
}

export interface ExportTrailer {
  kind: 'export-end';
  termId: string;
  programmeId: string;
  exportedAt: string;
  lines: number;
  maskedLines: number;
  /** Per stream: events exported and the head's hash, so a truncated file is noticed. */
  streams: Record<string, { events: number; headRevision: number; headHash: string }>;
}

/** The commitment key, derived from a server secret so it never equals the secret itself. */
export function commitmentKey(serverSecret: string): Buffer {
  return createHmac('sha256', serverSecret).update('audit-export objector commitment v1').digest();
}

export function objectorCommitment(key: Buffer, eventId: string, objector: unknown): { salt: string; commitment: string } {
  const salt = createHmac('sha256', key).update(eventId).digest('hex');
  return { salt, commitment: createHash('sha256').update(salt).update(canonicalJson(objector)).digest('hex') };
}

export function exportLine(event: StoredEvent, viewer: Viewer, rule: ObjectorRule, key: Buffer): ExportLine {
  const line: ExportLine = {
    streamId: event.streamId,
    revision: event.revision,
    position: event.position,
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    hash: event.hash,
  };
  if (!isMaskedFor(event, viewer, rule)) return line;
  const objector = (event.data as { objector: Record<string, unknown> }).objector;
  const masked = maskEvent(event, viewer, rule);
  return {
    ...line,
    data: masked.data,
    masked: {
      fields: IDENTITY_FIELDS.filter((f) => objector[f] !== undefined).map((f) => `data.objector.${f}`),
      hashCoversOriginal: true,
      commitment: objectorCommitment(key, event.id, objector).commitment,
      scheme: 'sha256(salt-hex + canonical-json(objector)), salt = hmac-sha256(key, event id)',
    },
  };
}
