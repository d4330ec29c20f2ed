/**
 * Durable deadlines over HTTP with CLOCK=manual: a publicity round started before a stop closes
 * by itself after a restart with a later clock, exactly once; two servers on one data folder fire
 * it once; GET /api/deadlines and POST /api/admin/clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withUsccCheck } from '../../workflows/identifiers/index.js';
import { PolicyRegistry, builtInPolicyDirectory } from '../../workflows/policy/registry.js';
import { deadlineEventId } from '../../projections/deadlines.js';
import { startApp, type TestApp } from './harness.js';

const ZIBO = PolicyRegistry.fromDirectories([builtInPolicyDirectory()]).get('zibo-leader', '2021');
const REVIEWS = [
  { reviewerId: 'expert-1', recused: false, scores: { leadership: 90, strategy: 70, customersAndMarket: 70, resources: 100, processManagement: 80, measurementAnalysisImprovement: 60, results: 300 } },
];
const STEPS: Record<string, object> = {
  recommend: { opinion: '同意推荐' },
  'opinion-survey': { findings: '无不良舆情', adverse: false },
  'qualification-review': { outcome: 'accepted' },
  'materials-review': { reviews: REVIEWS },
  shortlist: {},
  'on-site-review': { reviews: REVIEWS },
  'oral-defence': { outcome: 'passed' },
  candidate: {},
};

async function ok(t: TestApp, method: string, path: string, body: object, token: string) {
  const res = await t.request(method, path, { token, body });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return res.body;
}

/** 淄博 2025: `count` organisations (default one) through the review to the proposed list, publicity from Friday 2025-09-26. */
async function zibotoPublicity(t: TestApp, count = 1): Promise<{ applicationId: string; termId: string; applicationIds: string[] }> {
  const office = t.token('office', ['zibo-leader']);
  const { termId } = await ok(t, 'POST', '/api/programmes/zibo-leader/terms', { year: 2025, noticeDate: '2025-05-05', applicationDeadline: '2025-06-30', occurredAt: '2025-05-05' }, office);
  const applicationIds: string[] = [];
  for (let n = 0; n < count; n++) {
    const { id } = await ok(t, 'POST', '/api/applications', {
      termId,
      applicant: { kind: 'organisation', id: withUsccCheck(`9137030000000000${n}`), name: `淄博某公司${n}` },
      channel: { kind: 'county', recommender: '张店区市场监督管理局' },
      declaration: { operatingSince: '2000-01-01', exclusions: Object.fromEntries(ZIBO.eligibility.exclusions.map((e) => [e.code, false])) },
      occurredAt: '2025-05-10',
    }, office);
    for (let i = 0; i < 10; i++) {
      const view = (await t.request('GET', `/api/applications/${id}`, { token: office })).body;
      const next = Object.keys(STEPS).find((step) => view.acceptedCommands.includes(step));
      if (!next) break;
      await ok(t, 'POST', `/api/applications/${id}/${next}`, { ...STEPS[next], occurredAt: '2025-09-01' }, office);
    }
    applicationIds.push(id);
  }
  const entries = applicationIds.map((applicationId) => ({ applicationId, tier: 'leader' }));
  await ok(t, 'POST', `/api/terms/${termId}/proposed-list`, { entries, occurredAt: '2025-09-20' }, office);
  const publicity = await ok(t, 'POST', `/api/terms/${termId}/publicity`, { startDate: '2025-09-26', round: 1, occurredAt: '2025-09-26' }, office);
  expect(publicity.state).toBe('publicity');
  return { applicationId: applicationIds[0]!, termId, applicationIds };
}

const MANUAL = (start: string) => ({ CLOCK: 'manual', CLOCK_START: start });

