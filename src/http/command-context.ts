import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { AuthenticatedRequest } from '../auth/auth.guard.js';
import { ValidationFailedError } from './http-errors.js';
import { idempotencyScope } from './idempotency.interceptor.js';

/** What every command carries besides its own fields: who, which command, which conversation. */
export interface CommandContext {
  actor: { sub: string; name: string; roles: string[] };
  commandId: string;
  correlationId: string;
  causationId?: string;
  /** Business date the decision was taken (YYYY-MM-DD), from the body; defaults to today. */
  occurredAt?: string;
  /** From If-Match: the revision the client last saw; a stale one is refused with 412. */
  expectedRevision?: number;
}

/** UUID (version 8 layout) derived from text: the same Idempotency-Key gives the same command id. */
export function deterministicUuid(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
  if (!match) {
    throw new ValidationFailedError([{ field: 'If-Match', message: 'must be an ETag from this API, e.g. "3"' }]);
  }
  return Number(match[1]);
}

export function commandContextFrom(request: AuthenticatedRequest, occurredAt?: string): CommandContext {
  const key = request.headers['idempotency-key'];
  const correlation = request.headers['x-correlation-id'];
  const commandId =
    typeof key === 'string' ? deterministicUuid(`${idempotencyScope(request)} ${key}`) : randomUUID();
  const correlationId =
    typeof correlation === 'string' && /^[\w.:-]{1,100}$/.test(correlation) ? correlation : commandId;
  return {
    actor: { sub: request.user.sub, name: request.user.name, roles: [...request.user.roles] },
    commandId,
    correlationId,
    causationId: typeof request.headers['x-causation-id'] === 'string' ? request.headers['x-causation-id'] : undefined,
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
