import { createHmac } from 'node:crypto';
import { InvalidTokenError, type TokenClaims, TokenVerifier, mayActOnProgramme, mayActOnTerm, signToken, verifyToken } from './jwt.js';

const SECRET = 'unit-secret-unit-secret-unit-secret-0123';
const NOW = 1_800_000_000;
const base: TokenClaims = { sub: 'u-1', name: '王芳', roles: ['supervisor'], programmes: ['jinan-mayor'] };

describe('tokens', () => {
  it('round-trips the claims, terms included', () => {
    const claims = { ...base, terms: ['jinan-mayor-2026'], exp: NOW + 60 };
    expect(verifyToken(signToken(claims, SECRET), SECRET, NOW)).toEqual(claims);
  });

  it('refuses a forged, an expired or a malformed token', () => {
    const token = signToken({ ...base, exp: NOW + 60 }, SECRET);
    expect(() => verifyToken(token, 'another-secret-another-secret-0123456', NOW)).toThrow(new InvalidTokenError('bad signature'));
    expect(() => verifyToken(token, SECRET, NOW + 60)).toThrow(new InvalidTokenError('token expired'));
    expect(() => verifyToken('a.b', SECRET, NOW)).toThrow(new InvalidTokenError('malformed token'));
  });

  // A header or payload that is valid JSON but no object (null, a number, a list) is malformed, not a crash.
  it.each([
    ['null', 'null'],
    ['a number', '5'],
    ['a list', '[]'],
    ['a string', '"x"'],
  ])('refuses a header or payload that decodes to %s', (_label, json) => {
    const part = Buffer.from(json).toString('base64url');
    const sign = (header: string, payload: string) =>
      `${header}.${payload}.${createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url')}`;
    const [header, payload] = signToken(base, SECRET).split('.') as [string, string];
    expect(() => verifyToken(sign(part, payload), SECRET, NOW)).toThrow(new InvalidTokenError('malformed token'));
    expect(() => verifyToken(sign(header, part), SECRET, NOW)).toThrow(new InvalidTokenError('malformed token'));
  });

  // RFC 7519 4.1.4, 4.1.5: exp and nbf, when present, are NumericDates; a token is not accepted before its nbf.
  it.each([
    ['exp', 'a string', '1800000060'],
    ['exp', 'null', null],
    ['exp', 'a list', [NOW + 60]],
    ['nbf', 'a string', '1799999990'],
    ['nbf', 'an object', {}],
  ])('refuses %s given as %s', (claim, _label, value) => {
    const token = signToken({ ...base, [claim]: value } as unknown as TokenClaims, SECRET);
    expect(() => verifyToken(token, SECRET, NOW)).toThrow(new InvalidTokenError(`token ${claim} must be a NumericDate`));
  });

  it('refuses a token before its nbf and accepts it from then on; a token without exp stays accepted', () => {
    const token = signToken({ ...base, nbf: NOW + 1 }, SECRET);
    expect(() => verifyToken(token, SECRET, NOW)).toThrow(new InvalidTokenError('token not valid yet'));
    expect(verifyToken(token, SECRET, NOW + 1).sub).toBe('u-1');
    expect(verifyToken(signToken(base, SECRET), SECRET, NOW).sub).toBe('u-1');
  });

  it.each([
    ['an empty list', []],
    ['a list with an empty id', ['']],
    ['a string', 'jinan-mayor-2026'],
    ['numbers', [2026]],
  ])('refuses terms given as %s', (_label, terms) => {
    const token = signToken({ ...base, terms } as unknown as TokenClaims, SECRET);
    expect(() => verifyToken(token, SECRET, NOW)).toThrow(new InvalidTokenError('token terms must be a non-empty list of term ids'));
  });

  it('refuses an unknown role and missing programmes', () => {
    expect(() => verifyToken(signToken({ ...base, roles: ['mayor'] } as unknown as TokenClaims, SECRET), SECRET, NOW)).toThrow(/roles must be among/);
    expect(() => verifyToken(signToken({ ...base, programmes: undefined } as unknown as TokenClaims, SECRET), SECRET, NOW)).toThrow(/no programmes/);
  });
});

