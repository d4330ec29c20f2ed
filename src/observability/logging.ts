/**
 * Structured JSON logs with pino: one line per request (pino-http), and the application's own
 * messages (Nest's Logger) through the same logger. No headers, bodies, tokens or personal data.
 *
 * Plain pino-http rather than nestjs-pino: the latter runs every request inside an
 * AsyncLocalStorage context so that services could log with the request's bindings, which on
 * Node 20 puts an async hook on every promise of every request (measured: a few per cent of a
 * command's time). Nothing here logs per request from inside a service, so the context bought
 * nothing.
 */
import type { LoggerService } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type DestinationStream, type Logger } from 'pino';
import { type HttpLogger, pinoHttp } from 'pino-http';

/** Resident ids (GB 11643) and other 15–18 digit ids in URLs are personal data: never logged. */
export function maskUrl(url: string | undefined): string | undefined {
  return url?.replace(/\d{15,17}[\dXx]?/g, (id) => `${id.slice(0, 2)}***${id.slice(-1)}`).replace(/\?.*$/, (query) =>
    query.replace(/([?&](?:objector|name|contact)[^=]*=)[^&]*/gi, '$1***'),
  );
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return destination ? pino({ level }, destination) : pino({ level });
}

/** The request line: method, masked URL, status, duration, the caller's sub and the problem code. */
export function requestLogger(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    autoLogging: { ignore: (req: IncomingMessage) => req.url === '/api/health' },
    redact: { paths: ['req.headers', 'res.headers'], remove: true },
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: maskUrl(req.url) }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    customProps: (req: IncomingMessage, res: ServerResponse) => ({
      user: (req as IncomingMessage & { user?: { sub?: string } }).user?.sub,
      code: (res as ServerResponse & { locals?: { problemCode?: string } }).locals?.problemCode,
    }),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
  });
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
