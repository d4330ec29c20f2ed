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
