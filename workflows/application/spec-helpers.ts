/**
 * given(events).when(command).then(events) / thenThrows(...) for the application's decider, and
 * builders for the events and commands the specs (and the graph tests) use.
 */
import type { ProgrammePolicy } from '../policy/policy.types.js';
import type { ApplicationCommand } from './commands.js';
import { decide } from './decide.js';
import type { ApplicationEvent, CategoryScores, EvidenceParty, ReviewerScore } from './events.js';
import { replayApplication, type ApplicationSnapshot, type ReplayedApplication } from './replay.js';
import { addDays, yearOf } from '../calendar/local-date.js';
import { currentRound, type ApplicationContext } from './context.js';
import { objectionRefusal } from './rules.js';

export const APP = 'app-1';
export const NOW = '2025-06-30T02:00:00.000Z'; // 10:00 in Shanghai
export const TODAY = '2025-06-30';

type WithoutBase<C> = C extends ApplicationCommand ? Omit<C, 'now' | 'occurredOn'> & { now?: string; occurredOn?: string } : never;

export function cmd(command: WithoutBase<ApplicationCommand>): ApplicationCommand {
  return { now: NOW, occurredOn: TODAY, ...command } as ApplicationCommand;
}

export function given(policy: ProgrammePolicy, events: ApplicationEvent[]) {
  const state: ReplayedApplication = replayApplication(policy, events);
  return {
    state,
    when(command: ApplicationCommand) {
      const run = () => decide(command, state, policy);
      return {
        then(expected: ApplicationEvent[]) {
          expect(run()).toEqual(expected);
        },
        thenThrows(error: new (...args: never[]) => Error, match?: Record<string, unknown>) {
          let thrown: unknown;
          try {
            run();
          } catch (e) {
            thrown = e;
          }
          expect(thrown).toBeInstanceOf(error);
          if (match) expect(thrown).toMatchObject(match);
          return thrown as Error;
        },
        events: run,
      };
    },
  };
}

export const scores = (over: Partial<CategoryScores> = {}): CategoryScores => ({
  leadership: 90,
  strategy: 70,
  customersAndMarket: 70,
  resources: 100,
  processManagement: 80,
  measurementAnalysisImprovement: 60,
  results: 300,
  ...over,
}); // 770

export const reviews = (): ReviewerScore[] => [
  { reviewerId: 'r1', recused: false, scores: scores() },
  { reviewerId: 'r2', recused: false, scores: scores({ results: 340 }) },
  { reviewerId: 'r3', recused: true, recusalReason: 'former employee of the applicant' },
];

