/**
 * The API conventions of README.md, through HTTP on the award endpoints: idempotency, ETag and
 * If-Match, validation problems, rule refusals with their article, illegal transitions, business
 * dates, policy versions, and authorisation by role and programme.
 */
import { AwardClient, candidates, expectOk, expectProblem, jinanTermAwarded, residentId, submissionBody, uscc } from './award-support.js';
import { startApp, type TestApp } from './harness.js';

describe('award API conventions (HTTP)', () => {
  let t: TestApp;
  let chaoyang: AwardClient;
  let chaoyangTerm: string;
  const org = (n: number) => ({ kind: 'organisation' as const, id: uscc('211300', n), name: `朝阳申报单位${n}` });
  const chaoyangBody = (n: number, extra: Record<string, unknown> = {}) =>
    ({ ...submissionBody('chaoyang-mayor', chaoyangTerm, org(n), { kind: 'county', recommender: '双塔区市场监督管理局' }), occurredAt: '2024-03-10', ...extra });

  beforeAll(async () => {
    // The office closes rounds by hand here; the scheduler that closes them by itself is
    // covered by deadlines.e2e-spec.ts, so it stays off to keep these steps deterministic.
    t = await startApp({ CLOCK: 'manual', CLOCK_START: '2025-12-01T02:00:00Z' }, { deadlineScheduler: false });
    chaoyang = new AwardClient(t, t.token('office', ['chaoyang-mayor'], '朝阳评定办', 'office-chaoyang'));
    chaoyangTerm = await chaoyang.openTerm('chaoyang-mayor', 2024, '2024-03-01', '2024-04-30');
  });
  afterAll(async () => t.close());

  describe('Idempotency-Key', () => {
    it('answers the same key and body with the first answer, marked replayed, and appends nothing more', async () => {
      const headers = { 'Idempotency-Key': 'submit-org-1' };
      const first = await chaoyang.post('/applications', chaoyangBody(1), headers);
      expectOk(first, 201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const again = await chaoyang.post('/applications', chaoyangBody(1), headers);
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
      const id = first.body.id as string;
      expect(expectOk(await chaoyang.get(`/applications/${id}/events`))).toHaveLength(1);

      // A command on the application, retried.
      const recommend = { opinion: '同意推荐', occurredAt: '2024-03-12' };
      const r1 = expectOk(await chaoyang.post(`/applications/${id}/recommend`, recommend, { 'Idempotency-Key': 'rec-1' }));
      const r2 = await chaoyang.post(`/applications/${id}/recommend`, recommend, { 'Idempotency-Key': 'rec-1' });
      expect(r2.status).toBe(200);
      expect(r2.headers.get('idempotent-replayed')).toBe('true');
      expect(r2.body).toEqual(r1);
      const events = expectOk(await chaoyang.get(`/applications/${id}/events`));
      expect(events.map((e: { type: string }) => e.type)).toEqual(['ApplicationSubmitted', 'ApplicationRecommended']);
    });

    it('refuses the same key with another body: 422 IDEMPOTENCY_KEY_REUSED, nothing written', async () => {
      const headers = { 'Idempotency-Key': 'submit-org-2' };
      const first = expectOk(await chaoyang.post('/applications', chaoyangBody(2), headers), 201);
      const other = await chaoyang.post('/applications', chaoyangBody(3), headers);
      expectProblem(other, 422, 'IDEMPOTENCY_KEY_REUSED');
      expect(expectOk(await chaoyang.get(`/applications/${first.id}/events`))).toHaveLength(1);
    });

    it('refuses a malformed key with 400', async () => {
      const res = await chaoyang.post('/applications', chaoyangBody(4), { 'Idempotency-Key': 'x'.repeat(201) });
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(res.body.errors[0].field).toBe('Idempotency-Key');
    });
  });

  describe('ETag and If-Match', () => {
    let id: string;
    beforeAll(async () => {
      id = await chaoyang.submit(chaoyangBody(10));
    });

    it('carries the revision as ETag on GET and on command answers', async () => {
      const got = await chaoyang.get(`/applications/${id}`);
      expect(got.headers.get('etag')).toBe(`"${got.body.revision}"`);
      const term = await chaoyang.get(`/terms/${chaoyangTerm}`);
      expect(term.headers.get('etag')).toBe(`"${term.body.revision}"`);
    });

    it('refuses a stale If-Match with 412 and writes nothing; the current one goes through', async () => {
      const before = expectOk(await chaoyang.get(`/applications/${id}/events`)).length;
      const stale = await chaoyang.post(`/applications/${id}/recommend`, { opinion: '同意推荐', occurredAt: '2024-03-12' }, { 'If-Match': '"7"' });
      expectProblem(stale, 412, 'PRECONDITION_FAILED');
      expect(expectOk(await chaoyang.get(`/applications/${id}/events`))).toHaveLength(before);
      const current = await chaoyang.get(`/applications/${id}`);
      const ok = await chaoyang.post(`/applications/${id}/recommend`, { opinion: '同意推荐', occurredAt: '2024-03-12' }, { 'If-Match': current.headers.get('etag')! });
      expect(expectOk(ok).revision).toBe(current.body.revision + 1);
      expect(ok.headers.get('etag')).toBe(`"${current.body.revision + 1}"`);
    });

    it('refuses an If-Match that is not an ETag of this API with 400', async () => {
      const res = await chaoyang.post(`/applications/${id}/qualification-review`, { outcome: 'accepted' }, { 'If-Match': 'yesterday' });
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(res.body.errors[0].field).toBe('If-Match');
    });

    it('guards the term too: a stale If-Match on the proposed list is 412', async () => {
      const res = await chaoyang.post(`/terms/${chaoyangTerm}/proposed-list`, { entries: [{ applicationId: id, tier: 'gold' }] }, { 'If-Match': '"99"' });
      expectProblem(res, 412, 'PRECONDITION_FAILED');
    });
  });

  describe('validation: 400 VALIDATION_FAILED with per-field errors', () => {
    const fields = (res: { body: { errors: Array<{ field: string }> } }) => res.body.errors.map((e) => e.field);

    it('refuses an unknown property, also a nested one', async () => {
      const res = await chaoyang.post('/applications', { ...chaoyangBody(20), priority: 'high' });
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(res.body.errors).toContainEqual(expect.objectContaining({ field: 'priority', message: expect.stringContaining('not allowed') }));
      const nested = await chaoyang.post('/applications', { ...chaoyangBody(20), applicant: { ...org(20), vip: true } });
      expectProblem(nested, 400, 'VALIDATION_FAILED');
      expect(fields(nested)).toContain('applicant.vip');
    });

    it('refuses a date that does not exist, a bad enum, and names nested paths', async () => {
      const res = await chaoyang.post('/applications', {
        ...chaoyangBody(21, { occurredAt: '2024-02-30' }),
        applicant: { ...org(21), kind: 'company' },
        channel: { kind: 'post' },
      });
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(fields(res)).toEqual(expect.arrayContaining(['occurredAt', 'applicant.kind', 'channel.kind']));
      const waiver = await chaoyang.post('/applications', {
        ...chaoyangBody(21),
        declaration: { exclusions: {}, waiver: { grantedBy: 'mayor', documentNo: '', date: '2024-13-01' } },
      });
      expectProblem(waiver, 400, 'VALIDATION_FAILED');
      expect(fields(waiver)).toEqual(expect.arrayContaining(['declaration.waiver.grantedBy', 'declaration.waiver.documentNo', 'declaration.waiver.date']));
    });

    it('names the element of an array: reviews.0.scores.results below 0', async () => {
      const id = await chaoyang.submit(chaoyangBody(22));
      const res = await chaoyang.post(`/applications/${id}/materials-review`, {
        reviews: [{ reviewerId: 'e1', recused: false, scores: { leadership: 1, strategy: 1, customersAndMarket: 1, resources: 1, processManagement: 1, measurementAnalysisImprovement: 1, results: -1 } }],
      });
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(fields(res)).toContain('reviews.0.scores.results');
    });

    it('requires a reason for a rejection (朝阳 第十七条(四)) and a required objection field per decision', async () => {
      const id = await chaoyang.submit(chaoyangBody(23));
      const res = await chaoyang.post(`/applications/${id}/qualification-review`, { outcome: 'rejected' });
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(fields(res)).toContain('reason');
      const decision = await chaoyang.post(`/applications/${id}/objections/obj-1/uphold`, {});
      expectProblem(decision, 400, 'VALIDATION_FAILED');
      expect(fields(decision)).toContain('reason');
      const unknown = await chaoyang.post(`/applications/${id}/objections/obj-1/ignore`, {});
      expectProblem(unknown, 400, 'VALIDATION_FAILED');
      expect(fields(unknown)).toContain('decision');
    });
  });

  describe('rules: 422 with the article', () => {
    it('refuses an invalid USCC check character, without echoing the id', async () => {
      const good = uscc('211300', 30);
      const bad = good.slice(0, 17) + (good.endsWith('0') ? '1' : '0');
      const res = await chaoyang.post('/applications', chaoyangBody(30, { applicant: { ...org(30), id: bad } }));
      expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(res.body.errors[0].field).toBe('applicant.id');
      expect(res.text).not.toContain(bad);
    });

    it('refuses an individual where only organisations may apply (朝阳 第二条)', async () => {
      const person = { kind: 'individual', id: residentId('211302', 31), name: '个人' };
      const res = await chaoyang.post('/applications', chaoyangBody(31, { applicant: person }));
      expectProblem(res, 422, 'RULE_VIOLATION');
      expect(res.body.rule).toMatchObject({ programme: 'chaoyang-mayor', version: '2022', article: '第二条' });
    });

    it('refuses a category score above its GB/T 19580 maximum (朝阳 第五条), naming the element', async () => {
      const id = await chaoyang.submit(chaoyangBody(33));
      await chaoyang.runSteps(id, ['recommend', 'qualification-review'], '2024-03-12');
      const res = await chaoyang.post(`/applications/${id}/materials-review`, {
        reviews: [{ reviewerId: 'e1', recused: false, scores: { leadership: 1, strategy: 1, customersAndMarket: 1, resources: 1, processManagement: 1, measurementAnalysisImprovement: 1, results: 401 } }],
        occurredAt: '2024-03-13',
      });
      expectProblem(res, 422, 'RULE_VIOLATION');
      expect(res.body).toMatchObject({ field: 'reviews[0].scores.results', rule: { programme: 'chaoyang-mayor', version: '2022', article: '第五条' } });
    });

    it('refuses an organisation with fewer than 5 years of operation (朝阳 第十三条(一))', async () => {
      const body = chaoyangBody(32);
      const res = await chaoyang.post('/applications', { ...body, declaration: { ...body.declaration, operatingSince: '2021-01-01' } });
      expectProblem(res, 422, 'RULE_VIOLATION');
      expect(res.body.rule.article).toBe('第十三条(一)');
    });

    it('takes the leading group’s waiver of the operating years (忻州 第十条(一)), and no one else’s', async () => {
      const xinzhou = new AwardClient(t, t.token('office', ['xinzhou-mayor']));
      const term = await xinzhou.openTerm('xinzhou-mayor', 2025, '2025-03-10', '2025-05-10');
      const young = { kind: 'organisation' as const, id: uscc('140900', 90), name: '忻州新办企业' };
      const body = submissionBody('xinzhou-mayor', term, young, { kind: 'county', recommender: '忻府区人民政府' });
      const declaration = { ...body.declaration, operatingSince: '2024-01-01' };
      const tooYoung = await xinzhou.post('/applications', { ...body, declaration, occurredAt: '2025-04-01' });
      expectProblem(tooYoung, 422, 'RULE_VIOLATION');
      expect(tooYoung.body).toMatchObject({ field: 'declaration.operatingSince', rule: { programme: 'xinzhou-mayor', article: '第十条(一)' } });
      const waiver = { grantedBy: 'leading-group', documentNo: '忻质强组〔2025〕3号', date: '2025-03-20' };
      const id = expectOk(await xinzhou.post('/applications', { ...body, declaration: { ...declaration, waiver }, occurredAt: '2025-04-01' }), 201).id;
      const [submitted] = expectOk(await xinzhou.get(`/applications/${id}/events`));
      expect(submitted.data.declaration).toMatchObject({ operatingSince: '2024-01-01', waiver });
      // 朝阳 knows no waiver (第十三条(一)).
      const elsewhere = await chaoyang.post('/applications', { ...chaoyangBody(34), declaration: { ...chaoyangBody(34).declaration, operatingSince: '2023-01-01', waiver } });
      expectProblem(elsewhere, 422, 'RULE_VIOLATION');
      expect(elsewhere.body.field).toBe('declaration.waiver');
    });

    // After the waiver test, which opens the programme's 2025 term (one term per 3-year cycle, 忻州 第四条).
    it('asks 忻州 applicants for 5 working days of internal publicity without objection first (忻州 第十四条)', async () => {
      const xinzhou = new AwardClient(t, t.token('office', ['xinzhou-mayor']));
      const term = 'xinzhou-mayor-2025';
      const body = submissionBody('xinzhou-mayor', term, { kind: 'organisation', id: uscc('140900', 91), name: '忻州某公司' }, { kind: 'county', recommender: '忻府区人民政府' });
      const { internalPublicity: _declared, ...withoutPublicity } = body.declaration as Record<string, unknown>;
      const missing = await xinzhou.post('/applications', { ...body, declaration: withoutPublicity, occurredAt: '2025-04-01' });
      expectProblem(missing, 422, 'RULE_VIOLATION');
      expect(missing.body).toMatchObject({ field: 'declaration.internalPublicity', rule: { programme: 'xinzhou-mayor', article: '第十四条' } });
      // Four working days (03-17..03-20) are one short.
      const short = { startDate: '2025-03-17', endDate: '2025-03-20', objectionsRaised: false };
      expectProblem(await xinzhou.post('/applications', { ...body, declaration: { ...withoutPublicity, internalPublicity: short }, occurredAt: '2025-04-01' }), 422, 'RULE_VIOLATION');
      const enough = { startDate: '2025-03-17', endDate: '2025-03-21', objectionsRaised: false };
      expectOk(await xinzhou.post('/applications', { ...body, declaration: { ...withoutPublicity, internalPublicity: enough }, occurredAt: '2025-04-01' }), 201);
    });

    it('refuses a submission after the application deadline (朝阳 第十七条(一))', async () => {
      const res = await chaoyang.post('/applications', chaoyangBody(33, { occurredAt: '2024-05-02' }));
      expectProblem(res, 422, 'RULE_VIOLATION');
      expect(res.body.rule.article).toBe('第十七条(一)');
    });

    it('refuses a fourth gold place (朝阳 第三条) with QUOTA_EXCEEDED and writes nothing', async () => {
      const ids2024 = await candidates(chaoyang, 'chaoyang-mayor', chaoyangTerm, [40, 41, 42, 43].map(org), { submittedOn: '2024-03-20', reviewedOn: '2024-06-10' });
      const before = expectOk(await chaoyang.get(`/terms/${chaoyangTerm}`)).revision;
      const res = await chaoyang.post(`/terms/${chaoyangTerm}/proposed-list`, { entries: ids2024.map((applicationId) => ({ applicationId, tier: 'gold' })), occurredAt: '2024-09-20' });
      expectProblem(res, 422, 'QUOTA_EXCEEDED');
      expect(res.body.rule).toMatchObject({ programme: 'chaoyang-mayor', article: '第三条' });
      expect(expectOk(await chaoyang.get(`/terms/${chaoyangTerm}`)).revision).toBe(before);
      expect((await chaoyang.application(ids2024[0]!)).state).toBe('candidate');
    });

    it('refuses a winner for ever (济南 第六条) and a fourth individual award (济南 第二条)', async () => {
      const jinan = new AwardClient(t, t.token('office', ['jinan-mayor'], '济南评定办'));
      const winner = { kind: 'organisation' as const, id: uscc('370100', 50), name: '济南某精密机械有限公司' };
      const { applicationId: won } = await jinanTermAwarded(jinan, winner);
      expect((await jinan.application(won)).state).toBe('awarded');

      const term2021 = await jinan.openTerm('jinan-mayor', 2021, '2021-03-01', '2021-04-30');
      const again = await jinan.post('/applications', {
        ...submissionBody('jinan-mayor', term2021, winner, { kind: 'county', recommender: '历下区质量工作议事协调机构' }),
        occurredAt: '2021-03-10',
      });
      expectProblem(again, 422, 'RULE_VIOLATION');
      expect(again.body.rule).toMatchObject({ programme: 'jinan-mayor', version: '2018', article: '第六条' });

      const people = [1, 2, 3, 4].map((n) => ({ kind: 'individual' as const, id: residentId('370102', 60 + n), name: `质量人物${n}` }));
      const ids = await candidates(jinan, 'jinan-mayor', term2021, people, { submittedOn: '2021-03-10', reviewedOn: '2021-06-10' });
      const res = await jinan.post(`/terms/${term2021}/proposed-list`, { entries: ids.map((applicationId) => ({ applicationId, tier: 'award' })), occurredAt: '2021-09-20' });
      expectProblem(res, 422, 'QUOTA_EXCEEDED');
      expect(res.body.rule).toMatchObject({ programme: 'jinan-mayor', article: '第二条' });
    });

    it('refuses a term whose notice date no policy version covers: 422 NO_POLICY_VERSION, telling to add a version', async () => {
      // 济南's 2018 version ended 2021-12-06 (第三十一条); none is loaded after it.
      const jinan = new AwardClient(t, t.token('office', ['jinan-mayor']));
      const res = await jinan.post('/programmes/jinan-mayor/terms', { year: 2023, noticeDate: '2023-03-01', applicationDeadline: '2023-04-30', occurredAt: '2023-03-01' });
      expectProblem(res, 422, 'NO_POLICY_VERSION');
      expect(res.body.detail).toMatch(/Add a version/);
      expect(res.body.versions).toEqual([{ version: '2018', from: '2018-12-07', until: '2021-12-06' }]);
    });
  });

  describe('state and dates', () => {
    it('answers an illegal transition with 409, the current state and what is accepted', async () => {
      const id = await chaoyang.submit(chaoyangBody(70));
      const res = await chaoyang.post(`/applications/${id}/shortlist`, { occurredAt: '2024-03-12' });
      expectProblem(res, 409, 'ILLEGAL_TRANSITION');
      expect(res.body).toMatchObject({ command: 'shortlist', currentState: 'submitted' });
      expect(res.body.acceptedCommands).toEqual(expect.arrayContaining(['recommend', 'withdraw']));
      // Revoking what was never awarded: the regulation, not only the state, says no.
      const revoke = await chaoyang.post(`/applications/${id}/revoke`, { ground: 'fraud' });
      expectProblem(revoke, 422, 'RULE_VIOLATION');
      expect(revoke.body.rule.article).toBe('第二十七条、第三十六条');
    });

    it('refuses an occurredAt in the future (422) or before the record’s last event (422)', async () => {
      const id = await chaoyang.submit(chaoyangBody(71));
      const future = await chaoyang.post(`/applications/${id}/recommend`, { opinion: '同意推荐', occurredAt: '2025-12-02' });
      expectProblem(future, 422, 'INVALID_OCCURRED_AT');
      const before = await chaoyang.post(`/applications/${id}/recommend`, { opinion: '同意推荐', occurredAt: '2024-03-01' });
      expectProblem(before, 422, 'INVALID_OCCURRED_AT');
    });

    it('answers 404 for an unknown application or term', async () => {
      expectProblem(await chaoyang.get('/applications/no-such-application'), 404, 'NOT_FOUND');
      expectProblem(await chaoyang.post('/applications/no-such-application/recommend', { opinion: '同意' }), 404, 'NOT_FOUND');
      expectProblem(await chaoyang.get('/terms/chaoyang-mayor-1999'), 404, 'NOT_FOUND');
      expectProblem(await chaoyang.post('/applications', chaoyangBody(72, { termId: 'chaoyang-mayor-1999' })), 404, 'NOT_FOUND');
    });
  });

  describe('authorisation', () => {
    let id: string;
    beforeAll(async () => {
      id = await chaoyang.submit(chaoyangBody(80));
    });

    it('answers 401 without a token', async () => {
      expectProblem(await t.request('POST', '/api/applications', { body: chaoyangBody(81) }), 401, 'UNAUTHENTICATED');
      expectProblem(await t.request('GET', `/api/applications/${id}`), 401, 'UNAUTHENTICATED');
    });

    it('answers 403 when the role may not act (an auditor reads, never writes)', async () => {
      const auditor = new AwardClient(t, t.token('auditor', ['chaoyang-mayor']));
      expectOk(await auditor.get(`/applications/${id}`));
      expectProblem(await auditor.post(`/applications/${id}/recommend`, { opinion: '同意推荐' }), 403, 'FORBIDDEN');
      expectProblem(await auditor.post('/programmes/chaoyang-mayor/terms', { year: 2030, noticeDate: '2030-03-01', applicationDeadline: '2030-04-01' }), 403, 'FORBIDDEN');
    });

    it('answers 403 outside the token’s programmes: a 济南 office cannot touch a 朝阳 application', async () => {
      const jinan = new AwardClient(t, t.token('office', ['jinan-mayor']));
      expectProblem(await jinan.get(`/applications/${id}`), 403, 'FORBIDDEN');
      expectProblem(await jinan.get(`/applications/${id}/events`), 403, 'FORBIDDEN');
      expectProblem(await jinan.post(`/applications/${id}/recommend`, { opinion: '同意推荐' }), 403, 'FORBIDDEN');
      expectProblem(await jinan.post('/applications', chaoyangBody(82)), 403, 'FORBIDDEN');
      expectProblem(await jinan.get(`/terms/${chaoyangTerm}`), 403, 'FORBIDDEN');
      expectProblem(await jinan.post(`/terms/${chaoyangTerm}/publicity`, { round: 1, startDate: '2024-09-30' }), 403, 'FORBIDDEN');
      expectProblem(await jinan.post('/programmes/chaoyang-mayor/terms', { year: 2030, noticeDate: '2030-03-01', applicationDeadline: '2030-04-01' }), 403, 'FORBIDDEN');
      expectProblem(await jinan.get('/programmes/chaoyang-mayor/statechart'), 403, 'FORBIDDEN');
      expectProblem(await jinan.post(`/applications/${id}/objections`, { objector: { anonymous: false, name: '张三', consentToDisclose: false }, grounds: '材料不实', evidenceProvided: true }), 403, 'FORBIDDEN');
      // Nothing was written by any of them.
      expect(expectOk(await chaoyang.get(`/applications/${id}/events`))).toHaveLength(1);
    });

    it('lets only the programme’s objection handler record objections (朝阳 第二十一条: the office)', async () => {
      const supervisor = new AwardClient(t, t.token('supervisor', ['chaoyang-mayor']));
      const res = await supervisor.post(`/applications/${id}/objections`, { objector: { anonymous: false, name: '张三', consentToDisclose: false }, grounds: '材料不实', evidenceProvided: true });
      expectProblem(res, 403, 'FORBIDDEN');
      expect(res.body.rule).toMatchObject({ programme: 'chaoyang-mayor' });
    });
  });
});
