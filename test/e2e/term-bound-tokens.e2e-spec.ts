/**
 * Tokens bound to terms. A supervision group is appointed for one term and dissolved at its end
 * (济南 第九条, 淄博 第十二条): its members' tokens carry `terms`, and every endpoint holds them to
 * those terms — the term, its quota, its applications, their objections, the objection log, bans
 * asked for a term, the deadlines and the audit export. 忻州 is used because there the supervision
 * group also handles the objections (忻州 第二十七条), so its tokens reach the most endpoints.
 */
import type { Role } from '../../src/auth/jwt.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { AwardClient, candidates, expectOk, expectProblem, supervisionDissolved, uscc } from './award-support.js';
import { startApp, type TestApp } from './harness.js';

const XINZHOU = 'xinzhou-mayor';

describe('tokens bound to terms (济南 第九条, 淄博 第十二条)', () => {
  let t: TestApp;
  let head: number;
  let termOld: string;
  let termNew: string;
  let candidateOld: string;
  let candidateNew: string;
  let applicantNew: string;
  const bound = (role: Role, terms: string[]) => t.token(role, [XINZHOU], `${role}-bound`, `${role}-bound`, terms);
  const as = (token: string) => new AwardClient(t, token);

  beforeAll(async () => {
    // 忻州 第四条: a term every 3 years. The 2021 term's objection is raised during its publicity
    // (2022-03-08), then the clock moves to 2024-10-02, during the 2024 term's publicity.
    t = await startApp({ CLOCK: 'manual', CLOCK_START: '2022-03-08T02:00:00Z' });
    const office = as(t.token('office', [XINZHOU]));
    const group = as(t.token('supervisor', [XINZHOU]));
    const objection = { objector: { anonymous: false, name: '王五', contact: '13900000000', consentToDisclose: false }, grounds: '存在未披露的环保处罚', evidenceProvided: true };
    const org = (n: number) => ({ kind: 'organisation' as const, id: uscc('140900', n), name: `企业-${n}` });
    termOld = await office.openTerm(XINZHOU, 2021, '2021-12-01', '2021-12-31');
    [candidateOld] = await candidates(office, XINZHOU, termOld, [org(1)], { submittedOn: '2021-12-10', reviewedOn: '2022-03-01' });
    expectOk(await office.post(`/terms/${termOld}/publicity`, { round: 1, startDate: '2022-03-07', candidates: [candidateOld], occurredAt: '2022-03-07' }));
    // By the group of the whole programme (a token not bound to terms).
    expectOk(await group.post(`/applications/${candidateOld}/objections`, objection), 201);
    expectOk(await t.request('POST', '/api/admin/clock', { token: t.token('admin'), body: { now: '2024-10-02T02:00:00Z' } }));
    termNew = await office.openTerm(XINZHOU, 2024, '2024-03-10', '2024-05-10');
    applicantNew = uscc('140900', 2);
    [candidateNew] = await candidates(office, XINZHOU, termNew, [org(2)], { submittedOn: '2024-04-01', reviewedOn: '2024-07-01' });
    expectOk(await office.post(`/terms/${termNew}/publicity`, { round: 1, startDate: '2024-09-30', candidates: [candidateNew], occurredAt: '2024-09-30' }));
    expectOk(await group.post(`/applications/${candidateNew}/objections`, objection), 201);
    head = await t.app.get<EventStore>(EVENT_STORE).headPosition();
  });

  afterAll(async () => {
    await t.close();
  });

  it('a supervisor of the 2024 group sees the 2024 term, its quota and its objections, and nothing of 2021', async () => {
    const member = as(bound('supervisor', [termNew]));
    expectOk(await member.get(`/terms/${termNew}`));
    expectOk(await member.get(`/terms/${termNew}/quota?minPosition=${head}`));
    const denied = await member.get(`/terms/${termOld}`);
    expectProblem(denied, 403, 'FORBIDDEN');
    expect(denied.body).toMatchObject({ programme: XINZHOU, term: termOld });
    expect(denied.body.detail).toContain(termNew);
    expectProblem(await member.get(`/terms/${termOld}/quota`), 403, 'FORBIDDEN');

    // The whole programme's log shows only the 2024 term's objections; the 2021 term is refused.
    const log = expectOk(await member.get(`/objections?programmeId=${XINZHOU}&minPosition=${head}`));
    expect(log.data.objections.map((o: { applicationId: string }) => o.applicationId)).toEqual([candidateNew]);
    const unfiltered = expectOk(await member.get(`/objections?minPosition=${head}`));
    expect(unfiltered.data.objections.map((o: { termId: string }) => o.termId)).toEqual([termNew]);
    expectOk(await member.get(`/objections?termId=${termNew}&minPosition=${head}`));
    expectProblem(await member.get(`/objections?termId=${termOld}`), 403, 'FORBIDDEN');
  });

  it('the unbound group of the programme sees both terms (the tokens issued so far keep working)', async () => {
    const log = expectOk(await as(t.token('supervisor', [XINZHOU])).get(`/objections?programmeId=${XINZHOU}&minPosition=${head}`));
    expect(log.data.objections.map((o: { applicationId: string }) => o.applicationId).sort()).toEqual([candidateOld, candidateNew].sort());
  });

  it('objections: a bound member handles those of its term only (忻州 第二十七条)', async () => {
    const member = as(bound('supervisor', [termNew]));
    const body = { objector: { anonymous: false, name: '赵六', contact: '13700000000', consentToDisclose: false }, grounds: '申报数据与实际不符', evidenceProvided: true };
    expect((await member.post(`/applications/${candidateNew}/objections`, body)).status).toBe(201);
    expectProblem(await member.post(`/applications/${candidateOld}/objections`, body), 403, 'FORBIDDEN');
    const after = await t.app.get<EventStore>(EVENT_STORE).readStream(`application-${candidateOld}`);
    expect(after.filter((e) => e.type === 'ObjectionReceived' || e.type === 'ObjectionNotAdmitted')).toHaveLength(1);
  });

  it('bans: asked for its own term only; a date alone is a question about the whole programme', async () => {
    const member = as(bound('supervisor', [termNew]));
    expectOk(await member.get(`/bans/${applicantNew}?programmeId=${XINZHOU}&termId=${termNew}`));
    expectProblem(await member.get(`/bans/${applicantNew}?programmeId=${XINZHOU}&termId=${termOld}`), 403, 'FORBIDDEN');
    expectProblem(await member.get(`/bans/${applicantNew}?programmeId=${XINZHOU}&onDate=2024-10-01`), 403, 'FORBIDDEN');
  });

  it('bans: the facts of a bound token’s answer are its term’s, never the applicant’s applications to other terms', async () => {
    const applicantOld = uscc('140900', 1); // applied to the 2021 term only; applicantNew to the 2024 term only
    const facts = async (token: string, applicant: string, query: string) =>
      (expectOk(await as(token).get(`/bans/${applicant}?programmeId=${XINZHOU}&${query}&minPosition=${head}`)).data.facts as Array<{ termId: string }>).map((f) => f.termId);
    const unbound = t.token('supervisor', [XINZHOU]);
    // The unbound group of the programme sees the applicant's whole history in it.
    expect(await facts(unbound, applicantNew, `termId=${termOld}&onDate=2024-10-01`)).toEqual([termNew]);
    expect(await facts(unbound, applicantOld, `termId=${termNew}`)).toEqual([termOld]);
    // The 2021 group: a date after its term does not open the 2024 term's application.
    const old = bound('supervisor', [termOld]);
    expect(await facts(old, applicantNew, `termId=${termOld}&onDate=2024-10-01`)).toEqual([]);
    expect(await facts(old, applicantNew, `termId=${termOld}`)).toEqual([]);
    expect(await facts(old, applicantOld, `termId=${termOld}&onDate=2024-10-01`)).toEqual([termOld]);
    // The 2024 group: nor does the past open the 2021 term's; its own term's application it sees.
    const member = bound('supervisor', [termNew]);
    expect(await facts(member, applicantOld, `termId=${termNew}`)).toEqual([]);
    expect(await facts(member, applicantNew, `termId=${termNew}`)).toEqual([termNew]);
  });

  it('an office bound to a term acts on its applications only, and cannot open a term', async () => {
    const office = as(bound('office', [termNew]));
    expectOk(await office.get(`/applications/${candidateNew}`));
    expectProblem(await office.get(`/applications/${candidateOld}`), 403, 'FORBIDDEN');
    expectProblem(await office.post(`/applications/${candidateOld}/withdraw`, { reason: '企业主动撤回' }), 403, 'FORBIDDEN');
    expectProblem(await office.get(`/applications/${candidateOld}/history`), 403, 'FORBIDDEN');
    expectProblem(await office.get(`/terms/${termOld}/audit-export`), 403, 'FORBIDDEN');
    const opened = await office.post(`/programmes/${XINZHOU}/terms`, { year: 2027, noticeDate: '2024-10-02', applicationDeadline: '2024-12-31' });
    expectProblem(opened, 403, 'FORBIDDEN');
    expect(expectOk(await as(t.token('office', [XINZHOU])).get(`/applications/${candidateOld}`)).state).not.toBe('withdrawn');
  });

  it('deadlines: a bound office lists its term’s only', async () => {
    const every = async (token: string) => {
      const found: Array<{ termId: string }> = [];
      for (const status of ['pending', 'overdue', 'fulfilled', 'cancelled']) {
        found.push(...expectOk(await as(token).get(`/deadlines?status=${status}&minPosition=${head}`)).deadlines);
      }
      return found;
    };
    expect(new Set((await every(t.token('office', [XINZHOU]))).map((d) => d.termId))).toEqual(new Set([termOld, termNew]));
    const mine = await every(bound('office', [termNew]));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((d) => d.termId === termNew)).toBe(true);
  });

  it('refuses a token whose terms are not a list of ids (401)', async () => {
    const { signToken } = await import('../../src/auth/jwt.js');
    const { TEST_SECRET } = await import('./harness.js');
    const bad = signToken({ sub: 's', name: 'x', roles: ['supervisor'], programmes: [XINZHOU], terms: [] }, TEST_SECRET);
    expectProblem(await as(bad).get(`/terms/${termNew}`), 401, 'UNAUTHENTICATED');
  });
});

