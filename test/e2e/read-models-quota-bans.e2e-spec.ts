/**
 * The quota and ban read models through HTTP, on terms driven through HTTP: a 济南 2019 term to
 * approval (one organisation, one individual, both 市长质量奖), then the 2021 term's notice.
 * - GET /api/terms/{termId}/quota after the proposed list and after the approval (济南 第二条);
 * - GET /api/bans/{applicantId} for the individual winner: barred for 2021 (济南 第六条), allowed
 *   before the award, and the submission agrees;
 * - every role × in-scope / out-of-scope programme for both endpoints; the resident id in the
 *   path is never echoed in an error.
 */
import { withResidentIdCheck, withUsccCheck } from '../../workflows/identifiers/index.js';
import { PolicyRegistry } from '../../workflows/policy/registry.js';
import { maskUrl } from '../../src/observability/logging.js';
import type { Role } from '../../src/auth/jwt.js';
import { startApp, type TestApp, type TestResponse } from './harness.js';

const PROGRAMME = 'jinan-mayor';
const TERM_2019 = 'jinan-mayor-2019';
const TERM_2021 = 'jinan-mayor-2021';
const JINAN = PolicyRegistry.fromDirectories().get(PROGRAMME, '2018');
const PERSON = withResidentIdCheck('37010219750101321');
const ORGANISATION = withUsccCheck('91370100000000777');

const REVIEWS = [
  {
    reviewerId: 'expert-001',
    recused: false,
    scores: { leadership: 95, strategy: 75, customersAndMarket: 72, resources: 110, processManagement: 85, measurementAnalysisImprovement: 66, results: 330 },
  },
];
/** Review commands in the order a term runs them, with their bodies. */
const STEPS: Array<[string, Record<string, unknown>]> = [
  ['recommend', { opinion: '同意推荐' }],
  ['qualification-review', { outcome: 'accepted' }],
  ['materials-review', { reviews: REVIEWS }],
  ['shortlist', {}],
  ['on-site-review', { reviews: REVIEWS }],
  ['oral-defence', { outcome: '答辩通过' }],
  ['candidate', { rank: 1 }],
];

