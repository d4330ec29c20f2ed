/**
 * What every command carries besides its own fields. Same shape as the edge's CommandContext
 * (src/http/command-context.ts), declared here so the service does not import the Nest edge.
 */
import { createHash } from 'node:crypto';
import type { Actor, EventMetadata } from '../event-store/event-store.port.js';

export interface CommandContext {
  actor: Actor;
  commandId: string;
  correlationId: string;
  causationId?: string;
  /** Business date the decision was taken (YYYY-MM-DD); defaults to today in Asia/Shanghai. */
  occurredAt?: string;
  /** From If-Match: the revision of the command's stream the client last saw. */
  expectedRevision?: number;
  /**
   * Id of the first event appended to the command's own stream, instead of the derived one: a
   * deadline fires under its deadline's id, so two schedulers, a retry or a restart append it once.
   */
  primaryEventId?: string;
}

export const SCHEMA_VERSION = 1;

export function eventMetadata(ctx: CommandContext, occurredAt: string, recordedAt: string, command: string): EventMetadata {
  return {
    actor: { sub: ctx.actor.sub, name: ctx.actor.name, roles: [...ctx.actor.roles] },
    occurredAt,
    recordedAt,
    commandId: ctx.commandId,
    correlationId: ctx.correlationId,
    causationId: ctx.causationId ?? ctx.commandId,
    schemaVersion: SCHEMA_VERSION,
    command,
  };
}

/**
 * UUID (version 8 layout) from SHA-256 over the text. Event ids are derived from
 * (commandId, streamId, index), so a retried command appends the same ids and the store answers
 * with what it stored the first time instead of writing twice.
 */
export function deterministicUuid(text: string): string {
  const bytes = createHash('sha256').update(text).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function eventId(commandId: string, streamId: string, index: number): string {
  return deterministicUuid(`event\u0000${commandId}\u0000${streamId}\u0000${index}`);
}
