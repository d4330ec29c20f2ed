import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { createLogger, maskUrl, requestLogger } from './logging.js';

/** A logger writing JSON lines into an array. */
function capture() {
  const lines: Array<Record<string, any>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger('info', stream) };
}

/** Just what the middleware touches of a request and a response. */
function exchange(url: string, method = 'GET') {
  const req = Object.assign(new EventEmitter(), { url, method }) as unknown as IncomingMessage & { user?: { sub: string } };
  const res = Object.assign(new EventEmitter(), { statusCode: 200, writableFinished: false, locals: {} as Record<string, unknown> });
  const finish = (status: number, code?: string) => {
    res.statusCode = status;
    if (code) res.locals.problemCode = code;
    res.writableFinished = true;
    res.emit('finish');
    res.emit('close');
  };
  return { req, res: res as typeof res & ServerResponse, finish };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('requestLogger: one line per request', () => {
  it('writes method, masked URL, status, time, caller and problem code once, when the response is finished', async () => {
    const { lines, logger } = capture();
    const middleware = requestLogger(logger);
    const { req, res, finish } = exchange('/api/bans/110105197001010019?programmeId=jinan-mayor&name=王芳');
    let nexted = 0;
    middleware(req, res, () => nexted++);
    req.user = { sub: 'office-7' };
    finish(422, 'RULE_REFUSED');
    await flush();
    expect(nexted).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { method: 'GET', url: '/api/bans/11***9?programmeId=jinan-mayor&name=***' },
      res: { statusCode: 422 },
      user: 'office-7',
      code: 'RULE_REFUSED',
    });
    expect(typeof lines[0]!.req.id).toBe('number');
    expect(typeof lines[0]!.responseTime).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('王芳');
  });

  it('numbers requests one after another', async () => {
    const { lines, logger } = capture();
    const middleware = requestLogger(logger);
    for (const url of ['/api/a', '/api/b']) {
      const { req, res, finish } = exchange(url);
      middleware(req, res, () => undefined);
      finish(200);
    }
    await flush();
    expect(lines[1]!.req.id).toBe(lines[0]!.req.id + 1);
  });

  it('logs a 5xx at error level as a failure, and a response the client cut off as aborted', async () => {
    const { lines, logger } = capture();
    const middleware = requestLogger(logger);
    const failed = exchange('/api/applications', 'POST');
    middleware(failed.req, failed.res, () => undefined);
    failed.finish(503, 'STORE_UNAVAILABLE');
    const cut = exchange('/api/terms/x/audit-export');
    middleware(cut.req, cut.res, () => undefined);
    cut.res.emit('close');
    await flush();
    expect(lines.map((l) => [l.level, l.msg, l.res.statusCode])).toEqual([
      [50, 'request failed', 503],
      [40, 'request aborted', 200],
    ]);
  });

  it('does not log health checks, but passes them on', async () => {
    const { lines, logger } = capture();
    const { req, res, finish } = exchange('/api/health');
    let nexted = 0;
    requestLogger(logger)(req, res, () => nexted++);
    finish(200);
    await flush();
    expect(nexted).toBe(1);
    expect(lines).toEqual([]);
  });
});

describe('maskUrl', () => {
  it('masks 15–18 digit ids and the values of personal query parameters', () => {
    expect(maskUrl('/api/bans/11010519700101001X?objectorName=李四&contact=139&termId=t')).toBe('/api/bans/11***X?objectorName=***&contact=***&termId=t');
  });
});
