/**
 * The application with EVENT_STORE=postgres: events, read models with their checkpoints, and
 * Idempotency-Key records all in one PostgreSQL schema, nothing in DATA_DIR; a second instance
 * on the same schema resumes from the stored checkpoints and replays the first one's answer.
 * CI starts PostgreSQL; when it is unreachable this suite fails rather than skips.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { QUOTA_PROJECTION } from '../../projections/quota.js';
import { REGISTERED_PROJECTIONS } from '../../src/projections/registered-projections.js';
import { startApp, type TestApp, type TestResponse } from './harness.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PROGRAMME = 'jinan-mayor';
const TERM = 'jinan-mayor-2021';

function ok(res: TestResponse, status = 200): any {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text.slice(0, 600)}`);
  return res.body;
}

describe('EVENT_STORE=postgres', () => {
  const schema = `e2e_${randomBytes(6).toString('hex')}`;
  const env = { EVENT_STORE: 'postgres', DATABASE_URL, DATABASE_SCHEMA: schema, CLOCK: 'manual', CLOCK_START: '2021-03-15T02:00:00Z' };
  const openTerm = { year: 2021, noticeDate: '2021-03-01', applicationDeadline: '2021-04-30', occurredAt: '2021-03-01' };
  let t: TestApp;
  let admin: pg.Client;
  let office: string;
  let opened: { body: any; headers: Headers };
  /** Position of the last event: opening a term appends to the term and to the programme's register. */
  let head: number;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    t = await startApp(env);
    office = t.token('office', [PROGRAMME], '评定办');
    const res = await t.request('POST', `/api/programmes/${PROGRAMME}/terms`, { token: office, body: openTerm, headers: { 'idempotency-key': 'open-2021' } });
    opened = { body: ok(res, 201), headers: res.headers };
    head = Number((await admin.query(`SELECT MAX(position) AS head FROM "${schema}".events`)).rows[0].head);
  });
  afterAll(async () => {
    await t?.close();
    await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin?.end();
  });

  it('reports postgres in /api/health', async () => {
    expect(ok(await t.request('GET', '/api/health'))).toEqual({ status: 'ok', store: 'postgres' });
  });

  it('reads its own write through a read model: the term quota at the command position', async () => {
    const quota = ok(await t.request('GET', `/api/terms/${TERM}/quota?minPosition=${opened.body.position}`, { token: office }));
    expect(quota).toMatchObject({ stale: false, data: { termId: TERM, programmeId: PROGRAMME, year: 2021 } });
    expect(quota.checkpoint).toBeGreaterThanOrEqual(opened.body.position);
  });

  it('lists every projection in /api/projections with its checkpoint at the head', async () => {
    const names = REGISTERED_PROJECTIONS.map((p) => p.name);
    const deadline = Date.now() + 5000;
    let projections: any[] = [];
    while (Date.now() < deadline) {
      projections = ok(await t.request('GET', '/api/projections', { token: t.token('admin') })).projections;
      if (projections.every((p) => p.checkpoint === p.head && p.status === 'live')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(projections.map((p) => p.name).sort()).toEqual([...names].sort());
    for (const p of projections) expect(p).toMatchObject({ generation: 1, head, checkpoint: head, lagEvents: 0, status: 'live' });
  });

  it('keeps events, read models, checkpoints and idempotency records in the schema, nothing in DATA_DIR', async () => {
    const count = async (table: string) => Number((await admin.query(`SELECT COUNT(*) AS n FROM "${schema}".${table}`)).rows[0].n);
    expect(await count('events')).toBeGreaterThan(0);
    expect(await count('projection_checkpoints')).toBe(REGISTERED_PROJECTIONS.length);
    const quotaDoc = await admin.query(`SELECT doc FROM "${schema}".projection_documents WHERE projection = $1 AND key = $2`, [QUOTA_PROJECTION, TERM]);
    expect(JSON.parse(quotaDoc.rows[0].doc)).toMatchObject({ termId: TERM });
    const idempotency = await admin.query(`SELECT key, state FROM "${schema}".idempotency`);
    expect(idempotency.rows).toEqual([{ key: 'open-2021', state: 'done' }]);
    const versions = (await admin.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`)).rows.map((r) => r.version);
    expect(versions).toEqual([1, 1000, 1001, 2000]);
    expect(readdirSync(t.dataDir).filter((f) => f.endsWith('.db'))).toEqual([]);
  });

  it('lets a second instance on the same schema resume the read models and replay the first answer', async () => {
    const second = await startApp(env);
    try {
      const replay = await second.request('POST', `/api/programmes/${PROGRAMME}/terms`, { token: office, body: openTerm, headers: { 'idempotency-key': 'open-2021' } });
      expect(ok(replay, 201)).toEqual(opened.body);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      const quota = ok(await second.request('GET', `/api/terms/${TERM}/quota`, { token: office }));
      expect(quota.data).toMatchObject({ termId: TERM });
      const projections = ok(await second.request('GET', '/api/projections', { token: t.token('admin') })).projections;
      for (const p of projections) expect(p).toMatchObject({ generation: 1, checkpoint: head });
    } finally {
      await second.close();
    }
  });
});
