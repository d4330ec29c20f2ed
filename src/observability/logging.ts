/**
 * Structured JSON logs with pino: one line per request, and the application's own messages
 * (Nest's Logger) through the same logger. No headers, bodies, tokens or personal data.
 *
 * Not nestjs-pino: it runs every request inside an AsyncLocalStorage context so that services
 * could log with the request's bindings, which on Node 20 puts an async hook on every promise of
 * every request (measured: a few per cent of a command's time). Nothing here logs per request from
 * inside a service, so the context bought nothing; for the same reason the request line is
 * written by requestLogger below rather than by pino-http.
 */
import type { LoggerService } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Resident ids (GB 11643) and other 15–18 digit ids in URLs are personal data: never logged. */
export function maskUrl(url: string | undefined): string | undefined {
  return url?.replace(/\d{15,17}[\dXx]?/g, (id) => `${id.slice(0, 2)}***${id.slice(-1)}`).replace(/\?.*$/, (query) =>
    query.replace(/([?&](?:objector|name|contact)[^=]*=)[^&]*/gi, '$1***'),
  );
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return destination ? pino({ level }, destination) : pino({ level });
}

/** Request ids, as pino-http numbered them: per process, wrapping at 2^31 - 1. */
let lastRequestId = 0;

type LoggedRequest = IncomingMessage & { id?: number; user?: { sub?: string } };
type LoggedResponse = ServerResponse & { locals?: { problemCode?: string } };

/**
 * The request line, written when the response is finished (or the connection closed before it
 * was): `req` {id, method, masked url}, `res` {statusCode}, `responseTime` (ms), the caller's `sub`
 * as `user` and the problem `code`. Nothing from headers or bodies. Health checks are not logged.
 *
 * The same line pino-http wrote, without its two child loggers per request (each serialises the
 * request's bindings when it is made: about a tenth of what a command allocated on the server).
 * Level info, error for a 5xx; a response cut off by the client is "request aborted" at warn.
 */
export function requestLogger(logger: Logger): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req: LoggedRequest, res: LoggedResponse, next) => {
    if (req.url === '/api/health') return next();
    const id = (lastRequestId = (lastRequestId + 1) & 0x7fffffff);
    req.id ??= id;
    const started = Date.now();
    const done = () => {
      res.removeListener('finish', done);
      res.removeListener('close', done);
      const aborted = !res.writableFinished;
      const line = {
        req: { id: req.id, method: req.method, url: maskUrl(req.url) },
        user: req.user?.sub,
        code: res.locals?.problemCode,
        res: { statusCode: res.statusCode },
        responseTime: Date.now() - started,
      };
      if (aborted) logger.warn(line, 'request aborted');
      else if (res.statusCode >= 500) logger.error(line, 'request failed');
      else logger.info(line, 'request completed');
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}

/** Nest's logger interface over pino: `context` becomes a field. */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info(fields(context), String(message));
  }

  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ ...fields(context), ...(trace ? { trace } : {}) }, String(message));
  }

  warn(message: unknown, context?: string): void {
    this.logger.warn(fields(context), String(message));
  }

  debug(message: unknown, context?: string): void {
    this.logger.debug(fields(context), String(message));
  }

  verbose(message: unknown, context?: string): void {
    this.logger.trace(fields(context), String(message));
  }

  fatal(message: unknown, context?: string): void {
    this.logger.fatal(fields(context), String(message));
  }
}

const fields = (context: string | undefined) => (context ? { context } : {});
