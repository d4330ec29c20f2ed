/**
 * Idempotency-Key is scoped by the request target as Express routes it, not by its spelling:
 * Express matches routes case-insensitively and ignores a trailing slash, so `/objections`,
 * `/objections/` and `/API/…/objections` reach the same handler with the same params and must
 * share one idempotency record (and one command id, from which the event ids derive).
 */
import { deterministicUuid } from '../../src/awards/command-context.js';
import { AwardClient, chaoyangInPublicity, DEFAULT_CHANNEL, expectOk, expectProblem, submissionBody, uscc } from './award-support.js';
import { startApp, type TestApp } from './harness.js';

describe('Idempotency-Key: one scope per routed target, whatever its spelling', () => {
  let t: TestApp;
  let office: AwardClient;
  let gold: string;
  let silver: string;

  beforeAll(async () => {
    // 2024-10-02 10:00 in Shanghai: the publicity (09-30 … 10-06) is running.
    t = await startApp({ CLOCK: 'manual', CLOCK_START: '2024-10-02T02:00:00Z' }, { deadlineScheduler: false });
    office = new AwardClient(t, t.token('office', ['chaoyang-mayor'], '朝阳评定办', 'office-chaoyang'));
    ({ gold, silver } = await chaoyangInPublicity(office));
  });
  afterAll(async () => t.close());

  const objection = { objector: { anonymous: false, name: '张三', contact: '13800000000', consentToDisclose: false }, grounds: '材料造假', evidenceProvided: true };
  const raw = (path: string, body: unknown, key: string) =>
    t.request('POST', path, { token: office.token, body, headers: { 'Idempotency-Key': key } });
  const received = async (applicationId: string) =>
    (expectOk(await office.get(`/applications/${applicationId}/events`)) as Array<{ type: string }>).filter((e) => e.type === 'ObjectionReceived');

  it('an objection sent to /objections, /objections/ and /API/…/objections with one key is recorded once; the others are replays', async () => {
    const first = await raw(`/api/applications/${gold}/objections`, objection, 'objection-spelling-1');
    const recorded = expectOk(first, 201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    for (const path of [`/api/applications/${gold}/objections/`, `/API/applications/${gold}/objections`, `/api/Applications/${gold}/OBJECTIONS/`]) {
      const again = await raw(path, objection, 'objection-spelling-1');
      expect({ path, status: again.status, replayed: again.headers.get('idempotent-replayed') }).toEqual({ path, status: 201, replayed: 'true' });
      expect(again.body).toEqual(recorded);
    }
    expect(await received(gold)).toHaveLength(1);
    // The documented spelling keeps the scope, so the command id, it always had: the objection id
    // derives from `<sub> <method> <path> <key>` exactly as before routes were canonicalised.
    const commandId = deterministicUuid(`office-chaoyang POST /api/applications/${gold}/objections objection-spelling-1`);
    expect(recorded.objectionId).toBe(`obj-${deterministicUuid(`objection\u0000${commandId}`)}`);
    // Another body under the same key, in another spelling: the key is taken (422), nothing written.
    expectProblem(await raw(`/api/applications/${gold}/objections/`, { ...objection, grounds: '另一条异议' }, 'objection-spelling-1'), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await received(gold)).toHaveLength(1);
  });

  it('the same key on another application (another param) is another command', async () => {
    const onGold = expectOk(await raw(`/api/applications/${gold}/objections`, objection, 'objection-spelling-2'), 201);
    const onSilver = await raw(`/api/applications/${silver}/objections/`, objection, 'objection-spelling-2');
    expectOk(onSilver, 201);
    expect(onSilver.headers.get('idempotent-replayed')).toBeNull();
    expect(onSilver.body.objectionId).not.toBe(onGold.objectionId);
    expect(await received(silver)).toHaveLength(1);
  });

  it('POST /api/applications/ (trailing slash) with a key used on /api/applications replays the submission', async () => {
    // 瀍河: a term whose application window is open by the clock.
    const chanhe = new AwardClient(t, t.token('office', ['chanhe-district'], '瀍河评定办', 'office-chanhe'));
    const termId = await chanhe.openTerm('chanhe-district', 2024, '2024-09-01', '2024-11-30');
    const body = submissionBody('chanhe-district', termId, { kind: 'organisation', id: uscc('410300', 50), name: '瀍河企业50' }, DEFAULT_CHANNEL['chanhe-district']);
    const send = (path: string) => t.request('POST', path, { token: chanhe.token, body, headers: { 'Idempotency-Key': 'submit-spelling-1' } });
    const first = await send('/api/applications');
    const submitted = expectOk(first, 201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await send('/api/applications/');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(submitted);
    expect(expectOk(await chanhe.get(`/applications/${submitted.id}/events`))).toHaveLength(1);
  });
});