/** Events in stream order; dates ascend so every command dated TODAY is in order. */
export const ev = {
  submitted: (policy: ProgrammePolicy, channel: 'county' | 'direct' = 'county'): ApplicationEvent => ({
    type: 'ApplicationSubmitted',
    data: {
      applicationId: APP,
      termId: 'term-1',
      programmeId: policy.programmeId,
      policyVersion: policy.version,
      applicant: { kind: 'organisation', id: '91370100MA3C8XYZ1K', name: '某某有限公司' },
      channel: channel === 'direct' ? { kind: 'direct', recommender: null } : { kind: 'county', recommender: '某区市场监督管理局' },
      declaration: { operatingSince: '2010-01-01', exclusions: {} },
      submittedOn: '2025-03-01',
    },
  }),
  recommended: (): ApplicationEvent => ({
    type: 'ApplicationRecommended',
    data: { applicationId: APP, recommender: '某区市场监督管理局', opinion: '同意推荐', recommendedOn: '2025-03-10' },
  }),
  surveyed: (adverse = false): ApplicationEvent => ({
    type: 'OpinionSurveyCompleted',
    data: { applicationId: APP, findings: '无负面舆情', adverse, completedOn: '2025-03-15' },
  }),
  qualified: (): ApplicationEvent => ({ type: 'QualificationAccepted', data: { applicationId: APP, acceptedOn: '2025-03-20' } }),
  materials: (): ApplicationEvent => ({
    type: 'MaterialsReviewScored',
    data: { applicationId: APP, scoredOn: '2025-04-01', reviews: reviews(), counted: 2, score: 790 },
  }),
  shortlisted: (): ApplicationEvent => ({ type: 'ApplicationShortlisted', data: { applicationId: APP, shortlistedOn: '2025-04-05' } }),
  onSite: (): ApplicationEvent => ({
    type: 'OnSiteReviewScored',
    data: { applicationId: APP, scoredOn: '2025-04-20', reviews: reviews(), counted: 2, score: 790 },
  }),
  oral: (): ApplicationEvent => ({ type: 'OralDefenceHeld', data: { applicationId: APP, heldOn: '2025-04-25', outcome: 'passed' } }),
  candidate: (): ApplicationEvent => ({ type: 'CandidateListed', data: { applicationId: APP, rank: 1, listedOn: '2025-05-01' } }),
  departments: (): ApplicationEvent => ({
    type: 'DepartmentOpinionsCollected',
    data: { applicationId: APP, opinions: [{ department: '公安局', opinion: '无违法记录', adverse: false }], collectedOn: '2025-05-05' },
  }),
  publicityStarted: (round: number, list: 'candidate' | 'proposed', startDate = '2025-06-01', endDate = '2025-06-07'): ApplicationEvent => ({
    type: 'PublicityStarted',
    data: { applicationId: APP, round, list, startDate, endDate, endsAt: `${endDate}T16:00:00.000Z` },
  }),
  publicityClosed: (round: number, closedOn = '2025-06-08'): ApplicationEvent => ({
    type: 'PublicityClosed',
    data: { applicationId: APP, round, closedOn },
  }),
  proposed: (tier = 'gold'): ApplicationEvent => ({ type: 'ApplicationProposed', data: { applicationId: APP, tier, proposedOn: '2025-05-20' } }),
  objection: (objectionId = 'obj-1', round = 1, receivedOn = '2025-06-03'): ApplicationEvent => ({
    type: 'ObjectionReceived',
    data: {
      applicationId: APP,
      objectionId,
      round,
      receivedOn,
      receivedAt: `${receivedOn}T02:00:00.000Z`,
      objector: { anonymous: false, name: '张三', contact: '13800000000', consentToDisclose: false },
      grounds: '申报材料数据不实',
      evidenceProvided: true,
      withinPublicity: true,
    },
  }),
  objectionAccepted: (objectionId = 'obj-1'): ApplicationEvent => ({
    type: 'ObjectionAccepted',
    data: { applicationId: APP, objectionId, acceptedOn: '2025-06-04' },
  }),
  evidenceRequested: (from: 'recommender' | 'applicant' | 'objector', objectionId = 'obj-1', deadline = '2025-06-10'): ApplicationEvent => ({
    type: 'ObjectionEvidenceRequested',
    data: { applicationId: APP, objectionId, from, deadline, deadlineId: `${objectionId}/${from}/1`, requestedOn: '2025-06-05' },
  }),
  awarded: (tier = 'gold', decisionDate = '2025-06-20'): ApplicationEvent => ({
    type: 'ApplicationAwarded',
    data: { applicationId: APP, tier, decisionDate, documentNo: '测政发〔2025〕12号' },
  }),
};

/** Histories up to each state of the fixture policy (two rounds, every optional stage). */
export function historyTo(policy: ProgrammePolicy, state: string): ApplicationEvent[] {
  const steps: Array<[string, ApplicationEvent[]]> = [
    ['submitted', [ev.submitted(policy)]],
    ['recommended', [ev.recommended()]],
    ['opinionSurveyed', [ev.surveyed()]],
    ['qualified', [ev.qualified()]],
    ['materialsReviewed', [ev.materials()]],
    ['shortlisted', [ev.shortlisted()]],
    ['onSiteReviewed', [ev.onSite()]],
    ['oralDefenceHeld', [ev.oral()]],
    ['candidate', [ev.candidate()]],
    ['departmentOpinionsCollected', [ev.departments()]],
    ['publicized1', [ev.publicityStarted(1, 'candidate', '2025-05-08', '2025-05-14')]],
    ['publicityRound1Closed', [ev.publicityClosed(1, '2025-05-15')]],
    ['proposed', [ev.proposed()]],
    ['publicized', [ev.publicityStarted(2, 'proposed')]],
    ['objected', [ev.objection('obj-1', 2)]],
    ['objectionAccepted', [ev.objectionAccepted()]],
  ];
  const events: ApplicationEvent[] = [];
  for (const [name, add] of steps) {
    events.push(...add);
    if (name === state) return events;
  }
  throw new Error(`No history to ${state}`);
}

/**
 * An objection the policy refuses (朝阳 第二十条), recorded as not admitted, for the graph tests and
 * the random walks: named without written evidence, or anonymous without it, during the running
 * round or after it (then late), whichever the policy refuses first; none where it admits both or
 * no round has started. One per application (the statechart's state space stays small).
 */
