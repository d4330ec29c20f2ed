import type { Params } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Resident ids (GB 11643) and other 15–18 digit ids in URLs are personal data: never logged. */
export function maskUrl(url: string | undefined): string | undefined {
  return url?.replace(/\d{15,17}[\dXx]?/g, (id) => `${id.slice(0, 2)}***${id.slice(-1)}`).replace(/\?.*$/, (query) =>
    query.replace(/([?&](?:objector|name|contact)[^=]*=)[^&]*/gi, '$1***'),
  );
}

/** One JSON line per request; no tokens, bodies or personal data. */
export function loggerParams(level: string): Params {
  return {
    pinoHttp: {
      level,
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
    },
  };
}