function ok(res: TestResponse, status = 200): any {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text.slice(0, 600)}`);
  return res.body;
}

describe('read models through HTTP: quota and re-application bans', () => {
  let t: TestApp;
  let office: string;
  const post = (path: string, body: unknown, token = office) => t.request('POST', `/api${path}`, { token, body });
  const get = (path: string, token = office) => t.request('GET', `/api${path}`, { token });

  async function submit(termId: string, applicant: { kind: string; id: string; name: string }, occurredAt: string): Promise<TestResponse> {
    return post('/applications', {
      termId,
      applicant,
      channel: { kind: 'county', recommender: '历下区质量工作议事协调机构' },
      declaration: {
        ...(applicant.kind === 'organisation' ? { operatingSince: '2005-03-01' } : { qualityWorkSince: '2000-09-01' }),
        exclusions: Object.fromEntries(JINAN.eligibility.exclusions.map((e) => [e.code, false])),
      },
      occurredAt,
    });
  }

  async function toCandidate(id: string, on: string): Promise<void> {
    for (;;) {
      const view = ok(await get(`/applications/${id}`));
      if (view.state === 'candidate') return;
      const step = STEPS.find(([name]) => view.acceptedCommands.includes(name));
      if (!step) throw new Error(`no review step offered in state ${view.state}: ${view.acceptedCommands.join(', ')}`);
      ok(await post(`/applications/${id}/${step[0]}`, { ...step[1], occurredAt: on }));
    }
  }

  let organisationApplication = '';
  let proposedPosition = 0;
  let approvedPosition = 0;
  let quotaAfterProposal: any;

  beforeAll(async () => {
    t = await startApp({ CLOCK: 'manual', CLOCK_START: '2021-03-15T02:00:00Z' });
    office = t.token('office', [PROGRAMME], '评定办');
    ok(await post(`/programmes/${PROGRAMME}/terms`, { year: 2019, noticeDate: '2019-05-05', applicationDeadline: '2019-06-30', occurredAt: '2019-05-05' }), 201);
    const ids: string[] = [];
    for (const applicant of [
      { kind: 'organisation', id: ORGANISATION, name: '济南某某质量有限公司' },
      { kind: 'individual', id: PERSON, name: '张质量' },
    ]) {
      const id = ok(await submit(TERM_2019, applicant, '2019-05-10'), 201).id as string;
      await toCandidate(id, '2019-07-01');
      ids.push(id);
    }
    organisationApplication = ids[0]!;
    const proposed = ok(await post(`/terms/${TERM_2019}/proposed-list`, { entries: ids.map((applicationId) => ({ applicationId, tier: 'award' })), occurredAt: '2019-09-20' }));
    proposedPosition = proposed.position;
    // Read right after one's own write: ?minPosition= waits for the read model.
    quotaAfterProposal = ok(await get(`/terms/${TERM_2019}/quota?minPosition=${proposedPosition}`));
    ok(await post(`/terms/${TERM_2019}/publicity`, { round: 1, startDate: '2019-10-08', occurredAt: '2019-10-08' }));
    approvedPosition = ok(await post(`/terms/${TERM_2019}/approval`, { decisionDate: '2019-11-20', documentNo: '济政字〔2019〕88号', occurredAt: '2019-11-20' })).position;
    ok(await post(`/programmes/${PROGRAMME}/terms`, { year: 2021, noticeDate: '2021-03-01', applicationDeadline: '2021-04-30', occurredAt: '2021-03-01' }), 201);
  });
  afterAll(async () => t?.close());

  describe('GET /api/terms/{termId}/quota', () => {
    it('after the proposed list: places proposed and held per tier and kind (济南 第二条), with the checkpoint it answered from', () => {
      expect(quotaAfterProposal.checkpoint).toBeGreaterThanOrEqual(proposedPosition);
      expect(quotaAfterProposal.stale).toBe(false);
      expect(quotaAfterProposal.data).toMatchObject({ termId: TERM_2019, programmeId: PROGRAMME, policyVersion: '2018', year: 2019, status: 'open', approval: null });
      expect(quotaAfterProposal.data.lines).toEqual([
        { tier: 'award', kind: 'organisation', limit: 5, article: '第二条', proposed: 1, awarded: 0, revoked: 0, held: 1, free: 4 },
        { tier: 'award', kind: 'individual', limit: 3, article: '第二条', proposed: 1, awarded: 0, revoked: 0, held: 1, free: 2 },
        { tier: 'nomination', kind: 'organisation', limit: 3, article: '第二条', proposed: 0, awarded: 0, revoked: 0, held: 0, free: 3 },
        { tier: 'nomination', kind: 'individual', limit: 2, article: '第二条', proposed: 0, awarded: 0, revoked: 0, held: 0, free: 2 },
      ]);
    });

    it('after the approval: the awarded places', async () => {
      const res = ok(await get(`/terms/${TERM_2019}/quota?minPosition=${approvedPosition}`, t.token('auditor', [PROGRAMME])));
      expect(res.checkpoint).toBeGreaterThanOrEqual(approvedPosition);
      expect(res.data).toMatchObject({ status: 'approved', approval: { decisionDate: '2019-11-20', documentNo: '济政字〔2019〕88号' } });
      expect(res.data.lines.slice(0, 2)).toEqual([
        { tier: 'award', kind: 'organisation', limit: 5, article: '第二条', proposed: 1, awarded: 1, revoked: 0, held: 1, free: 4 },
        { tier: 'award', kind: 'individual', limit: 3, article: '第二条', proposed: 1, awarded: 1, revoked: 0, held: 1, free: 2 },
      ]);
    });

    it('releases the place of a revoked award (济南 第二十九条 fraud)', async () => {
      const revoked = ok(await post(`/applications/${organisationApplication}/revoke`, { ground: 'fraud', occurredAt: '2020-06-01' }));
      const res = ok(await get(`/terms/${TERM_2019}/quota?minPosition=${revoked.position}`, t.token('supervisor', [PROGRAMME])));
      expect(res.data.lines[0]).toEqual({ tier: 'award', kind: 'organisation', limit: 5, article: '第二条', proposed: 1, awarded: 1, revoked: 1, held: 0, free: 5 });
    });

    it('answers 404 for an unknown term and 400 for a bad minPosition', async () => {
      expect(ok(await get('/terms/jinan-mayor-2099/quota'), 404)).toMatchObject({ code: 'NOT_FOUND' });
      expect(ok(await get(`/terms/${TERM_2019}/quota?minPosition=-1`), 400)).toMatchObject({ code: 'VALIDATION_FAILED' });
    });
  });

  describe('GET /api/bans/{applicantId}', () => {
    const bans = (query: string, token = office) => get(`/bans/${PERSON}?programmeId=${PROGRAMME}&${query}`, token);

    it('bars the 2019 winner from the 2021 term for good (济南 第六条), naming the event it rests on', async () => {
      const res = ok(await bans(`termId=${TERM_2021}&minPosition=${approvedPosition}`));
      expect(res.checkpoint).toBeGreaterThanOrEqual(approvedPosition);
      // No ?onDate=: today (2021-03-15, the manual clock), within the 2021 application window.
      expect(res.data).toMatchObject({ programmeId: PROGRAMME, allowed: false, asOf: { termId: TERM_2021, termYear: 2021, date: '2021-03-15' }, alreadyAppliedInTerm: null });
      expect(res.data.bans).toEqual([
        expect.objectContaining({
          programme: PROGRAMME,
          article: '第六条',
          ruleId: 'award-winner-never-again',
          from: '2019-11-20',
          until: 'permanent',
          restsOn: [expect.objectContaining({ termId: TERM_2019, type: 'awarded', date: '2019-11-20', eventId: expect.any(String), position: expect.any(Number) })],
        }),
      ]);
      expect(ok(await bans('onDate=2030-01-01')).data.allowed).toBe(false);
    });

    it('for a token bound to the 2021 term: the same answer, its facts only those the ban rests on (not the 2019 application)', async () => {
      const full = ok(await bans(`termId=${TERM_2021}&minPosition=${approvedPosition}`)).data;
      expect(full.facts.map((f: { type: string; termId: string }) => [f.type, f.termId])).toEqual([['applied', TERM_2019], ['awarded', TERM_2019]]);
      const bound = ok(await bans(`termId=${TERM_2021}&minPosition=${approvedPosition}`, t.token('supervisor', [PROGRAMME], '监督组', 'group-2021', [TERM_2021]))).data;
      expect(bound).toEqual({ ...full, facts: full.facts.filter((f: { type: string }) => f.type === 'awarded') });
      expect(bound.allowed).toBe(false);
    });

    it('answers for the past: allowed when it applied in 2019, and the day before the award', async () => {
      const applied = ok(await bans(`termId=${TERM_2019}&onDate=2019-05-10`)).data;
      expect(applied).toMatchObject({ allowed: true, bans: [], alreadyAppliedInTerm: { date: '2019-05-10' } });
      expect(ok(await bans('onDate=2019-11-19')).data).toMatchObject({ allowed: true, bans: [] });
    });

    it('agrees with the submission: the 2021 application is refused by the same article', async () => {
      const refused = await submit(TERM_2021, { kind: 'individual', id: PERSON, name: '张质量' }, '2021-03-15');
      expect(ok(refused, 422)).toMatchObject({ code: 'RULE_VIOLATION', rule: { programme: PROGRAMME, article: '第六条' } });
    });

    it('refuses a malformed id, a question without term or date, an unknown term or programme, without echoing the id', async () => {
      const bad = await get(`/bans/${PERSON.slice(0, 17)}0?programmeId=${PROGRAMME}&onDate=2021-03-15`);
      expect(ok(bad, 400)).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(bad.text).not.toContain(PERSON.slice(0, 17));
      const noTerm = await bans('');
      expect(ok(noTerm, 400)).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(noTerm.text).not.toContain(PERSON);
      const unknownTerm = await bans('termId=jinan-mayor-2099');
      expect(ok(unknownTerm, 404)).toMatchObject({ code: 'NOT_FOUND', instance: maskUrl(`/api/bans/${PERSON}`) });
      expect(unknownTerm.text).not.toContain(PERSON);
      expect(ok(await get(`/bans/${PERSON}?programmeId=nowhere&onDate=2021-03-15`, t.token('office', ['*'])), 404)).toMatchObject({ code: 'NOT_FOUND' });
    });

    it('never logs the resident id: the request log masks it in the URL', () => {
      expect(maskUrl(`/api/bans/${PERSON}?programmeId=${PROGRAMME}&onDate=2021-03-15`)).not.toContain(PERSON);
    });
  });

  describe('authorization: every role × in-scope / out-of-scope programme', () => {
    const READERS: Role[] = ['office', 'auditor', 'supervisor'];
    const cases = (['office', 'auditor', 'supervisor', 'admin'] as Role[]).flatMap((role) =>
      (['in-scope', 'out-of-scope'] as const).map((scope) => [role, scope, READERS.includes(role) && scope === 'in-scope' ? 200 : 403] as const),
    );

    it.each(cases)('%s, %s → %i on both endpoints', async (role, scope, status) => {
      const token = t.token(role, scope === 'in-scope' ? [PROGRAMME] : ['chaoyang-mayor']);
      const quota = await get(`/terms/${TERM_2019}/quota`, token);
      expect(quota.status).toBe(status);
      const ban = await get(`/bans/${PERSON}?programmeId=${PROGRAMME}&termId=${TERM_2021}`, token);
      expect(ban.status).toBe(status);
      if (status === 403) {
        expect(ban.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(ban.body).toMatchObject({ code: 'FORBIDDEN', instance: expect.stringContaining('/api/bans/') });
        // The problem's instance and text never carry the resident id.
        expect(ban.text).not.toContain(PERSON);
      } else {
        expect(quota.body.data.termId).toBe(TERM_2019);
        expect(ban.body.data.allowed).toBe(false);
      }
    });

    it('refuses a caller without a token (401)', async () => {
      expect((await t.request('GET', `/api/terms/${TERM_2019}/quota`)).status).toBe(401);
      const ban = await t.request('GET', `/api/bans/${PERSON}?programmeId=${PROGRAMME}&onDate=2021-03-15`);
      expect(ban.status).toBe(401);
      expect(ban.text).not.toContain(PERSON);
    });
  });
});
