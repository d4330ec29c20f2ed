import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { type CommandContext, deterministicUuid } from '../awards/command-context.js';
import type { AuthenticatedRequest } from '../auth/auth.guard.js';
import { ValidationFailedError } from './http-errors.js';
import { idempotencyScope } from './idempotency.interceptor.js';

export type { CommandContext };

export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
  if (!match) {
    throw new ValidationFailedError([{ field: 'If-Match', message: 'must be an ETag from this API, e.g. "3"' }]);
  }
  return Number(match[1]);
}

/** What a correlation or causation id from a client may be: it is stored in the hash-chained metadata for good. */
const TRACE_ID = /^[\w.:-]{1,100}$/;

/**
 * X-Causation-Id names the event or message that caused this command. Refused when malformed rather
 * than dropped: a dropped one would silently cut the chain the client meant to record.
 */
export function parseCausationId(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !TRACE_ID.test(header)) {
    throw new ValidationFailedError([{ field: 'X-Causation-Id', message: 'must be 1–100 letters, digits, _ . : or -' }]);
  }
  return header;
}

export function commandContextFrom(request: AuthenticatedRequest, occurredAt?: string): CommandContext {
  const key = request.headers['idempotency-key'];
  const correlation = request.headers['x-correlation-id'];
  const commandId =
    typeof key === 'string' ? deterministicUuid(`${idempotencyScope(request)} ${key}`) : randomUUID();
  const correlationId =
    typeof correlation === 'string' && TRACE_ID.test(correlation) ? correlation : commandId;
  return {
    actor: { sub: request.user.sub, name: request.user.name, roles: [...request.user.roles] },
    commandId,
    correlationId,
    causationId: parseCausationId(request.headers['x-causation-id']),
    occurredAt,
    expectedRevision: parseIfMatch(request.headers['if-match']),
  };
}

/** `@Ctx() ctx: CommandContext` in a controller; the body's `occurredAt` is read when present. */
export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): CommandContext => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  const occurredAt = (request.body as { occurredAt?: unknown } | undefined)?.occurredAt;
  return commandContextFrom(request, typeof occurredAt === 'string' ? occurredAt : undefined);
});
