/**
 * Publicity with objections, approval, revocation and post-award duties, through HTTP. The clock
 * is the app's manual clock (CLOCK=manual), moved forward as days pass: whether an objection is
 * late, or a period over, is decided by "now", not by the dates a client writes.
 */
import { CLOCK, type ManualClock } from '../../src/clock/clock.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { AwardClient, candidates, expectOk, expectProblem, proposeToAward, residentId, uscc } from './award-support.js';
import { startApp, type TestApp } from './harness.js';

const named = { anonymous: false, name: '张三', contact: '13800000000', consentToDisclose: false };

describe('朝阳: objections during publicity, approval, revocation (HTTP)', () => {
  let t: TestApp;
  let clock: ManualClock;
  let office: AwardClient;
  let termId: string;
  let gold: string;
  let silver: string;
  let nomination: string;
  const org = (n: number) => ({ kind: 'organisation' as const, id: uscc('211300', n), name: `朝阳企业${n}` });

  beforeAll(async () => {
    // 2024-10-02 10:00 in Shanghai: the publicity (09-30 … 10-06) is running.
    // The office closes rounds by hand here; the scheduler that closes them by itself is
    // covered by deadlines.e2e-spec.ts, so it stays off to keep these steps deterministic.
    t = await startApp({ CLOCK: 'manual', CLOCK_START: '2024-10-02T02:00:00Z' }, { deadlineScheduler: false });
    clock = t.app.get<ManualClock>(CLOCK);
    office = new AwardClient(t, t.token('office', ['chaoyang-mayor'], '朝阳评定办'));
    termId = await office.openTerm('chaoyang-mayor', 2024, '2024-03-01', '2024-04-30');
    [gold, silver, nomination] = await candidates(office, 'chaoyang-mayor', termId, [1, 2, 3].map(org), { submittedOn: '2024-03-15', reviewedOn: '2024-06-15' });
    expectOk(
      await office.post(`/terms/${termId}/proposed-list`, {
        entries: [
          { applicationId: gold, tier: 'gold' },
          { applicationId: silver, tier: 'silver' },
          { applicationId: nomination, tier: 'nomination' },
        ],
        occurredAt: '2024-09-20',
      }),
    );
    expectOk(await office.post(`/terms/${termId}/publicity`, { round: 1, startDate: '2024-09-30', occurredAt: '2024-09-30' }));
  });
  afterAll(async () => t.close());

  it('records anonymous objections and objections without written evidence as not admitted, with the rule (朝阳 第二十条)', async () => {
    const anonymous = await office.post(`/applications/${gold}/objections`, { objector: { anonymous: true, consentToDisclose: false }, grounds: '材料造假', evidenceProvided: true });
    const recorded = expectOk(anonymous, 201);
    expect(recorded).toMatchObject({
      state: 'publicized',
      objectionId: expect.stringMatching(/^obj-/),
      objectionStatus: 'not-admitted',
      notAdmitted: { field: 'objector.anonymous', rule: { programme: 'chaoyang-mayor', version: '2022', article: expect.stringContaining('第二十条') } },
    });
    const noEvidence = expectOk(await office.post(`/applications/${gold}/objections`, { objector: named, grounds: '材料造假', evidenceProvided: false }), 201);
    expect(noEvidence).toMatchObject({ state: 'publicized', objectionStatus: 'not-admitted', notAdmitted: { field: 'evidenceProvided' } });
    // Recorded, not open: nothing to decide on it, and the application shows why.
    expectProblem(await office.post(`/applications/${gold}/objections/${noEvidence.objectionId}/accept`, {}), 409, 'ILLEGAL_TRANSITION');
    const view = await office.application(gold);
    expect(view.objections.find((o: { objectionId: string }) => o.objectionId === noEvidence.objectionId)).toMatchObject({
      status: 'not-admitted',
      withinPublicity: true,
      refusal: { article: '第二十条、第二十一条', field: 'evidenceProvided' },
    });
    expect(JSON.stringify(view)).not.toContain('张三');
  });

  it('records a named objection, asks the applicant for evidence (5 working days), and dismisses it (第二十一至二十五条)', async () => {
    const received = await office.post(
      `/applications/${gold}/objections`,
      { objector: named, grounds: '申报材料中的质量数据与实际不符', evidenceProvided: true, receivedOn: '2024-10-02' },
      { 'Idempotency-Key': 'objection-gold-1' },
    );
    const { objectionId, state } = expectOk(received, 201);
    expect(objectionId).toMatch(/^obj-/);
    expect(state).toBe('objected');
    // A retry records nothing new and answers with the same objection id.
    const retried = await office.post(
      `/applications/${gold}/objections`,
      { objector: named, grounds: '申报材料中的质量数据与实际不符', evidenceProvided: true, receivedOn: '2024-10-02' },
      { 'Idempotency-Key': 'objection-gold-1' },
    );
    expect(retried.body.objectionId).toBe(objectionId);

    // The objector's identity is the handler's (朝阳 第二十五条: the office) and nobody else's.
    const events = await office.get(`/applications/${gold}/events`);
    expect(events.text).toContain('张三');
    expect(events.body.filter((e: { type: string }) => e.type === 'ObjectionReceived')).toHaveLength(1);
    const audited = await new AwardClient(t, t.token('auditor', ['chaoyang-mayor'])).get(`/applications/${gold}/events`);
    expect(audited.text).not.toContain('张三');
    expect(audited.text).not.toContain('13800000000');

    const decide = (decision: string, body: Record<string, unknown> = {}) =>
      office.post(`/applications/${gold}/objections/${objectionId}/${decision}`, { occurredAt: '2024-10-02', ...body });
    expectOk(await decide('accept'));
    const requested = expectOk(await decide('request-evidence', { from: 'applicant' }));
    expect(requested.state).toBe('objected');
    const view = await office.application(gold);
    // Requested during National Day: 10-08, 10-09, 10-10, 10-11, 10-12 (Saturday, worked).
    expect(view.objections.find((o: { objectionId: string }) => o.objectionId === objectionId)).toMatchObject({
      objectionId,
      status: 'accepted',
      withinPublicity: true,
      anonymous: false,
      evidenceRequests: [{ from: 'applicant', deadline: '2024-10-12', status: 'pending' }],
    });
    expect(JSON.stringify(view)).not.toContain('张三');
    expectOk(await decide('record-evidence', { from: 'applicant', summary: '企业提交了第三方检测报告' }));
    const dismissed = expectOk(await decide('dismiss', { reason: '经核查，申报数据属实' }));
    expect(dismissed.state).toBe('publicized');
    expect((await office.application(gold)).objections.find((o: { objectionId: string }) => o.objectionId === objectionId)).toMatchObject({
      status: 'dismissed',
      decision: { reason: '经核查，申报数据属实' },
    });
  });

  it('upholds an objection: the application leaves the list (第二十四条)', async () => {
    const { objectionId } = expectOk(await office.post(`/applications/${silver}/objections`, { objector: named, grounds: '近3年内质量抽查不合格', evidenceProvided: true }), 201);
    expectOk(await office.post(`/applications/${silver}/objections/${objectionId}/accept`, {}));
    const upheld = expectOk(await office.post(`/applications/${silver}/objections/${objectionId}/uphold`, { reason: '查证属实' }));
    expect(upheld.state).toBe('disqualified');
  });

  it('records an objection after the publicity period as not admitted (朝阳 第二十条); it holds nothing up, and the clear ones are approved', async () => {
    clock.set('2024-10-07T01:00:00Z'); // 09:00 on 10-07 in Shanghai: the 7 days are over
    const late = expectOk(await office.post(`/applications/${nomination}/objections`, { objector: named, grounds: '迟到的异议', evidenceProvided: true }), 201);
    expect(late).toMatchObject({ state: 'publicized', objectionStatus: 'not-admitted', notAdmitted: { field: 'receivedOn', rule: { article: '第二十条、第二十一条' } } });

    // The office does not close the rounds here: approval closes an ended round in the same append.
    // A decision dated after the day it is recorded (an award in 2099) is refused, nothing written.
    const future = await office.post(`/terms/${termId}/approval`, { decisionDate: '2099-01-01', documentNo: '朝政〔2024〕30号', occurredAt: '2024-10-07' });
    expectProblem(future, 422, 'VALIDATION_FAILED');
    expect(future.body.errors).toEqual([expect.objectContaining({ field: 'decisionDate' })]);
    expect(expectOk(await office.get(`/terms/${termId}`)).approval ?? null).toBeNull();
    const approved = await office.post(`/terms/${termId}/approval`, { decisionDate: '2024-10-07', documentNo: '朝政〔2024〕30号', occurredAt: '2024-10-07' });
    expectOk(approved);
    const term = expectOk(await office.get(`/terms/${termId}`));
    expect(term.approval.awarded.map((a: { applicationId: string }) => a.applicationId).sort()).toEqual([gold, nomination].sort());
    expect(term.approval.notAwarded).toEqual([expect.objectContaining({ applicationId: silver, reason: 'objection-upheld' })]);
    expect((await office.application(gold)).state).toBe('awarded');
    expect((await office.application(silver)).state).toBe('disqualified');
  });

  it('still refuses, writing nothing, an objection that cannot be recorded: the application has ended (朝阳 第二十条)', async () => {
    const before = await office.application(silver);
    const refused = await office.post(`/applications/${silver}/objections`, { objector: named, grounds: '再次举报', evidenceProvided: true });
    expectProblem(refused, 422, 'RULE_VIOLATION');
    expect(refused.body).toMatchObject({ field: 'receivedOn', rule: { programme: 'chaoyang-mayor', version: '2022', article: '第二十条、第二十一条' } });
    expect(refused.text).not.toContain('张三');
    expect((await office.application(silver)).revision).toBe(before.revision);
  });

  it('logs the objections not admitted with their status, period, refusal and article; the objector only for the office (朝阳 第二十条、第二十五条)', async () => {
    const supervisor = new AwardClient(t, t.token('supervisor', ['chaoyang-mayor'], '监督组'));
    const auditor = new AwardClient(t, t.token('auditor', ['chaoyang-mayor'], '审计'));
    const query = `/objections?termId=${termId}&status=not-admitted&minPosition=${await t.app.get<EventStore>(EVENT_STORE).headPosition()}`;
    const log = expectOk(await office.get(query));
    expect(log.data.objections.map((o: { applicationId: string; withinPublicity: boolean }) => [o.applicationId, o.withinPublicity])).toEqual([
      [gold, true],
      [gold, true],
      [nomination, false],
    ]);
    expect(log.data.objections[2]).toMatchObject({
      status: 'not-admitted',
      publicity: { list: 'proposed', startDate: '2024-09-30', endDate: '2024-10-06' },
      outcome: { result: 'not-admitted', article: '第二十条、第二十一条', field: 'receivedOn', on: '2024-10-07' },
      objector: named,
      steps: [expect.objectContaining({ step: 'ObjectionNotAdmitted', by: expect.objectContaining({ name: '朝阳评定办' }) })],
    });
    const masked = expectOk(await supervisor.get(query));
    expect(masked.data.objections).toHaveLength(3);
    expect(JSON.stringify(masked)).not.toContain('张三');
    expect(masked.data.objections[2].objector).toEqual({ anonymous: false, consentToDisclose: false, masked: true, confidentialityArticle: '第二十五条' });
    const history = await auditor.get(`/applications/${nomination}/history`);
    expectOk(history);
    expect(history.body.data.entries.some((e: { type: string }) => e.type === 'ObjectionNotAdmitted')).toBe(true);
    expect(history.text).not.toContain('张三');
    expect((await office.get(`/applications/${nomination}/history`)).text).toContain('张三');
  });

  it('revokes with a coded ground and its window (第三十六条), for life on fraud (第二十七条)', async () => {
    clock.set('2025-06-01T02:00:00Z');
    const unknown = await office.post(`/applications/${nomination}/revoke`, { ground: 'bad-mood' });
    expectProblem(unknown, 422, 'RULE_VIOLATION');
    expect(unknown.body.field).toBe('ground');
    const withinWindow = expectOk(await office.post(`/applications/${nomination}/revoke`, { ground: 'quality-problem', incidentOn: '2025-03-01', occurredAt: '2025-05-30' }));
    expect(withinWindow.state).toBe('revoked');
    expect((await office.application(nomination)).revocation).toMatchObject({ ground: 'quality-problem', incidentOn: '2025-03-01' });
    expectOk(await office.post(`/applications/${gold}/revoke`, { ground: 'fraud' }));
    const term = expectOk(await office.get(`/terms/${termId}`));
    expect(term.revoked.map((r: { ground: string }) => r.ground).sort()).toEqual(['fraud', 'quality-problem']);

    // Revoked within 3 years after the award: barred from the next term (第三十六条); the gold
    // winner is barred twice over (第十五条 two terms, 第二十七条 for life on fraud).
    clock.set('2026-03-10T02:00:00Z');
    const next = await office.openTerm('chaoyang-mayor', 2026, '2026-03-02', '2026-04-30');
    const declaration = (await office.get(`/applications/${gold}/events`)).body[0].data.declaration;
    const apply = (n: number) =>
      office.post('/applications', { termId: next, applicant: org(n), channel: { kind: 'direct' }, declaration, occurredAt: '2026-03-10' });
    const revokedNomination = await apply(3);
    expectProblem(revokedNomination, 422, 'RULE_VIOLATION');
    expect(revokedNomination.body.rule.article).toBe('第三十六条');
    const revokedGold = await apply(1);
    expectProblem(revokedGold, 422, 'RULE_VIOLATION');
    expect(revokedGold.body.rule.article).toMatch(/^第(十五|二十七)条$/);
    expectOk(await apply(4), 201);
  });
});

