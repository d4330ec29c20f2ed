import { Writable } from 'node:stream';
import { type TestApp, startApp } from './harness.js';

/** Collects the JSON lines the app logs. */
function collector() {
  const lines: Array<Record<string, any>> = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line));
      }
      done();
    },
  });
  return { lines, raw, stream };
}

describe('request logs (JSON lines, pino)', () => {
  let t: TestApp;
  const logs = collector();
  beforeAll(async () => {
    t = await startApp({ LOG_LEVEL: 'info' }, { logDestination: logs.stream });
  });
  afterAll(() => t.close());

  it('writes one line per request with method, masked URL, status, caller and problem code, and nothing personal', async () => {
    const person = '110105197001010019';
    const token = t.token('office', ['*'], '王芳', 'office-7');
    const before = logs.lines.length;
    await t.request('GET', '/api/health');
    const bans = await t.request('GET', `/api/bans/${person}?programmeId=jinan-mayor&onDate=2021-03-15&name=王芳`, { token });
    const refused = await t.request('POST', '/api/applications', { token, body: { termId: 'nope', applicant: { kind: 'individual', id: person, name: '王芳' } } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const requests = logs.lines.slice(before).filter((l) => l.req);
    // Health checks are not logged; the two calls are, once each.
    expect(requests.map((l) => [l.req.method, l.res.statusCode])).toEqual([
      ['GET', bans.status],
      ['POST', refused.status],
    ]);
    expect(requests[0]).toMatchObject({ msg: expect.stringMatching(/^request (completed|failed)$/), user: 'office-7', req: { url: expect.stringContaining('/api/bans/11***9') } });
    expect(requests[1]).toMatchObject({ user: 'office-7', code: refused.body.code });
    expect(typeof requests[0]!.responseTime).toBe('number');
    const text = logs.raw.join('\n');
    for (const secret of [person, token, 'Bearer', '王芳', 'authorization']) expect(text).not.toContain(secret);
  });

  it('logs what the application says through the same logger (Nest\'s Logger)', () => {
    expect(logs.lines.some((l) => typeof l.context === 'string' && typeof l.msg === 'string' && !l.req)).toBe(true);
  });
});
