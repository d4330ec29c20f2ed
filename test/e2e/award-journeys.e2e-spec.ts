/**
 * Every programme from notice to award, through HTTP only, as the office of each city runs it.
 * The app runs on CLOCK=manual, started after every publicity below has ended: business dates
 * travel as `occurredAt`, while "now" (the clock) decides whether a period is over.
 */
import { AwardClient, type ProgrammeId, expectOk, residentId, submissionBody, uscc } from './award-support.js';
import { startApp, type TestApp } from './harness.js';

interface Entrant {
  kind: 'organisation' | 'individual';
  tier: string;
  channel: { kind: 'county' | 'industry' | 'direct'; recommender?: string };
}

interface Journey {
  programme: ProgrammeId;
  region: string;
  year: number;
  noticeDate: string;
  deadline: string;
  submittedOn: string;
  reviewedOn: string;
  entrants: Entrant[];
  /** Review commands in the order of the programme's stages, per channel kind. */
  steps: (channel: Entrant['channel']) => string[];
  /** A candidate-list round first (忻州 第十八条): start date and its working-day end. */
  candidateRound?: { startDate: string; endDate: string };
  /** Steps after the candidate round closed (none so far). */
  proposedOn: string;
  publicity: { round: number; startDate: string; endDate: string; unit: 'working' | 'calendar' };
  approvalOn: string;
  documentNo: string;
}

const county = (recommender: string) => ({ kind: 'county' as const, recommender });
const industry = (recommender: string) => ({ kind: 'industry' as const, recommender });

const JOURNEYS: Journey[] = [
  {
    // 淄博: 舆情调查 before 资格审查 (第十六条); 5 working days of publicity (第十八条).
    programme: 'zibo-leader',
    region: '370300',
    year: 2025,
    noticeDate: '2025-03-03',
    deadline: '2025-04-30',
    submittedOn: '2025-03-20',
    reviewedOn: '2025-06-10',
    entrants: [
      { kind: 'organisation', tier: 'leader', channel: county('张店区质量强区工作领导小组办公室') },
      { kind: 'individual', tier: 'leader', channel: county('淄川区质量强区工作领导小组办公室') },
    ],
    steps: () => ['recommend', 'opinion-survey', 'qualification-review', 'materials-review', 'shortlist', 'on-site-review', 'oral-defence', 'candidate'],
    proposedOn: '2025-09-20',
    // Friday before National Day 2025: 09-26, 09-28 (Sunday, worked), 09-29, 09-30, 10-09.
    publicity: { round: 1, startDate: '2025-09-26', endDate: '2025-10-09', unit: 'working' },
    approvalOn: '2025-10-20',
    documentNo: '淄政字〔2025〕88号',
  },
  {
    // 济南 2018 version (in force 2018-12-07 – 2021-12-06, 第三十一条): term 2019.
    programme: 'jinan-mayor',
    region: '370100',
    year: 2019,
    noticeDate: '2019-03-01',
    deadline: '2019-04-30',
    submittedOn: '2019-03-15',
    reviewedOn: '2019-06-10',
    entrants: [
      { kind: 'organisation', tier: 'award', channel: county('历下区质量工作议事协调机构') },
      { kind: 'organisation', tier: 'nomination', channel: county('槐荫区质量工作议事协调机构') },
      { kind: 'individual', tier: 'award', channel: county('市中区质量工作议事协调机构') },
    ],
    steps: () => ['recommend', 'qualification-review', 'materials-review', 'shortlist', 'on-site-review', 'oral-defence', 'candidate'],
    proposedOn: '2019-09-20',
    // 第十七条, 5 working days from Friday 2019-09-27: 09-27, 09-29 (Sunday, worked), 09-30, 10-08, 10-09.
    publicity: { round: 1, startDate: '2019-09-27', endDate: '2019-10-09', unit: 'working' },
    approvalOn: '2019-10-25',
    documentNo: '济政字〔2019〕66号',
  },
  {
    // 忻州: department opinions after the candidate list, two publicity rounds (第十八、十九条).
    programme: 'xinzhou-mayor',
    region: '140900',
    year: 2025,
    noticeDate: '2025-03-10',
    deadline: '2025-05-10',
    submittedOn: '2025-04-01',
    reviewedOn: '2025-07-01',
    entrants: [
      { kind: 'organisation', tier: 'award', channel: county('忻府区人民政府') },
      { kind: 'individual', tier: 'nomination', channel: industry('忻州市工业和信息化局') },
    ],
    steps: () => ['recommend', 'qualification-review', 'materials-review', 'shortlist', 'on-site-review', 'oral-defence', 'candidate', 'department-opinions'],
    // Round 1, candidate list, from Wednesday 2025-09-24: 09-24, 09-25, 09-26, 09-28 (Sunday, worked), 09-29.
    candidateRound: { startDate: '2025-09-24', endDate: '2025-09-29' },
    proposedOn: '2025-10-09',
    // Round 2, proposed list, from 10-09: 10-09, 10-10, 10-11 (Saturday, worked), 10-13, 10-14.
    publicity: { round: 2, startDate: '2025-10-09', endDate: '2025-10-14', unit: 'working' },
    approvalOn: '2025-10-30',
    documentNo: '忻政发〔2025〕20号',
  },
  {
    // 瀍河: organisations only, through the district's departments; 7 calendar days (第十九条).
    programme: 'chanhe-district',
    region: '410304',
    year: 2025,
    noticeDate: '2025-03-05',
    deadline: '2025-04-30',
    submittedOn: '2025-03-25',
    reviewedOn: '2025-06-20',
    entrants: [
      { kind: 'organisation', tier: 'award', channel: industry('瀍河回族区工业和信息化局') },
      { kind: 'organisation', tier: 'award', channel: industry('瀍河回族区商务局') },
    ],
    steps: () => ['recommend', 'qualification-review', 'materials-review', 'shortlist', 'on-site-review', 'candidate'],
    proposedOn: '2025-09-20',
    // 公示期7天 across National Day: 09-26 … 10-02.
    publicity: { round: 1, startDate: '2025-09-26', endDate: '2025-10-02', unit: 'calendar' },
    approvalOn: '2025-10-15',
    documentNo: '瀍政〔2025〕15号',
  },
  {
    // 朝阳: three tiers; a central enterprise files directly, without a recommendation (第十七条(三)).
    programme: 'chaoyang-mayor',
    region: '211300',
    year: 2024,
    noticeDate: '2024-03-01',
    deadline: '2024-04-30',
    submittedOn: '2024-03-18',
    reviewedOn: '2024-06-18',
    entrants: [
      { kind: 'organisation', tier: 'gold', channel: { kind: 'direct' } },
      { kind: 'organisation', tier: 'silver', channel: county('双塔区市场监督管理局') },
      { kind: 'organisation', tier: 'nomination', channel: industry('朝阳市工业和信息化局') },
    ],
    steps: (channel) =>
      [...(channel.kind === 'direct' ? [] : ['recommend']), 'qualification-review', 'materials-review', 'shortlist', 'on-site-review', 'candidate'],
    proposedOn: '2024-09-20',
    // 为期7天 from Monday 2024-09-30, National Day inside: 09-30 … 10-06.
    publicity: { round: 1, startDate: '2024-09-30', endDate: '2024-10-06', unit: 'calendar' },
    approvalOn: '2024-10-15',
    documentNo: '朝政〔2024〕9号',
  },
];

