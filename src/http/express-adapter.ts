import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express } from 'express';

/**
 * Nest's Express adapter, with an HTTP server that builds every request and response with Express's
 * prototypes from the start.
 *
 * Express gives each request and response its methods (res.json, req.get, …) by moving them onto
 * its own prototypes: `Object.setPrototypeOf(req, app.request)` at the start of every request
 * (express/lib/application.js, app.handle). On V8 that has a price well beyond the call. Every
 * request's objects then survive young-generation collections: a bare Express 5 app answering
 * sequential keep-alive GETs promoted ~3 MB to the old generation per scavenge, and each scavenge
 * paused for ~2.8 ms, against 0 bytes and 0.1 ms for the same server without the prototype
 * change (Node 20, this repository's 2026-12-01 notes in README "HTTP latency and the garbage
 * collector"). Those pauses are the tail of every endpoint's latency.
 *
 * node:http lets a server choose the classes it builds requests and responses with. With classes
 * whose prototypes are Express's own, the prototype change at the start of each request is a
 * no-op (V8 leaves an object whose prototype is already the one given untouched), and Express
 * behaves as before: its objects are still IncomingMessage and ServerResponse, with its methods.
 *
 * HTTPS options and forceCloseConnections keep Nest's own server (neither is used here).
 */
export class PrototypedExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    super.initHttpServer(options);
    if (options?.httpsOptions || options?.forceCloseConnections) return;
    const express = this.getInstance<Express>();
    this.setHttpServer(
      createServer({ IncomingMessage: requestClass(express), ServerResponse: responseClass(express) }, express),
    );
  }
}

/** A constructor of requests whose prototype is `express.request` (itself above IncomingMessage's). */
export function requestClass(express: Express): typeof IncomingMessage {
  // A function, not a class: a class's `prototype` cannot be replaced, and node:http's own
  // IncomingMessage is a function that can be called on the new object.
  function ExpressRequest(this: IncomingMessage, socket: Socket): void {
    (IncomingMessage as unknown as (this: IncomingMessage, socket: Socket) => void).call(this, socket);
  }
  ExpressRequest.prototype = express.request;
  return ExpressRequest as unknown as typeof IncomingMessage;
}

/** A constructor of responses whose prototype is `express.response` (itself above ServerResponse's). */
export function responseClass(express: Express): typeof ServerResponse {
  function ExpressResponse(this: ServerResponse, request: IncomingMessage, options?: unknown): void {
    (ServerResponse as unknown as (this: ServerResponse, request: IncomingMessage, options?: unknown) => void).call(this, request, options);
  }
  ExpressResponse.prototype = express.response;
  return ExpressResponse as unknown as typeof ServerResponse;
}
