import express, { type Request, type RequestHandler } from 'express';
import { BodyTooDeepError, UnsupportedMediaTypeError } from './http-errors.js';

/** application/json and the types built on it (RFC 6839 `+json`, e.g. application/merge-patch+json). */
const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * Levels of objects and lists a body may nest (the body itself is level 1). The deepest command
 * body, a review's scores, is 4; class-transformer overflows the stack somewhere below 1,500.
 */
export const MAX_BODY_DEPTH = 32;

/**
 * The request body parsers, instead of Nest's: JSON only, since every command reads JSON. Nest's
 * also parsed form bodies, and any other type's body was dropped, so a command ran without it.
 */
export function bodyParsers(): RequestHandler[] {
  return [requireJson, express.json({ type: JSON_TYPES }), limitDepth];
}

/** Methods whose body this API reads (commands); a GET's or HEAD's body is not read, so not judged. */
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A body of another type (or of none named) is refused before it is read. An empty body is no body. */
const requireJson: RequestHandler = (request, _response, next) => {
  next(WITH_BODY.has(request.method) && hasBody(request) && !request.is(JSON_TYPES) ? new UnsupportedMediaTypeError() : undefined);
};

function hasBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length']) > 0;
}

/** Right after parsing, so that no later layer (validation, idempotency hashing, the store) sees a deeper body. */
const limitDepth: RequestHandler = (request, _response, next) => {
  next(deeperThan(request.body, MAX_BODY_DEPTH) ? new BodyTooDeepError(MAX_BODY_DEPTH) : undefined);
};

/** Whether `value` nests more than `levels` levels of objects and lists; recurses no deeper than that. */
function deeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  for (const child of Object.values(value)) if (deeperThan(child, levels - 1)) return true;
  return false;
}