describe('deadlines (HTTP, CLOCK=manual)', () => {
  let dir: string;
  const apps: TestApp[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'deadlines-e2e-'));
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close({ keepData: true });
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (env: Record<string, string>) => {
    const app = await startApp(env, {}, dir);
    apps.push(app);
    return app;
  };
  const stop = async (app: TestApp) => {
    apps.splice(apps.indexOf(app), 1);
    await app.close({ keepData: true });
  };
  const eventually = async <T>(read: () => Promise<T>, check: (value: T) => boolean, ms = 10_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const value = await read();
      if (check(value) || Date.now() > end) return value;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('closes the publicity after a restart past its end, exactly once, with the deadline’s event in the history', async () => {
    const first = await start(MANUAL('2025-09-26T02:00:00Z'));
    const { applicationId } = await zibotoPublicity(first);
    const office = first.token('office', ['zibo-leader']);
    const listed = await eventually(
      () => first.request('GET', '/api/deadlines?programmeId=zibo-leader', { token: office }),
      (res) => res.body?.deadlines?.length === 1,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.deadlines[0]).toMatchObject({
      id: `publicity-end:${applicationId}:1`,
      kind: 'publicity-end',
      status: 'pending',
      applicationId,
      dueDate: '2025-10-09',
      dueAt: '2025-10-09T16:00:00.000Z',
      action: { command: 'close-publicity', round: 1 },
      article: '第十八条',
      waiting: false,
    });
    await stop(first);

    const second = await start(MANUAL('2025-10-12T09:00:00+08:00'));
    const events = await eventually(
      async () => (await second.request('GET', `/api/applications/${applicationId}/events`, { token: office })).body as Array<{ id: string; type: string; metadata: any }>,
      (list) => list.some((e) => e.type === 'PublicityClosed'),
    );
    const closed = events.filter((e) => e.type === 'PublicityClosed');
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ id: deadlineEventId(`publicity-end:${applicationId}:1`), metadata: { actor: { sub: 'system:scheduler' }, occurredAt: '2025-10-09' } });
    expect((await second.request('GET', `/api/applications/${applicationId}`, { token: office })).body.state).not.toBe('publicized');

    // Once more: a restart fires nothing twice.
    await stop(second);
    const third = await start(MANUAL('2025-10-13T09:00:00+08:00'));
    await eventually(() => third.request('GET', '/api/deadlines?status=fulfilled', { token: office }), (res) => res.body?.deadlines?.length === 1);
    const again = (await third.request('GET', `/api/applications/${applicationId}/events`, { token: office })).body as Array<{ type: string }>;
    expect(again.filter((e) => e.type === 'PublicityClosed')).toHaveLength(1);
    const fulfilled = await third.request('GET', '/api/deadlines?status=fulfilled&due-before=2025-10-10', { token: office });
    expect(fulfilled.body.deadlines).toEqual([expect.objectContaining({ status: 'fulfilled', settled: expect.objectContaining({ by: 'PublicityClosed' }) })]);
    expect((await third.request('GET', '/api/deadlines?status=fulfilled&due-before=2025-10-09', { token: office })).body.deadlines).toEqual([]);
    // An instant on a day the month does not have is refused, not rolled over.
    const rolled = await third.request('GET', `/api/deadlines?due-before=${encodeURIComponent('2025-02-30T00:00:00+08:00')}`, { token: office });
    expect(rolled.status).toBe(400);
    expect(rolled.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'due-before' }] });
  });

  it('two servers on one data folder fire the deadline once', async () => {
    const a = await start(MANUAL('2025-09-26T02:00:00Z'));
    const b = await start(MANUAL('2025-09-26T02:00:00Z'));
    const { applicationId } = await zibotoPublicity(a);
    const admin = a.token('admin');
    for (const app of [a, b]) {
      const moved = await app.request('POST', '/api/admin/clock', { token: admin, body: { advance: 'P14D' } });
      expect(moved.body).toEqual({ now: '2025-10-10T02:00:00.000Z', kind: 'manual' });
    }
    const office = a.token('office', ['zibo-leader']);
    await eventually(
      async () => (await b.request('GET', `/api/applications/${applicationId}/events`, { token: office })).body as Array<{ type: string }>,
      (list) => list.some((e) => e.type === 'PublicityClosed'),
    );
    await new Promise((r) => setTimeout(r, 500)); // let both schedulers finish their rounds
    const events = (await a.request('GET', `/api/applications/${applicationId}/events`, { token: office })).body as Array<{ type: string }>;
    expect(events.filter((e) => e.type === 'PublicityClosed')).toHaveLength(1);
  });

  it('scopes GET /api/deadlines to the token’s programmes and refuses bad queries with problem+json', async () => {
    const app = await start(MANUAL('2025-09-26T02:00:00Z'));
    await zibotoPublicity(app);
    const other = app.token('auditor', ['chanhe-district']);
    expect((await app.request('GET', '/api/deadlines', { token: other })).body.deadlines).toEqual([]);
    expect((await app.request('GET', '/api/deadlines?programmeId=zibo-leader', { token: other })).status).toBe(403);
    expect((await app.request('GET', '/api/deadlines', { token: app.token('supervisor') })).status).toBe(403);
    const bad = await app.request('GET', '/api/deadlines?due-before=tomorrow', { token: app.token('office') });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
  });

  it('narrows GET /api/deadlines to a term and bounds the answer (limit, total, truncated)', async () => {
    const app = await start(MANUAL('2025-09-26T02:00:00Z'));
    const { termId, applicationIds } = await zibotoPublicity(app, 2);
    const office = app.token('office', ['zibo-leader']);
    const all = await eventually(
      () => app.request('GET', `/api/deadlines?termId=${termId}`, { token: office }),
      (res) => res.body?.deadlines?.length === 2,
    );
    expect(all.body).toMatchObject({ total: 2, truncated: false });
    // Same due time: ordered by id.
    const ids = applicationIds.map((id) => `publicity-end:${id}:1`).sort();
    expect(all.body.deadlines.map((d: { id: string }) => d.id)).toEqual(ids);
    const first = await app.request('GET', `/api/deadlines?termId=${termId}&limit=1`, { token: office });
    expect(first.body).toMatchObject({ total: 2, truncated: true, deadlines: [expect.objectContaining({ id: ids[0] })] });
    expect(first.body.deadlines).toHaveLength(1);
    // Nothing of the term is settled yet.
    expect((await app.request('GET', `/api/deadlines?termId=${termId}&status=fulfilled`, { token: office })).body).toMatchObject({ total: 0, deadlines: [] });

    expect((await app.request('GET', '/api/deadlines?termId=zibo-leader-2099', { token: office })).status).toBe(404);
    const outOfScope = await app.request('GET', `/api/deadlines?termId=${termId}`, { token: app.token('auditor', ['chanhe-district']) });
    expect(outOfScope.status).toBe(403);
    const boundElsewhere = app.token('auditor', ['zibo-leader'], '审计', 'auditor-t', ['zibo-leader-2026']);
    expect((await app.request('GET', `/api/deadlines?termId=${termId}`, { token: boundElsewhere })).status).toBe(403);
    for (const limit of ['0', 'ten', '5001', '-1']) {
      const refused = await app.request('GET', `/api/deadlines?limit=${limit}&status=done`, { token: office });
      expect(refused.status).toBe(400);
      expect(refused.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['limit', 'status']);
    }
    expect((await app.request('GET', '/api/deadlines?termId=bad%20id', { token: office })).status).toBe(400);
  });

  it('moves the manual clock for an admin only, forward only', async () => {
    const app = await start(MANUAL('2025-09-26T02:00:00Z'));
    expect((await app.request('POST', '/api/admin/clock', { token: app.token('office'), body: { advance: 'P1D' } })).status).toBe(403);
    // One clock for every programme: an admin of one programme may not move it for the others.
    const scoped = await app.request('POST', '/api/admin/clock', { token: app.token('admin', ['zibo-leader']), body: { advance: 'P1D' } });
    expect(scoped.status).toBe(403);
    expect(scoped.body).toMatchObject({ code: 'FORBIDDEN', detail: expect.stringContaining('zibo-leader') });
    expect((await app.request('GET', '/api/admin/clock', { token: app.token('admin') })).body.now).toBe('2025-09-26T02:00:00.000Z');
    const moved = await app.request('POST', '/api/admin/clock', { token: app.token('admin'), body: { now: '2025-09-27T00:00:00+08:00' } });
    expect(moved.body.now).toBe('2025-09-26T16:00:00.000Z');
    const back = await app.request('POST', '/api/admin/clock', { token: app.token('admin'), body: { now: '2025-09-01T00:00:00Z' } });
    expect(back.status).toBe(400);
  });

  it('refuses a move past the last instant a date can name (400 naming the field), leaving the clock', async () => {
    const app = await start(MANUAL('2025-09-26T02:00:00Z'));
    const admin = app.token('admin');
    // The last one: a day February does not have (Date.parse would roll it into March).
    for (const body of [{ advance: 'P99999999999W' }, { advance: 'PT99999999999999999999S' }, { advance: 'P3000000D' }, { now: '9999-12-31T16:00:00Z' }, { now: '2026-02-30T00:00:00+08:00' }]) {
      const res = await app.request('POST', '/api/admin/clock', { token: admin, body });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: Object.keys(body)[0] }] });
    }
    expect((await app.request('GET', '/api/admin/clock', { token: admin })).body.now).toBe('2025-09-26T02:00:00.000Z');
    // Up to the last instant of 9999 in Asia/Shanghai, the business dates' zone, it still moves.
    const last = await app.request('POST', '/api/admin/clock', { token: admin, body: { now: '9999-12-31T23:59:59.999+08:00' } });
    expect(last.body.now).toBe('9999-12-31T15:59:59.999Z');
  });

  it('refuses to move a system clock (409 CLOCK_NOT_MANUAL)', async () => {
    const app = await start({});
    const res = await app.request('POST', '/api/admin/clock', { token: app.token('admin'), body: { advance: 'P1D' } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'CLOCK_NOT_MANUAL', status: 409 });
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });
});
