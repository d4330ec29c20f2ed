import { createHmac } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Express } from 'express';
import { signToken } from '../../src/auth/jwt.js';
import { E2E_STORE, startApp, type TestApp } from './harness.js';

describe('foundation conventions (HTTP)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers health without a token, naming the store', async () => {
    const res = await t.request('GET', '/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', store: E2E_STORE });
  });

  it("builds each request and response with Express's prototypes, so Express need not change them per request", async () => {
    // src/http/express-adapter.ts: Express's per-request Object.setPrototypeOf made every
    // request's objects survive young-generation collections. Seen before Express's own listener.
    const server = t.app.getHttpServer() as Server;
    const express = t.app.getHttpAdapter().getInstance() as Express;
    const seen: Array<{ request: boolean; response: boolean }> = [];
    const listener = (request: IncomingMessage, response: ServerResponse) =>
      seen.push({ request: Object.getPrototypeOf(request) === express.request, response: Object.getPrototypeOf(response) === express.response });
    server.prependListener('request', listener);
    try {
      const res = await t.request('GET', '/api/health');
      expect(res.status).toBe(200);
      // Express's methods still work on them: the problem document of an unknown route uses res.status/res.json.
      const missing = await t.request('GET', '/api/no-such-route');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toContain('application/problem+json');
    } finally {
      server.removeListener('request', listener);
    }
    expect(seen).toEqual([
      { request: true, response: true },
      { request: true, response: true },
    ]);
  });

  it('serves the OpenAPI document and the docs UI', async () => {
    const json = await t.request('GET', '/api/docs-json');
    expect(json.status).toBe(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(json.body.paths['/api/health']).toBeDefined();
    expect(json.body.components.securitySchemes.bearer.scheme).toBe('bearer');
    const ui = await t.request('GET', '/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });

  describe('authentication', () => {
    it('refuses a call without a token with 401 problem+json', async () => {
      const res = await t.request('GET', '/api/metrics');
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', title: 'Unauthorized' });
      expect(res.body.type).toMatch(/^urn:/);
      expect(res.body.instance).toBe('/api/metrics');
    });

    it('refuses a token signed with another secret, an expired one and one with alg none', async () => {
      const forged = signToken({ sub: 'x', name: 'x', roles: ['admin'], programmes: ['*'] }, 'another-secret-another-secret-0123456');
      expect((await t.request('GET', '/api/metrics', { token: forged })).status).toBe(401);
      const expired = signToken({ sub: 'x', name: 'x', roles: ['admin'], programmes: ['*'], exp: 1000 }, 'e2e-secret-e2e-secret-e2e-secret-0123456789');
      const res = await t.request('GET', '/api/metrics', { token: expired });
      expect(res.status).toBe(401);
      expect(res.body.detail).toMatch(/expired/);
      const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","name":"x","roles":["admin"],"programmes":["*"]}').toString('base64url')}.`;
      expect((await t.request('GET', '/api/metrics', { token: none })).status).toBe(401);
    });

    it('refuses with 401, never 500, a token whose header or payload is JSON but no object, or not valid yet', async () => {
      const secret = 'e2e-secret-e2e-secret-e2e-secret-0123456789';
      const sign = (header: string, payload: string) => {
        const [h, p] = [header, payload].map((json) => Buffer.from(json).toString('base64url'));
        return `${h}.${p}.${createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`;
      };
      const claims = '{"sub":"x","name":"x","roles":["admin"],"programmes":["*"]}';
      const header = '{"alg":"HS256","typ":"JWT"}';
      const future = Math.floor(Date.now() / 1000) + 3600;
      for (const token of [
        'bnVsbA.e30.x',
        sign('null', claims),
        sign(header, 'null'),
        sign(header, '42'),
        sign(header, '[]'),
        sign(header, claims.replace('{', '{"exp":"never",')),
        sign(header, claims.replace('{', `{"nbf":${future},`)),
      ]) {
        const res = await t.request('GET', '/api/programmes', { token });
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('UNAUTHENTICATED');
      }
    });

    it('answers 403 when the role does not allow the call', async () => {
      const res = await t.request('GET', '/api/metrics', { token: t.token('office') });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    });

    it('lets a token without roles call what any authenticated user may, and nothing else', async () => {
      const roleless = t.token([]);
      expect((await t.request('GET', '/api/programmes', { token: roleless })).status).toBe(200);
      const refused = await t.request('GET', '/api/metrics', { token: roleless });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('FORBIDDEN');
    });
  });

  it('exposes Prometheus metrics for requests, latencies, appends and store errors', async () => {
    // One command first, so that the store has appended (and, on SQLite, fsynced its log).
    const opened = await t.request('POST', '/api/programmes/jinan-mayor/terms', {
      token: t.token('office'),
      body: { year: 2019, noticeDate: '2019-03-01', applicationDeadline: '2019-04-30', occurredAt: '2019-03-01' },
    });
    expect(opened.status).toBe(201);
    const res = await t.request('GET', '/api/metrics', { token: t.token('admin') });
    expect(res.status).toBe(200);
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds',
      'event_store_appends_total',
      'event_store_errors_total',
    ]) {
      expect(res.text).toContain(name);
    }
    // The embedded store's log is checkpointed by a worker thread (wal-checkpointer.ts); PostgreSQL has no such files.
    if (E2E_STORE === 'sqlite') {
      expect(res.text).toContain('sqlite_wal_checkpointer_up{file="events.db"} 1');
      expect(res.text).toContain('sqlite_wal_checkpointer_up{file="idempotency.db"} 1');
      for (const name of ['sqlite_wal_checkpoints', 'sqlite_wal_checkpoint_seconds', 'sqlite_wal_log_frames']) {
        expect(res.text).toContain(`${name}{file="events.db"} `);
      }
      // The group commits' fsyncs, off the event loop (wal-sync.ts): the disk's part of an append.
      const count = (name: string) => Number(new RegExp(`^${name}\\{file="events.db"\\} (\\d+)$`, 'm').exec(res.text)?.[1] ?? 0);
      expect(count('sqlite_wal_fsync_duration_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(count('sqlite_wal_fsync_commits_total')).toBeGreaterThanOrEqual(count('sqlite_wal_fsync_duration_seconds_count'));
    } else {
      expect(res.text).not.toContain('sqlite_wal_checkpointer_up{file="events.db"}');
      expect(res.text).not.toContain('sqlite_wal_fsync_duration_seconds_count{');
      // KurrentDB without DATABASE_URL keeps the Idempotency-Key records in DATA_DIR/idempotency.db.
      if (E2E_STORE === 'kurrentdb') expect(res.text).toContain('sqlite_wal_checkpointer_up{file="idempotency.db"} 1');
      else expect(res.text).not.toContain('sqlite_wal_checkpointer_up{');
    }
  });

  it('answers unknown routes and malformed JSON with problem documents, never 500', async () => {
    const missing = await t.request('GET', '/api/nowhere', { token: t.token('office') });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    const malformed = await t.request('POST', '/api/nowhere', { token: t.token('office'), rawBody: '{"a":' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('MALFORMED_JSON');
  });
});
