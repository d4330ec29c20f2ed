import express, { type Request, type RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from './http-errors.js';

/** application/json and the types built on it (RFC 6839 `+json`, e.g. application/merge-patch+json). */
const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * The request body parsers, instead of Nest's: JSON only, since every command reads JSON. Nest's
 * also parsed form bodies, and any other type's body was dropped, so a command ran without it.
 */
export function bodyParsers(): RequestHandler[] {
  return [requireJson, express.json({ type: JSON_TYPES })];
}

/** A body of another type (or of none named) is refused before it is read. An empty body is no body. */
const requireJson: RequestHandler = (request, _response, next) => {
  next(hasBody(request) && !request.is(JSON_TYPES) ? new UnsupportedMediaTypeError() : undefined);
};

function hasBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length']) > 0;
}