describe('a dissolved supervision group’s tokens stop (济南 第九条)', () => {
  let t: TestApp;
  let term: string;
  let head: number;

  beforeAll(async () => {
    // The set-up runs without the deadline scheduler: the 2019 round ended long ago, and on the
    // system clock the scheduler would close it at any moment, racing the objection below. The
    // server is then restarted on the same data with the scheduler, to record the group's end.
    const setup = await startApp({}, { deadlineScheduler: false });
    const office = new AwardClient(setup, setup.token('office', ['jinan-mayor'], '济南评定办'));
    term = await office.openTerm('jinan-mayor', 2019, '2019-03-01', '2019-04-30');
    const [won] = await candidates(office, 'jinan-mayor', term, [{ kind: 'organisation', id: uscc('370100', 70), name: '济南某精密机械有限公司' }], {
      submittedOn: '2019-03-10',
      reviewedOn: '2019-06-10',
    });
    // An objection recorded today, years after the publicity ended (the period is judged by when
    // it reaches the office, not by the date it names): not admitted (济南 第十七条), and still a
    // row of the term's objection log.
    expectOk(await office.post(`/terms/${term}/proposed-list`, { entries: [{ applicationId: won, tier: 'award' }], occurredAt: '2019-09-20' }));
    expectOk(await office.post(`/terms/${term}/publicity`, { round: 1, startDate: '2019-09-27', occurredAt: '2019-09-27' }));
    const objector = { anonymous: false, name: '孙七', contact: '13600000000', consentToDisclose: false };
    const received = expectOk(await office.post(`/applications/${won}/objections`, { objector, grounds: '质量数据不实', evidenceProvided: true, occurredAt: '2019-09-30' }), 201);
    expect(received.objectionStatus).toBe('not-admitted');
    expectOk(await office.post(`/applications/${won}/close-publicity`, { occurredAt: '2019-10-10' }));
    expectOk(await office.post(`/terms/${term}/approval`, { decisionDate: '2019-10-25', documentNo: '济政字〔2019〕1号', occurredAt: '2019-10-25' }));
    await setup.close({ keepData: true });
    t = await startApp({}, {}, setup.dataDir);
    // The group served until 24:00 of the decision day, long past: the scheduler records the end.
    await supervisionDissolved(new AwardClient(t, t.token('office', ['jinan-mayor'], '济南评定办')), term);
    head = await t.app.get<EventStore>(EVENT_STORE).headPosition();
  });

  afterAll(async () => {
    await t.close();
  });

  it('refuses a member of the dissolved group, citing the article; others keep their access', async () => {
    const member = new AwardClient(t, t.token('supervisor', ['jinan-mayor'], '赵监督', 'member-2019', [term]));
    for (const path of [`/terms/${term}`, `/terms/${term}/quota`, `/bans/${uscc('370100', 70)}?programmeId=jinan-mayor&termId=${term}`]) {
      const res = await member.get(path);
      expectProblem(res, 403, 'FORBIDDEN');
      expect(res.body.rule).toMatchObject({ programme: 'jinan-mayor', article: '第九条' });
      expect(res.body.detail).toContain('dissolved on 2019-10-25');
    }
    // The log keeps the term's rows from the member, and shows them to the programme's group.
    expect(expectOk(await member.get(`/objections?programmeId=jinan-mayor&minPosition=${head}`)).data.objections).toEqual([]);
    expectProblem(await member.get(`/objections?termId=${term}`), 403, 'FORBIDDEN');
    const group = new AwardClient(t, t.token('supervisor', ['jinan-mayor']));
    expect(expectOk(await group.get(`/objections?programmeId=jinan-mayor&minPosition=${head}`)).data.objections).toHaveLength(1);
    expectOk(await group.get(`/terms/${term}`));
    expectOk(await new AwardClient(t, t.token('office', ['jinan-mayor'], '办公室', 'office-2019', [term])).get(`/terms/${term}`));
  });

  it('judges a token with several roles by the ones the call admits: a supervisor-only call is the member’s, ended with the group', async () => {
    const both = new AwardClient(t, t.token(['supervisor', 'auditor'], ['jinan-mayor'], '钱审计', 'member-auditor-2019', [term]));
    // The objection log admits the supervisor and the office: this token reads it as the group's member.
    const log = await both.get(`/objections?termId=${term}`);
    expectProblem(log, 403, 'FORBIDDEN');
    expect(log.body.rule).toMatchObject({ programme: 'jinan-mayor', article: '第九条' });
    expect(expectOk(await both.get(`/objections?programmeId=jinan-mayor&minPosition=${head}`)).data.objections).toEqual([]);
    // The term and its quota admit the auditor too: that role's access goes on.
    expectOk(await both.get(`/terms/${term}`));
    expectOk(await both.get(`/terms/${term}/quota`));
  });
});
