/**
 * Helpers for the award e2e suites: they speak HTTP only (the policy files are read as data, to
 * declare every exclusion code the way a client reads GET /api/programmes/{id}).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withResidentIdCheck, withUsccCheck } from '../../workflows/identifiers/index.js';
import type { TestApp, TestResponse } from './harness.js';

export const PROGRAMMES = ['zibo-leader', 'jinan-mayor', 'xinzhou-mayor', 'chanhe-district', 'chaoyang-mayor'] as const;
export type ProgrammeId = (typeof PROGRAMMES)[number];

const POLICY_FILES: Record<ProgrammeId, string> = {
  'zibo-leader': '2021.json',
  'jinan-mayor': '2018.json',
  'xinzhou-mayor': '2021.json',
  'chanhe-district': '2021.json',
  'chaoyang-mayor': '2022.json',
};

export function exclusionCodes(programme: ProgrammeId): string[] {
  const file = join(process.cwd(), 'workflows/policies', programme, POLICY_FILES[programme]);
  const policy = JSON.parse(readFileSync(file, 'utf8')) as { eligibility: { exclusions: Array<{ code: string }> } };
  return policy.eligibility.exclusions.map((e) => e.code);
}

/** 9 1 (enterprise) + region + organisation code; the GB 32100 check character closes it. */
export function uscc(region: string, n: number): string {
  return withUsccCheck(`91${region}${String(n).padStart(9, '0')}`);
}

/** GB 11643 id born 1975-01-01, sequence n; the MOD 11-2 check character closes it. */
export function residentId(region: string, n: number): string {
  return withResidentIdCheck(`${region}19750101${String(n % 1000).padStart(3, '0')}`);
}

export interface Applicant {
  kind: 'organisation' | 'individual';
  id: string;
  name: string;
}

export function submissionBody(
  programme: ProgrammeId,
  termId: string,
  applicant: Applicant,
  channel: { kind: 'county' | 'industry' | 'direct'; recommender?: string },
  extra: Record<string, unknown> = {},
) {
  return {
    termId,
    applicant,
    channel,
    declaration: {
      ...(applicant.kind === 'organisation' ? { operatingSince: '2005-03-01' } : { qualityWorkSince: '2000-09-01' }),
      exclusions: Object.fromEntries(exclusionCodes(programme).map((code) => [code, false])),
      // 忻州 第十四条: five working days inside the organisation before submission.
      ...(programme === 'xinzhou-mayor' ? { internalPublicity: { startDate: '2021-11-15', endDate: '2021-11-19', objectionsRaised: false } } : {}),
    },
    ...extra,
  };
}

export const SCORES = {
  leadership: 95,
  strategy: 75,
  customersAndMarket: 72,
  resources: 110,
  processManagement: 85,
  measurementAnalysisImprovement: 66,
  results: 330,
};

export const REVIEWS = [
  { reviewerId: 'expert-001', recused: false, scores: SCORES },
  { reviewerId: 'expert-002', recused: true, recusalReason: '曾为申报单位提供咨询' },
  { reviewerId: 'expert-003', recused: false, scores: { ...SCORES, results: 350 } },
];

/** The route and body of each review command. */
export const STEP_BODIES: Record<string, { path: string; body: Record<string, unknown> }> = {
  recommend: { path: 'recommend', body: { opinion: '同意推荐' } },
  'opinion-survey': { path: 'opinion-survey', body: { findings: '未发现负面舆情', adverse: false } },
  'qualification-review': { path: 'qualification-review', body: { outcome: 'accepted' } },
  'department-opinions': {
    path: 'department-opinions',
    body: {
      opinions: [
        { department: '市公安局', opinion: '无违法犯罪记录', adverse: false },
        { department: '市税务局', opinion: '依法纳税', adverse: false },
      ],
    },
  },
  'materials-review': { path: 'materials-review', body: { reviews: REVIEWS } },
  shortlist: { path: 'shortlist', body: {} },
  'on-site-review': { path: 'on-site-review', body: { reviews: REVIEWS } },
  'oral-defence': { path: 'oral-defence', body: { outcome: '答辩通过' } },
  candidate: { path: 'candidate', body: { rank: 1 } },
};

