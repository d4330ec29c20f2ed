import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ForbiddenError, UnauthorizedError } from '../http/http-errors.js';
import { InvalidTokenError, type Role, type TokenClaims, TokenVerifier } from './jwt.js';

export const JWT_SECRET = Symbol.for('JWT_SECRET');
const PUBLIC_KEY = 'auth:public';
const ROLES_KEY = 'auth:roles';

/** Routes anyone may call (health probe, API docs). Everything else needs a token. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
/** Roles allowed on a route (any of them); without it any authenticated role may call. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export interface AuthenticatedRequest extends Request {
  user: TokenClaims;
}

/** Global guard: 401 without a valid bearer token, 403 when the route's roles exclude the user's. */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly tokens: TokenVerifier;

  constructor(
    private readonly reflector: Reflector,
    @Inject(JWT_SECRET) secret: string,
  ) {
    this.tokens = new TokenVerifier(secret);
  }

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new UnauthorizedError('A bearer token is required (Authorization: Bearer <JWT>)');
    try {
      // Token expiry uses the real time even under CLOCK=manual, so a rehearsal cannot revive old tokens.
      request.user = this.tokens.verify(match[1]!, Math.floor(Date.now() / 1000));
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new UnauthorizedError(`Invalid token: ${error.message}`);
      throw error;
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    // The token's roles this route admits: the capacity in which the caller acts on this call.
    const actingAs = roles ? request.user.roles.filter((role) => roles.includes(role)) : request.user.roles;
    if (roles && actingAs.length === 0) throw new ForbiddenError(`This call needs one of the roles: ${roles.join(', ')}`);
    request.user.actingAs = actingAs;
    return true;
  }
}
