import { sampleProjection } from '../../projections/testing/sample-projection.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { ProjectionRunner } from '../../src/projections/projection-runner.js';
import { appendAll } from '../../src/projections/testing/test-events.js';
import { startApp, type TestApp } from './harness.js';

const submitted = (i: number) => ({
  type: 'SampleApplicationSubmitted',
  data: { applicationId: `a${i}`, programmeId: 'jinan-mayor', title: `申报 ${i}` },
  streamId: `application-a${i}`,
});

describe('projections (HTTP)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({}, { projections: [sampleProjection] });
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists each projection with checkpoint, head, lag, status and generation for admin, auditor and office', async () => {
    const head = await appendAll(t.app.get<EventStore>(EVENT_STORE), [submitted(1), submitted(2)]);
    expect(await t.app.get(ProjectionRunner).waitFor('sample-submissions', head, 2000)).toBe(true);
    for (const role of ['admin', 'auditor', 'office'] as const) {
      const res = await t.request('GET', '/api/projections', { token: t.token(role) });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        projections: [
          expect.objectContaining({
            name: 'sample-submissions',
            version: 1,
            status: 'live',
            generation: 1,
            checkpoint: head,
            head,
            lagEvents: 0,
            lagSeconds: 0,
            rebuild: null,
          }),
        ],
      });
    }
  });

  it('refuses a supervisor (403) and a caller without a token (401)', async () => {
    expect((await t.request('GET', '/api/projections', { token: t.token('supervisor') })).status).toBe(403);
    expect((await t.request('GET', '/api/projections')).status).toBe(401);
  });

  it('rebuilds on an admin request (202), then switches to the new generation', async () => {
    expect((await t.request('POST', '/api/projections/sample-submissions/rebuild', { token: t.token('auditor') })).status).toBe(403);
    // A read model holds every programme's records: an admin of some programmes may not rebuild it.
    for (const scoped of [t.token('admin', ['jinan-mayor']), t.token('admin', ['*'], '督导', 'admin-t', ['jinan-mayor-2024'])]) {
      const refused = await t.request('POST', '/api/projections/sample-submissions/rebuild', { token: scoped });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'FORBIDDEN', detail: expect.stringContaining('acts on every programme') });
    }
    expect((await t.request('GET', '/api/projections', { token: t.token('admin') })).body.projections[0]).toMatchObject({ generation: 1, rebuild: null });
    const res = await t.request('POST', '/api/projections/sample-submissions/rebuild', { token: t.token('admin') });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ name: 'sample-submissions' });
    await t.app.get(ProjectionRunner).whenRebuilt('sample-submissions');
    const after = await t.request('GET', '/api/projections', { token: t.token('admin') });
    // The store's last position: 2 where positions are gap-free, a log offset on KurrentDB.
    const head = await t.app.get<EventStore>(EVENT_STORE).headPosition();
    expect(after.body.projections[0]).toMatchObject({ generation: 2, rebuild: null, checkpoint: head });
  });

  it('answers 404 problem+json for an unknown projection', async () => {
    const res = await t.request('POST', '/api/projections/nope/rebuild', { token: t.token('admin') });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'PROJECTION_NOT_FOUND', status: 404 });
  });

  it('starts and closes repeatedly without leaking followers or timers', async () => {
    for (let i = 0; i < 3; i++) {
      const other = await startApp({}, { projections: [sampleProjection] });
      await other.close();
    }
  });
});