export function expectProblem(res: TestResponse, status: number, code?: string): void {
  if (res.status !== status || (code !== undefined && res.body?.code !== code)) {
    throw new Error(`expected ${status} ${code ?? ''}, got ${res.status}: ${res.text.slice(0, 800)}`);
  }
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, type: expect.stringMatching(/^urn:/), title: expect.any(String), detail: expect.any(String) });
}

export function expectOk(res: TestResponse, status = 200): any {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text.slice(0, 800)}`);
  return res.body;
}

/** A client of the award API for one token. */
export class AwardClient {
  constructor(
    readonly t: TestApp,
    readonly token: string,
  ) {}

  get(path: string, headers: Record<string, string> = {}) {
    return this.t.request('GET', `/api${path}`, { token: this.token, headers });
  }

  post(path: string, body: unknown, headers: Record<string, string> = {}) {
    return this.t.request('POST', `/api${path}`, { token: this.token, body, headers });
  }

  async openTerm(programme: ProgrammeId, year: number, noticeDate: string, applicationDeadline: string): Promise<string> {
    const res = await this.post(`/programmes/${programme}/terms`, { year, noticeDate, applicationDeadline, occurredAt: noticeDate });
    return expectOk(res, 201).termId as string;
  }

  async submit(body: Record<string, unknown>): Promise<string> {
    return expectOk(await this.post('/applications', body), 201).id as string;
  }

  async application(id: string): Promise<any> {
    return expectOk(await this.get(`/applications/${id}`));
  }

  /**
   * Runs the review commands in order, checking before each that GET offers it next (its
   * acceptedCommands), and after each that the state moved on.
   */
  async runSteps(id: string, steps: string[], on: string): Promise<void> {
    for (const step of steps) {
      const view = await this.application(id);
      if (!view.acceptedCommands.includes(step)) {
        throw new Error(`${step} is not offered in state ${view.state}: ${view.acceptedCommands.join(', ')}`);
      }
      const { path, body } = STEP_BODIES[step]!;
      const res = await this.post(`/applications/${id}/${path}`, { ...body, occurredAt: on });
      const result = expectOk(res);
      expect(result.revision).toBe(view.revision + 1);
      expect(res.headers.get('etag')).toBe(`"${result.revision}"`);
    }
  }
}

/** The review commands of each programme up to the candidate list (a direct filing skips the recommendation). */
export const REVIEW_STEPS: Record<ProgrammeId, string[]> = {
  'zibo-leader': ['recommend', 'opinion-survey', 'qualification-review', 'materials-review', 'shortlist', 'on-site-review', 'oral-defence', 'candidate'],
  'jinan-mayor': ['recommend', 'qualification-review', 'materials-review', 'shortlist', 'on-site-review', 'oral-defence', 'candidate'],
  'xinzhou-mayor': ['recommend', 'qualification-review', 'materials-review', 'shortlist', 'on-site-review', 'oral-defence', 'candidate', 'department-opinions'],
  'chanhe-district': ['recommend', 'qualification-review', 'materials-review', 'shortlist', 'on-site-review', 'candidate'],
  'chaoyang-mayor': ['recommend', 'qualification-review', 'materials-review', 'shortlist', 'on-site-review', 'candidate'],
};

export const DEFAULT_CHANNEL: Record<ProgrammeId, { kind: 'county' | 'industry'; recommender: string }> = {
  'zibo-leader': { kind: 'county', recommender: '张店区质量强区工作领导小组办公室' },
  'jinan-mayor': { kind: 'county', recommender: '历下区质量工作议事协调机构' },
  'xinzhou-mayor': { kind: 'county', recommender: '忻府区人民政府' },
  'chanhe-district': { kind: 'industry', recommender: '瀍河回族区工业和信息化局' },
  'chaoyang-mayor': { kind: 'county', recommender: '双塔区市场监督管理局' },
};

/** Submits the applicants and walks each to the candidate list; returns the application ids. */
export async function candidates(
  office: AwardClient,
  programme: ProgrammeId,
  termId: string,
  applicants: Applicant[],
  dates: { submittedOn: string; reviewedOn: string },
): Promise<string[]> {
  const ids: string[] = [];
  for (const applicant of applicants) {
    const id = await office.submit({ ...submissionBody(programme, termId, applicant, DEFAULT_CHANNEL[programme]), occurredAt: dates.submittedOn });
    await office.runSteps(id, REVIEW_STEPS[programme], dates.reviewedOn);
    ids.push(id);
  }
  return ids;
}

/**
 * Closes an application's publicity round by hand. With the deadline scheduler running and the
 * clock past the round's end, the scheduler may close it first: either way it ends closed, which
 * is checked.
 */
export async function closePublicity(office: AwardClient, applicationId: string, occurredAt: string): Promise<void> {
  const closed = await office.post(`/applications/${applicationId}/close-publicity`, { occurredAt });
  if (closed.status === 200) return;
  expect(closed.status).toBe(409);
  expect(closed.body).toMatchObject({ code: 'ILLEGAL_TRANSITION', currentState: 'publicityClosed' });
}

/** Proposed list, its publicity (single-round programmes), close and approval, all dated. */
export async function proposeToAward(
  office: AwardClient,
  termId: string,
  entries: Array<{ applicationId: string; tier: string }>,
  dates: { proposedOn: string; publicityStart: string; closedOn: string; approvedOn: string },
  close = true,
): Promise<void> {
  expectOk(await office.post(`/terms/${termId}/proposed-list`, { entries, occurredAt: dates.proposedOn }));
  expectOk(await office.post(`/terms/${termId}/publicity`, { round: 1, startDate: dates.publicityStart, occurredAt: dates.publicityStart }));
  if (close) {
    for (const { applicationId } of entries) await closePublicity(office, applicationId, dates.closedOn);
  }
  expectOk(
    await office.post(`/terms/${termId}/approval`, { decisionDate: dates.approvedOn, documentNo: `${termId}号`, occurredAt: dates.approvedOn }),
  );
}

/** 济南's 2019 term with one award (approved 2019-10-25), its applicant walked to the list first. */
export async function jinanTermAwarded(office: AwardClient, applicant: Applicant): Promise<{ termId: string; applicationId: string }> {
  const termId = await office.openTerm('jinan-mayor', 2019, '2019-03-01', '2019-04-30');
  const [applicationId] = await candidates(office, 'jinan-mayor', termId, [applicant], { submittedOn: '2019-03-10', reviewedOn: '2019-06-10' });
  await proposeToAward(office, termId, [{ applicationId: applicationId!, tier: 'award' }], {
    proposedOn: '2019-09-20',
    publicityStart: '2019-09-27',
    closedOn: '2019-10-10',
    approvedOn: '2019-10-25',
  });
  return { termId, applicationId: applicationId! };
}

/**
 * Resolves once the scheduler has recorded the end of the term's supervision group (济南 第九条,
 * 淄博 第十二条: at 24:00 of the approval day), as the office's deadline list shows it fulfilled.
 */
export async function supervisionDissolved(office: AwardClient, termId: string): Promise<void> {
  for (let waited = 0; ; waited += 50) {
    const { deadlines } = expectOk(await office.get(`/deadlines?status=fulfilled&termId=${termId}`)) as { deadlines: Array<{ kind: string; termId: string }> };
    if (deadlines.some((d) => d.kind === 'supervision-term' && d.termId === termId)) return;
    if (waited > 10_000) throw new Error(`the supervision group of ${termId} was not dissolved`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * 朝阳's 2024 term with two organisations proposed (gold and silver, 朝阳 第三条) and the list's
 * publicity started on 2024-09-30 (the clock should stand inside it).
 */
export async function chaoyangInPublicity(office: AwardClient): Promise<{ termId: string; gold: string; silver: string }> {
  const org = (n: number): Applicant => ({ kind: 'organisation', id: uscc('211300', n), name: `企业211300-${n}` });
  const termId = await office.openTerm('chaoyang-mayor', 2024, '2024-03-01', '2024-04-30');
  const [gold, silver] = await candidates(office, 'chaoyang-mayor', termId, [org(1), org(2)], { submittedOn: '2024-03-15', reviewedOn: '2024-06-15' });
  expectOk(
    await office.post(`/terms/${termId}/proposed-list`, {
      entries: [
        { applicationId: gold, tier: 'gold' },
        { applicationId: silver, tier: 'silver' },
      ],
      occurredAt: '2024-09-20',
    }),
  );
  expectOk(await office.post(`/terms/${termId}/publicity`, { round: 1, startDate: '2024-09-30', occurredAt: '2024-09-30' }));
  return { termId, gold: gold!, silver: silver! };
}
