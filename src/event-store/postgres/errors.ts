import { EventStoreUnavailableError } from '../event-store.port.js';

/** SQLSTATE classes meaning the server cannot serve us now, whatever the statement. */
const UNAVAILABLE_SQLSTATE = [
  /^08/, // connection exception
  /^53/, // insufficient resources (too many connections, disk full, out of memory)
  /^57P0[1-4]/, // admin / crash shutdown, cannot connect now, database dropped
];

/** Node socket errors and pg's own messages for a lost or never-made connection. */
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
const UNAVAILABLE_MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i];

export function isUnavailable(error: unknown): boolean {
  if (error instanceof EventStoreUnavailableError) return true;
  if (typeof error !== 'object' || error === null) return false;
  if (error instanceof AggregateError) return error.errors.some(isUnavailable);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_NODE_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE.some((pattern) => pattern.test(code))) return true;
  }
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
}

/** Wraps connection-level failures in the port's error; anything else is a bug and stays as is. */
export function toStoreError(error: unknown, doing: string): unknown {
  if (error instanceof EventStoreUnavailableError || !isUnavailable(error)) return error;
  const reason = error instanceof Error && error.message ? error.message : String((error as { code?: unknown }).code ?? error);
  return new EventStoreUnavailableError(`PostgreSQL unavailable while ${doing}: ${reason}`, error);
}

export function uniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
