/**
 * The supplementary approval through HTTP (朝阳 第十七条(九)): an application whose objection was still
 * open at the government's approval is decided once the objection is settled, in the tier it was
 * proposed for, and counts in the term's quota (朝阳 第三条) like any award.
 */
import { CLOCK, type ManualClock } from '../../src/clock/clock.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { AwardClient, candidates, expectOk, expectProblem, uscc } from './award-support.js';
import { startApp, type TestApp } from './harness.js';

const named = { anonymous: false, name: '张三', contact: '13800000000', consentToDisclose: false };

describe('朝阳: supplementary approval after an objection open at the approval (HTTP)', () => {
  let t: TestApp;
  let clock: ManualClock;
  let office: AwardClient;
  let termId: string;
  let clear: string;
  let objected: string;
  let objectionId: string;

  beforeAll(async () => {
    t = await startApp({ CLOCK: 'manual', CLOCK_START: '2024-10-02T02:00:00Z' }, { deadlineScheduler: false });
    clock = t.app.get<ManualClock>(CLOCK);
    office = new AwardClient(t, t.token('office', ['chaoyang-mayor'], '朝阳评定办'));
    termId = await office.openTerm('chaoyang-mayor', 2024, '2024-03-01', '2024-04-30');
    const org = (n: number) => ({ kind: 'organisation' as const, id: uscc('211300', 40 + n), name: `朝阳企业${40 + n}` });
    [clear, objected] = await candidates(office, 'chaoyang-mayor', termId, [org(1), org(2)], { submittedOn: '2024-03-15', reviewedOn: '2024-06-15' });
    expectOk(await office.post(`/terms/${termId}/proposed-list`, { entries: [{ applicationId: clear, tier: 'gold' }, { applicationId: objected, tier: 'silver' }], occurredAt: '2024-09-20' }));
    expectOk(await office.post(`/terms/${termId}/publicity`, { round: 1, startDate: '2024-09-30', occurredAt: '2024-09-30' }));
    ({ objectionId } = expectOk(await office.post(`/applications/${objected}/objections`, { objector: named, grounds: '质量数据不实', evidenceProvided: true }), 201));
    expectOk(await office.post(`/applications/${objected}/objections/${objectionId}/accept`, {}));
    clock.set('2024-10-08T02:00:00Z');
    expectOk(await office.post(`/terms/${termId}/approval`, { decisionDate: '2024-10-08', documentNo: '朝政〔2024〕30号', occurredAt: '2024-10-08' }));
  });
  afterAll(async () => t.close());

  const decide = (body: Record<string, unknown>, client = office) =>
    client.post(`/terms/${termId}/supplementary-approval`, { applicationId: objected, decision: 'award', decisionDate: '2024-10-20', documentNo: '朝政〔2024〕35号', ...body });

  it('leaves the application out of the approval and offers the supplementary decision', async () => {
    const term = expectOk(await office.get(`/terms/${termId}`));
    expect(term.approval.notAwarded).toEqual([expect.objectContaining({ applicationId: objected, tier: 'silver', reason: 'objection-pending' })]);
    expect(term.acceptedCommands).toEqual(['note-revocation', 'supplementary-approval']);
    expect((await office.application(objected)).state).toBe('objected');
  });

  it('refuses it while the objection is open (朝阳 第十七条(九)), for other roles, and without a reason not to award', async () => {
    const open = await decide({});
    expectProblem(open, 422, 'RULE_VIOLATION');
    expect(open.body.rule).toEqual({ programme: 'chaoyang-mayor', version: '2022', article: '第十七条(九)' });
    expectProblem(await decide({}, new AwardClient(t, t.token('supervisor', ['chaoyang-mayor']))), 403, 'FORBIDDEN');
    expectProblem(await decide({ decision: 'not-award' }), 400, 'VALIDATION_FAILED');
    expectProblem(await decide({ decision: 'maybe' }), 400, 'VALIDATION_FAILED');
  });

  it('awards it in the tier proposed once the objection is dismissed; the quota counts it (朝阳 第三条)', async () => {
    clock.set('2024-10-20T02:00:00Z');
    expectOk(await office.post(`/applications/${objected}/objections/${objectionId}/dismiss`, { reason: '经核查不属实', occurredAt: '2024-10-18' }));
    const decided = expectOk(await decide({ occurredAt: '2024-10-20' }, office));
    expect(decided).toMatchObject({ termId, state: 'approved', decision: { applicationId: objected, outcome: 'awarded', tier: 'silver', decisionDate: '2024-10-20' } });
    const view = await office.application(objected);
    expect(view).toMatchObject({ state: 'awarded', tier: 'silver', award: { tier: 'silver', decisionDate: '2024-10-20', prize: { amount: 100000 } } });
    const head = await t.app.get<EventStore>(EVENT_STORE).headPosition();
    const quota = expectOk(await office.get(`/terms/${termId}/quota?minPosition=${head}`));
    expect(quota.data.lines.find((l: { tier: string; kind: string }) => l.tier === 'silver' && l.kind === 'total')).toMatchObject({ awarded: 1, held: 1, free: 6 });
    expect(quota.data.lines.find((l: { tier: string }) => l.tier === '*')).toMatchObject({ held: 2, free: 18 });
    const term = expectOk(await office.get(`/terms/${termId}`));
    expect(term.supplementary).toEqual([expect.objectContaining({ applicationId: objected, outcome: 'awarded', documentNo: '朝政〔2024〕35号' })]);
    expect(term.acceptedCommands).toEqual(['note-revocation']);
    const again = await decide({ occurredAt: '2024-10-20' });
    expectProblem(again, 422, 'VALIDATION_FAILED');
  });
});