describe('TokenVerifier (verified tokens remembered)', () => {
  it('answers as verifyToken, and a remembered token does not let another signature through', () => {
    const verifier = new TokenVerifier(SECRET);
    const claims = { ...base, terms: ['jinan-mayor-2026'], exp: NOW + 60 };
    const token = signToken(claims, SECRET);
    expect(verifier.verify(token, NOW)).toEqual(claims);
    expect(verifier.verify(token, NOW)).toEqual(claims);
    expect(verifier.size).toBe(1);
    // Same header and payload, signed with another secret: checked in full, refused, not remembered.
    const forged = signToken(claims, 'another-secret-another-secret-0123456');
    expect(forged.slice(0, forged.lastIndexOf('.'))).toBe(token.slice(0, token.lastIndexOf('.')));
    expect(() => verifier.verify(forged, NOW)).toThrow(new InvalidTokenError('bad signature'));
    expect(() => verifier.verify(forged, NOW)).toThrow(new InvalidTokenError('bad signature'));
    expect(() => verifier.verify('a.b', NOW)).toThrow(new InvalidTokenError('malformed token'));
    expect(verifier.size).toBe(1);
  });

  it('checks the expiry of a remembered token at every call', () => {
    const verifier = new TokenVerifier(SECRET);
    const token = signToken({ ...base, exp: NOW + 60 }, SECRET);
    expect(verifier.verify(token, NOW + 59).sub).toBe('u-1');
    expect(() => verifier.verify(token, NOW + 60)).toThrow(new InvalidTokenError('token expired'));
    expect(verifier.size).toBe(0);
    expect(() => verifier.verify(token, NOW + 61)).toThrow(new InvalidTokenError('token expired'));
  });

  it("gives each call its own claims: one request's changes never reach the next", () => {
    const verifier = new TokenVerifier(SECRET);
    const token = signToken({ ...base, terms: ['jinan-mayor-2026'] }, SECRET);
    const first = verifier.verify(token, NOW);
    first.actingAs = ['supervisor'];
    first.roles.push('admin');
    first.programmes.push('*');
    first.terms!.push('other');
    expect(verifier.verify(token, NOW)).toEqual({ ...base, terms: ['jinan-mayor-2026'] });
  });

  it('remembers a bounded number of tokens, the oldest forgotten first', () => {
    const verifier = new TokenVerifier(SECRET, 2);
    const tokens = ['u-1', 'u-2', 'u-3'].map((sub) => signToken({ ...base, sub }, SECRET));
    for (const token of tokens) verifier.verify(token, NOW);
    expect(verifier.size).toBe(2);
    expect(tokens.map((token) => verifier.verify(token, NOW).sub)).toEqual(['u-1', 'u-2', 'u-3']);
    expect(verifier.size).toBe(2);
  });
});

describe('scope of a token', () => {
  const term2026 = { programmeId: 'jinan-mayor', termId: 'jinan-mayor-2026' };
  const term2028 = { programmeId: 'jinan-mayor', termId: 'jinan-mayor-2028' };

  it('without terms: every term of the listed programmes', () => {
    expect(mayActOnTerm(base, term2026)).toBe(true);
    expect(mayActOnTerm(base, term2028)).toBe(true);
    expect(mayActOnTerm(base, { programmeId: 'zibo-leader', termId: 'zibo-leader-2026' })).toBe(false);
    expect(mayActOnTerm({ programmes: ['*'] }, { programmeId: 'zibo-leader', termId: 'zibo-leader-2026' })).toBe(true);
  });

  // 济南 第九条: the supervision group is appointed for a term and dissolved at its end.
  it('with terms: only those terms, and only in a listed programme', () => {
    const bound = { ...base, terms: ['jinan-mayor-2026'] };
    expect(mayActOnTerm(bound, term2026)).toBe(true);
    expect(mayActOnTerm(bound, term2028)).toBe(false);
    expect(mayActOnTerm({ programmes: ['zibo-leader'], terms: ['jinan-mayor-2026'] }, term2026)).toBe(false);
    expect(mayActOnProgramme(bound, 'jinan-mayor')).toBe(true);
  });
});
