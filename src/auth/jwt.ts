import { createHmac, timingSafeEqual } from 'node:crypto';

export const ROLES = ['office', 'auditor', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface TokenClaims {
  sub: string;
  name: string;
  roles: Role[];
  /** Programme ids the user may act on, or ['*']. */
  programmes: string[];
  /**
   * Term ids the user may act on, when the user's mandate is one term's: a supervision group is
   * appointed for a term and dissolved at its end (济南 第九条, 淄博 第十二条). Absent: every term
   * of the listed programmes. A token with terms cannot act on a programme as a whole (open a term).
   */
  terms?: string[];
  iat?: number;
  /** Optional (tests and tools sign tokens without it; the CLI always sets it), a NumericDate when present. */
  exp?: number;
  /** A NumericDate: the token is refused before it (RFC 7519 4.1.5). */
  nbf?: number;
  /**
   * Not a claim: set per request by the AuthGuard to the token's roles that the route admits,
   * the capacity in which the caller acts on this call (a token with supervisor and auditor
   * reads the objection log as a supervisor, a term as either).
   */
  actingAs?: Role[];
}

export class InvalidTokenError extends Error {}

const b64url = (input: Buffer | string) => Buffer.from(input).toString('base64url');

/** HS256 JWT. Small enough to own: no algorithm negotiation, so no 'none' or RS/HS confusion. */
export function signToken(claims: TokenClaims, secret: string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

export function verifyToken(token: string, secret: string, nowSeconds: number): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new InvalidTokenError('malformed token');
  const [header, payload, signature] = parts as [string, string, string];
  const parsedHeader = parseObject(header) as { alg?: unknown };
  const claims = parseObject(payload) as Partial<Record<keyof TokenClaims, unknown>>;
  if (parsedHeader.alg !== 'HS256') throw new InvalidTokenError('only HS256 tokens are accepted');
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InvalidTokenError('bad signature');
  }
  // RFC 7519 4.1.4, 4.1.5: exp and nbf, when present, are NumericDates; anything else is not a date to trust.
  for (const claim of ['exp', 'nbf'] as const) {
    if (claims[claim] !== undefined && !Number.isFinite(claims[claim])) throw new InvalidTokenError(`token ${claim} must be a NumericDate`);
  }
  if (typeof claims.exp === 'number' && claims.exp <= nowSeconds) throw new InvalidTokenError('token expired');
  if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds) throw new InvalidTokenError('token not valid yet');
  if (typeof claims.sub !== 'string' || !claims.sub) throw new InvalidTokenError('token has no sub');
  if (typeof claims.name !== 'string') throw new InvalidTokenError('token has no name');
  if (!Array.isArray(claims.roles) || !claims.roles.every((role) => (ROLES as readonly string[]).includes(role))) {
    throw new InvalidTokenError(`token roles must be among ${ROLES.join(', ')}`);
  }
  if (!Array.isArray(claims.programmes) || !claims.programmes.every((p) => typeof p === 'string')) {
    throw new InvalidTokenError('token has no programmes');
  }
  if (claims.terms !== undefined && (!Array.isArray(claims.terms) || claims.terms.length === 0 || !claims.terms.every((t) => typeof t === 'string' && t !== ''))) {
    throw new InvalidTokenError('token terms must be a non-empty list of term ids');
  }
  return claims as TokenClaims;
}

/** A JWT part: base64url of a JSON object. `null`, a number or a list is as malformed as bad JSON. */
function parseObject(part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidTokenError('malformed token');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidTokenError('malformed token');
  return value as Record<string, unknown>;
}

/** How many verified tokens a TokenVerifier remembers (a few per user of one office is plenty). */
const VERIFIED_TOKENS_KEPT = 1024;

/**
 * verifyToken with a memory of the tokens it has verified with this secret. A client sends the same
 * token with every request; checking its HMAC and parsing its claims again each time was about 4% of
 * a command's time on the server (CPU profile of the paced HTTP bench). The memory is keyed by the
 * whole token, signature included, so only a token that passed the full check once is ever taken
 * from it; expiry is checked against `nowSeconds` on every call; a failed check is never remembered.
 * Each call returns its own copy of the claims (the guard adds `actingAs` per request).
 */
export class TokenVerifier {
  private readonly verified = new Map<string, TokenClaims>();

  constructor(
    private readonly secret: string,
    private readonly kept = VERIFIED_TOKENS_KEPT,
  ) {}

  verify(token: string, nowSeconds: number): TokenClaims {
    let claims = this.verified.get(token);
    if (claims === undefined) {
      claims = verifyToken(token, this.secret, nowSeconds);
      // The oldest goes first when full (Map keeps insertion order).
      if (this.verified.size >= this.kept) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, copyClaims(claims));
    } else if (typeof claims.exp === 'number' && claims.exp <= nowSeconds) {
      this.verified.delete(token);
      throw new InvalidTokenError('token expired');
    }
    return copyClaims(claims);
  }

  /** Tokens remembered now (tests). */
  get size(): number {
    return this.verified.size;
  }
}

function copyClaims(claims: TokenClaims): TokenClaims {
  const copy: TokenClaims = { ...claims, roles: [...claims.roles], programmes: [...claims.programmes] };
  if (claims.terms !== undefined) copy.terms = [...claims.terms];
  delete copy.actingAs;
  return copy;
}

export function mayActOnProgramme(claims: Pick<TokenClaims, 'programmes'>, programmeId: string): boolean {
  return claims.programmes.includes('*') || claims.programmes.includes(programmeId);
}

/** Where a term or an application belongs. */
export interface TermScope {
  programmeId: string;
  termId: string;
}

/** The programme is listed and, for a token bound to terms, so is the term. */
export function mayActOnTerm(claims: Pick<TokenClaims, 'programmes' | 'terms'>, scope: TermScope): boolean {
  return mayActOnProgramme(claims, scope.programmeId) && (claims.terms === undefined || claims.terms.includes(scope.termId));
}
