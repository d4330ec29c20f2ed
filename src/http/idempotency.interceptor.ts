import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { canonicalJson } from '../event-store/hash.js';
import type { AuthenticatedRequest } from '../auth/auth.guard.js';
import { IdempotencyInProgressError, IdempotencyKeyReusedError, ValidationFailedError } from './http-errors.js';
import { IDEMPOTENCY_STORE, type IdempotencyStore } from './idempotency.store.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Who, the method and the request target in its canonical form: the scope of an Idempotency-Key,
 * and with the key the seed of the command id (command-context.ts).
 */
export function idempotencyScope(request: AuthenticatedRequest): string {
  return `${request.user?.sub ?? 'anonymous'} ${request.method} ${canonicalTarget(request)}`;
}

/** A route pattern of literal segments and `:name` params only (every route of this API). */
const SIMPLE_PATTERN = /^(?:\/(?:[A-Za-z0-9._~-]+|:[A-Za-z_$][\w$]*))*\/?$/;

/**
 * The path of the handler Express chose, with its params, independent of how the client spelt it.
 * Express matches routes case-insensitively and ignores a trailing slash, so `/api/x/1/objections`,
 * `/api/x/1/objections/` and `/API/x/1/objections` run the same handler with the same params; the
 * literal URL would give each its own scope and command id, and run the command once per spelling.
 * The route's declared pattern with each param substituted (URL-encoded, so that no value can
 * pass for a separator) names one handler and one set of params, and for the spelling the API
 * documents it is the very path requested, so records and command ids made before stay valid.
 */
export function canonicalTarget(request: Pick<AuthenticatedRequest, 'route' | 'params' | 'baseUrl' | 'originalUrl'>): string {
  const pattern: unknown = request.route?.path;
  // Outside a routed handler there is no pattern (not the case for a command): the path as sent.
  if (typeof pattern !== 'string') return request.originalUrl.split('?')[0]!;
  const params = (request.params ?? {}) as Record<string, unknown>;
  const path = `${request.baseUrl ?? ''}${pattern}`;
  if (SIMPLE_PATTERN.test(path)) {
    const filled = path.replace(/:([A-Za-z_$][\w$]*)/g, (_, name: string) => encodeURIComponent(String(params[name] ?? '')));
    return filled.length > 1 ? filled.replace(/\/$/, '') : filled;
  }
  // Wildcards, optional groups: the pattern itself and the params, still one string per target.
  return `${path} ${canonicalJson(params)}`;
}

/**
 * Idempotency-Key on commands: the same key with the same body returns the first answer without
 * running the command again; the same key with another body is a 422. The key also becomes the
 * command id, from which event ids derive, so even a lost record cannot cause a second append.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(@Inject(IDEMPOTENCY_STORE) private readonly store: IdempotencyStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    const key = request.headers['idempotency-key'];
    if (!MUTATING.has(request.method) || key === undefined) return next.handle();
    return from(this.handle(String(key), request, response, next));
  }

  private async handle(key: string, request: AuthenticatedRequest, response: Response, next: CallHandler): Promise<unknown> {
    if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
      throw new ValidationFailedError([{ field: 'Idempotency-Key', message: 'must be 1–200 visible ASCII characters' }]);
    }
    const scope = idempotencyScope(request);
    const requestHash = createHash('sha256')
      .update(canonicalJson({ body: request.body ?? null, ifMatch: request.headers['if-match'] ?? null }))
      .digest('hex');
    const reservation = await this.store.reserve(scope, key, requestHash, Date.now());
    if (reservation.outcome !== 'reserved') {
      if (reservation.requestHash !== requestHash) throw new IdempotencyKeyReusedError();
      if (reservation.outcome === 'pending') throw new IdempotencyInProgressError();
      const stored = reservation.response;
      response.status(stored.status);
      for (const [name, value] of Object.entries(stored.headers)) response.setHeader(name, value);
      response.setHeader('Idempotent-Replayed', 'true');
      return stored.body;
    }
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const headers: Record<string, string> = {};
      for (const name of ['etag', 'location']) {
        const value = response.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      await this.store.complete(scope, key, { status: response.statusCode, body, headers });
      return body;
    } catch (error) {
      // A refused or failed command is not remembered: the retry runs again (and stays safe,
      // because the command id derived from the key makes its events idempotent in the store).
      await this.store.release(scope, key);
      throw error;
    }
  }
}