export function notAdmittedSample(policy: ProgrammePolicy, ctx: ApplicationContext, applicationId: string, objectionId = 'na-1'): ApplicationEvent | undefined {
  const round = currentRound(ctx);
  if (!round || Object.values(ctx.objections).some((o) => o.status === 'not-admitted')) return undefined;
  const receivedOn = [round.startDate, ctx.lastOccurredOn ?? GRAPH_START].sort().at(-1)!;
  const receivedAt = `${receivedOn}T02:00:00.000Z`;
  const withinPublicity = !round.closedOn && Date.parse(receivedAt) < Date.parse(round.endsAt);
  for (const objector of [
    { anonymous: false, name: '赵六', contact: '13700000000', consentToDisclose: false },
    { anonymous: true, consentToDisclose: false },
  ]) {
    const refusal = objectionRefusal(policy, { objector, evidenceProvided: false, withinPublicity });
    if (!refusal) continue;
    return {
      type: 'ObjectionNotAdmitted',
      data: {
        applicationId, objectionId, round: round.round, receivedOn, receivedAt, objector, grounds: '匿名举报', evidenceProvided: false, withinPublicity,
        refusal: { reason: refusal.message, article: refusal.article, ...(refusal.field !== undefined ? { field: refusal.field } : {}) },
      },
    };
  }
  return undefined;
}

/** First business date of the graph tests' sample events. */
export const GRAPH_START = '2025-05-01';

/**
 * Candidate events in a state (accepted or not), dated from the context so that a path's dates
 * ascend. The graph traversals take the default (one objection per round, one annual report: their
 * state space stays small); `rich` adds what the random walks need (several objections open at
 * once, scheduler facts after an award).
 */