describe('忻州 and 瀍河: objections to the supervision group, annual reports (HTTP)', () => {
  let t: TestApp;
  let clock: ManualClock;

  beforeAll(async () => {
    // The office closes rounds by hand here; the scheduler that closes them by itself is
    // covered by deadlines.e2e-spec.ts, so it stays off to keep these steps deterministic.
    t = await startApp({ CLOCK: 'manual', CLOCK_START: '2025-10-10T02:00:00Z' }, { deadlineScheduler: false });
    clock = t.app.get<ManualClock>(CLOCK);
  });
  afterAll(async () => t.close());

  it('takes anonymous objections through the supervision group only (忻州 第二十七条)', async () => {
    const office = new AwardClient(t, t.token('office', ['xinzhou-mayor']));
    const supervisor = new AwardClient(t, t.token('supervisor', ['xinzhou-mayor'], '监督组'));
    const termId = await office.openTerm('xinzhou-mayor', 2025, '2025-03-10', '2025-05-10');
    const person = { kind: 'individual' as const, id: residentId('140902', 7), name: '质量工作者' };
    const [id] = await candidates(office, 'xinzhou-mayor', termId, [person], { submittedOn: '2025-04-01', reviewedOn: '2025-07-01' });
    expectOk(await office.post(`/terms/${termId}/publicity`, { round: 1, startDate: '2025-09-24', candidates: [id], occurredAt: '2025-09-24' }));
    // Round 2 cannot start while round 1 is open for the application (the scheduler closes it; here the office).
    expectOk(await office.post(`/applications/${id}/close-publicity`, { round: 1, occurredAt: '2025-09-30' }));
    expectOk(await office.post(`/terms/${termId}/proposed-list`, { entries: [{ applicationId: id, tier: 'nomination' }], occurredAt: '2025-10-09' }));
    expectOk(await office.post(`/terms/${termId}/publicity`, { round: 2, startDate: '2025-10-09', occurredAt: '2025-10-09' }));

    const body = { objector: { anonymous: true, consentToDisclose: false }, grounds: '反映其业绩材料有夸大', evidenceProvided: true };
    expectProblem(await office.post(`/applications/${id}/objections`, body), 403, 'FORBIDDEN');
    const received = expectOk(await supervisor.post(`/applications/${id}/objections`, { ...body, occurredAt: '2025-10-10' }), 201);
    const decide = (decision: string, extra: Record<string, unknown> = {}) =>
      supervisor.post(`/applications/${id}/objections/${received.objectionId}/${decision}`, { occurredAt: '2025-10-10', ...extra });
    expectOk(await decide('accept'));
    // 忻州 第二十七条 sets no time limit for evidence, and no consequence of missing one (朝阳 第二十二、
    // 二十三条 do): the supervision group settles the complaint; nothing is written by the request.
    const refused = await decide('request-evidence', { from: 'objector', deadline: '2025-10-13' });
    expectProblem(refused, 422, 'RULE_VIOLATION');
    expect(refused.body).toMatchObject({ field: 'decision', rule: { programme: 'xinzhou-mayor', version: '2021', article: '第二十七条' } });
    expectOk(await decide('dismiss', { reason: '反映内容不属实' }));

    clock.set('2025-10-15T02:00:00Z'); // round 2 ended 10-14
    expectOk(await office.post(`/applications/${id}/close-publicity`, { occurredAt: '2025-10-15' }));
    expectOk(await office.post(`/terms/${termId}/approval`, { decisionDate: '2025-10-15', documentNo: '忻政发〔2025〕21号', occurredAt: '2025-10-15' }));
    expect((await office.application(id)).state).toBe('awarded');
  });

  it('files one annual report a year for 3 years after the award (瀍河 第二十四条)', async () => {
    const office = new AwardClient(t, t.token('office', ['chanhe-district']));
    const termId = await office.openTerm('chanhe-district', 2025, '2025-03-05', '2025-04-30');
    const org = { kind: 'organisation' as const, id: uscc('410304', 9), name: '洛阳某食品有限公司' };
    const [id] = await candidates(office, 'chanhe-district', termId, [org], { submittedOn: '2025-03-25', reviewedOn: '2025-06-20' });
    await proposeToAward(office, termId, [{ applicationId: id!, tier: 'award' }], {
      proposedOn: '2025-09-20',
      publicityStart: '2025-09-26',
      closedOn: '2025-10-03',
      approvedOn: '2025-10-15',
    });
    clock.set('2026-01-15T02:00:00Z');
    const filed = expectOk(await office.post(`/applications/${id}/annual-reports`, { year: 2025 }));
    expect(filed.state).toBe('awarded');
    const twice = await office.post(`/applications/${id}/annual-reports`, { year: 2025 });
    expectProblem(twice, 422, 'RULE_VIOLATION');
    expect(twice.body.rule.article).toBe('第二十四条');
    expectProblem(await office.post(`/applications/${id}/annual-reports`, { year: 2031 }), 422, 'RULE_VIOLATION');
    expectProblem(await office.post(`/applications/${id}/annual-reports`, { year: 'last' }), 400, 'VALIDATION_FAILED');
  });
});
