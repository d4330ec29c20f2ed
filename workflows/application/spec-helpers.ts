/**
 * given(events).when(command).then(events) / thenThrows(...) for the application's decider, and
 * builders for the events and commands the specs (and the graph tests) use.
 */
import type { ProgrammePolicy } from '../policy/policy.types.js';
import type { ApplicationCommand } from './commands.js';
import { decide } from './decide.js';
import type { ApplicationEvent, CategoryScores, ReviewerScore } from './events.js';
import { replayApplication, type ReplayedApplication } from './replay.js';

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