export function sampleEvents(
  policy: ProgrammePolicy,
  snapshot: ApplicationSnapshot,
  { applicationId = 'app-graph', rich = false }: { applicationId?: string; rich?: boolean } = {},
): ApplicationEvent[] {
  const objectionsPerRound = rich ? 3 : 1;
  const ctx = snapshot.context;
  const on = ctx.lastOccurredOn ?? GRAPH_START;
  const tier = policy.tiers[0]!.id;
  const A = applicationId;
  const events: ApplicationEvent[] = [];
  for (const kind of ['county', 'direct'] as const) {
    if (kind === 'direct' && !policy.channels.kinds.includes('direct')) continue;
    events.push({
      type: 'ApplicationSubmitted',
      data: {
        applicationId: A, termId: 't', programmeId: policy.programmeId, policyVersion: policy.version,
        applicant: { kind: policy.applicantKinds.kinds[0]!, id: 'id-1', name: '某公司' },
        channel: kind === 'direct' ? { kind, recommender: null } : { kind, recommender: '推荐单位' },
        declaration: { exclusions: {} }, submittedOn: on,
      },
    });
  }
  events.push(
    { type: 'ApplicationRecommended', data: { applicationId: A, recommender: '推荐单位', opinion: '同意', recommendedOn: on } },
    { type: 'QualificationAccepted', data: { applicationId: A, acceptedOn: on } },
    { type: 'QualificationRejected', data: { applicationId: A, reason: '不符合', rejectedOn: on } },
    { type: 'OpinionSurveyCompleted', data: { applicationId: A, findings: '无', adverse: false, completedOn: on } },
    { type: 'DepartmentOpinionsCollected', data: { applicationId: A, opinions: [{ department: '公安', opinion: '无', adverse: false }], collectedOn: on } },
    { type: 'MaterialsReviewScored', data: { applicationId: A, scoredOn: on, reviews: reviews(), counted: 2, score: 790 } },
    { type: 'ApplicationShortlisted', data: { applicationId: A, shortlistedOn: on } },
    { type: 'ApplicationEliminated', data: { applicationId: A, stage: 'x', reason: '淘汰', eliminatedOn: on } },
    { type: 'OnSiteReviewScored', data: { applicationId: A, scoredOn: on, reviews: reviews(), counted: 2, score: 790 } },
    { type: 'OralDefenceHeld', data: { applicationId: A, heldOn: on, outcome: 'passed' } },
    { type: 'CandidateListed', data: { applicationId: A, listedOn: on } },
    { type: 'ApplicationProposed', data: { applicationId: A, tier, proposedOn: on } },
    { type: 'ApplicationNotAwarded', data: { applicationId: A, reason: '未审定', decidedOn: on } },
    { type: 'ApplicationWithdrawn', data: { applicationId: A, reason: '撤回', withdrawnOn: on } },
  );
  for (const round of policy.publicity) {
    const startDate = addDays(on, 1);
    const endDate = addDays(startDate, round.unit === 'calendar' ? round.days - 1 : round.days + 2);
    events.push({ type: 'PublicityStarted', data: { applicationId: A, round: round.round, list: round.list, startDate, endDate, endsAt: `${endDate}T16:00:00.000Z` } });
  }
  const current = ctx.publicity.rounds.find((r) => r.round === ctx.publicity.current);
  if (current) {
    const mine = Object.values(ctx.objections).filter((o) => o.round === current.round);
    // One objection per round and one annual report for the graph traversals (their state space
    // stays small); the random walks take several (open at once: the "last open" guards).
    if (mine.length < objectionsPerRound) {
      events.push({
        type: 'ObjectionReceived',
        data: {
          applicationId: A, objectionId: `o${current.round}-${mine.length + 1}`, round: current.round, receivedOn: current.startDate,
          receivedAt: `${current.startDate}T02:00:00.000Z`, objector: { anonymous: mine.length === 2, name: '张三', consentToDisclose: false },
          grounds: '不实', evidenceProvided: true, withinPublicity: true,
        },
      });
    }
    for (const objection of mine) {
      const base = { applicationId: A, objectionId: objection.objectionId };
      events.push(
        { type: 'ObjectionAccepted', data: { ...base, acceptedOn: on } },
        { type: 'ObjectionRefused', data: { ...base, reason: '证据不足', refusedOn: on } },
        { type: 'ObjectionUpheld', data: { ...base, decidedBy: 'committee', reason: '属实', decidedOn: on } },
        { type: 'ObjectionDismissed', data: { ...base, decidedBy: 'committee', reason: '不实', decidedOn: on } },
      );
      // Asked as the decider asks today: 朝阳 第二十二、二十三条 only, no recommender of a direct filing.
      // (The statechart also takes such events of other programmes, recorded before 2026-12-01.)
      if (objection.evidenceRequests.length === 0 && policy.objections.defaultDeadlines) {
        for (const from of ['recommender', 'applicant', 'objector'] as EvidenceParty[]) {
          if (from === 'recommender' && ctx.channel?.kind === 'direct') continue;
          events.push({ type: 'ObjectionEvidenceRequested', data: { ...base, from, deadline: addDays(on, 1), deadlineId: `${objection.objectionId}/${from}/1`, requestedOn: on } });
        }
      }
      const pending = objection.evidenceRequests.find((r) => r.status === 'pending');
      if (pending) {
        events.push(
          { type: 'ObjectionEvidenceRecorded', data: { ...base, from: pending.from, summary: '已提交', recordedOn: on } },
          { type: 'ObjectionEvidenceDeadlineMissed', data: { ...base, from: pending.from, deadlineId: pending.deadlineId, missedOn: addDays(pending.deadline, 1) } },
        );
      }
      if (objection.evidenceRequests.some((r) => r.status === 'missed' && r.from === 'recommender')) {
        events.push({ type: 'ApplicationDisqualified', data: { ...base, article: 'x', reason: '未核实', disqualifiedOn: on } });
      }
    }
    events.push({ type: 'PublicityClosed', data: { applicationId: A, round: current.round, closedOn: addDays(current.endDate, 1) } });
    // Recorded as not admitted (朝阳 第二十条), during the round or after it; beside open objections on the walks.
    const notAdmitted = rich || Object.keys(ctx.objections).length === 0 ? notAdmittedSample(policy, ctx, A) : undefined;
    if (notAdmitted) events.push(notAdmitted);
  }
  events.push({ type: 'ApplicationAwarded', data: { applicationId: A, tier, decisionDate: on, documentNo: '文号' } });
  if (ctx.award && ctx.applicant) {
    const ground = policy.revocation.grounds.find((g) => g.appliesTo.includes(ctx.applicant!.kind));
    if (ground) {
      events.push({ type: 'ApplicationRevoked', data: { applicationId: A, ground: ground.code, article: ground.article, recovers: ground.recovers, publicNotice: ground.publicNotice, revokedOn: on } });
    }
    if (ctx.annualReports.length === 0 || rich) {
      events.push({ type: 'AnnualReportFiled', data: { applicationId: A, year: yearOf(ctx.award.decisionDate) + ctx.annualReports.length, filedOn: on } });
    }
  }
  // Scheduler facts after an award: only on the random walks (the graph traversals stay small).
  if (ctx.award && rich) {
    events.push({ type: 'AnnualReportOverdue', data: { applicationId: A, report: ctx.annualReports.length + 1, dueDate: on, overdueOn: on } });
    const windowYears = policy.revocation.grounds.find((g) => g.windowYears !== undefined)?.windowYears ?? 3;
    events.push({ type: 'RevocationWindowClosed', data: { applicationId: A, windowYears, grounds: [], lastDay: on, closedOn: on } });
  }
  return events;
}