const dayAfter = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

describe('award journeys through HTTP, notice to award', () => {
  let t: TestApp;
  beforeAll(async () => {
    // The office closes rounds by hand here; the scheduler that closes them by itself is
    // covered by deadlines.e2e-spec.ts, so it stays off to keep these steps deterministic.
    t = await startApp({ CLOCK: 'manual', CLOCK_START: '2025-12-01T02:00:00Z' }, { deadlineScheduler: false });
  });
  afterAll(async () => t.close());

  it.each(JOURNEYS.map((j) => [j.programme, j] as const))('%s', async (_name, j) => {
    const office = new AwardClient(t, t.token('office', [j.programme], '评定办'));
    const auditor = new AwardClient(t, t.token('auditor', [j.programme], '审计'));

    // Notice (申报通知): the version in force on the notice date governs the term for life.
    const termId = await office.openTerm(j.programme, j.year, j.noticeDate, j.deadline);
    expect(termId).toBe(`${j.programme}-${j.year}`);
    const opened = expectOk(await office.get(`/terms/${termId}`));
    expect(opened).toMatchObject({ status: 'open', programmeId: j.programme, year: j.year, noticeDate: j.noticeDate });
    expect(opened.acceptedCommands).toContain('record-proposed-list');

    // Submissions, then every review stage in the programme's order.
    const ids: string[] = [];
    for (const [n, entrant] of j.entrants.entries()) {
      const applicant = {
        kind: entrant.kind,
        id: entrant.kind === 'organisation' ? uscc(j.region, 100 + n) : residentId(j.region, 100 + n),
        name: entrant.kind === 'organisation' ? `${j.programme}申报单位${n}` : `申报人${n}`,
      };
      const id = await office.submit({ ...submissionBody(j.programme, termId, applicant, entrant.channel), occurredAt: j.submittedOn });
      const submitted = await office.application(id);
      expect(submitted).toMatchObject({ state: 'submitted', termId, programmeId: j.programme, submittedOn: j.submittedOn });
      expect(submitted.channel).toEqual({ kind: entrant.channel.kind, recommender: entrant.channel.recommender ?? null });
      await office.runSteps(id, j.steps(entrant.channel), j.reviewedOn);
      ids.push(id);
    }

    if (j.candidateRound) {
      // 忻州 第十八条: the candidate list is publicised (≥5 working days) before the proposed list.
      const round1 = await office.post(`/terms/${termId}/publicity`, {
        round: 1,
        startDate: j.candidateRound.startDate,
        candidates: ids,
        occurredAt: j.candidateRound.startDate,
      });
      expectOk(round1);
      const term = expectOk(await office.get(`/terms/${termId}`));
      expect(term.publicity[0]).toMatchObject({ round: 1, list: 'candidate', startDate: j.candidateRound.startDate, endDate: j.candidateRound.endDate });
      for (const id of ids) {
        const view = await office.application(id);
        expect(view.acceptedCommands).toContain('close-publicity');
        const closed = expectOk(await office.post(`/applications/${id}/close-publicity`, { round: 1, occurredAt: dayAfter(j.candidateRound.endDate) }));
        expect(closed.state).toBe('publicityRound1Closed');
      }
    }

    // The committee's proposed list with tiers.
    const proposed = await office.post(`/terms/${termId}/proposed-list`, {
      entries: ids.map((applicationId, i) => ({ applicationId, tier: j.entrants[i]!.tier })),
      occurredAt: j.proposedOn,
    });
    expectOk(proposed);
    for (const [i, id] of ids.entries()) expect(await office.application(id)).toMatchObject({ state: 'proposed', tier: j.entrants[i]!.tier });

    // Publicity of the proposed list.
    expectOk(await office.post(`/terms/${termId}/publicity`, { round: j.publicity.round, startDate: j.publicity.startDate, occurredAt: j.publicity.startDate }));
    const publicised = expectOk(await office.get(`/terms/${termId}`));
    expect(publicised.status).toBe('publicity');
    expect(publicised.publicity.at(-1)).toMatchObject({
      round: j.publicity.round,
      list: 'proposed',
      startDate: j.publicity.startDate,
      endDate: j.publicity.endDate,
      endsAt: `${j.publicity.endDate}T16:00:00.000Z`,
    });

    // The round is closed per application (the scheduler will do it by itself; the office may too).
    for (const id of ids) {
      const view = await office.application(id);
      expect(view.publicity.rounds.at(-1)).toMatchObject({ round: j.publicity.round, endDate: j.publicity.endDate });
      expect(view.acceptedCommands).toEqual(expect.arrayContaining(['object', 'close-publicity']));
      const closed = expectOk(await office.post(`/applications/${id}/close-publicity`, { occurredAt: dayAfter(j.publicity.endDate) }));
      expect(closed.state).toBe('publicityClosed');
    }

    // Approval → awarded.
    const approved = await office.post(`/terms/${termId}/approval`, { decisionDate: j.approvalOn, documentNo: j.documentNo, occurredAt: j.approvalOn });
    expect(expectOk(approved)).toMatchObject({ termId, state: 'approved' });
    const term = expectOk(await auditor.get(`/terms/${termId}`));
    expect(term.status).toBe('approved');
    expect(term.placesHeld).toHaveLength(ids.length);
    for (const [i, id] of ids.entries()) {
      const view = await auditor.application(id);
      expect(view).toMatchObject({ state: 'awarded', tier: j.entrants[i]!.tier, award: { decisionDate: j.approvalOn, documentNo: j.documentNo } });
      expect(view.acceptedCommands).toContain('revoke');
      const events = expectOk(await auditor.get(`/applications/${id}/events`));
      expect(events.at(-1)).toMatchObject({ type: 'ApplicationAwarded', metadata: { occurredAt: j.approvalOn, actor: { name: '评定办' } } });
    }

    const chart = expectOk(await auditor.get(`/programmes/${j.programme}/statechart`));
    expect(chart).toMatchObject({ programmeId: j.programme, format: 'mermaid' });
    expect(chart.diagram).toMatch(/^stateDiagram-v2\n/);
    expect(chart.diagram).toContain('awarded');
  });
});
