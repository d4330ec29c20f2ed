/**
 * The order of an application's steps, built from the policy's data: `policy.stages` in order, with
 * the publicity rounds of `policy.publicity` placed by the list they publicise. A programme with
 * other stages needs a new policy file, not code.
 *
 * Placement of publicity rounds (a round carries `list`):
 * - a round publicising the candidate list comes before 'proposed' (xinzhou 第十八、十九条: the
 *   candidate list is publicised, then the leading group forms the proposed list);
 * - a round publicising the proposed list comes after 'proposed';
 * - a 'publicity' entry in `stages` places its `round`, or without one the rounds due at that point;
 * - rounds not placed by then go before 'approval', which is always last.
 */
import type { ProgrammePolicy, PublicityRound, StageId } from '../policy/policy.types.js';
import type { ApplicationEventType } from './events.js';

type ReviewStage = Exclude<StageId, 'publicity'>;

export interface StageStep {
  kind: 'stage';
  stage: ReviewStage;
  /** The event that completes the stage. */
  event: ApplicationEventType;
  /** State after the stage. */
  after: string;
  article: string;
}

export interface PublicityStep {
  kind: 'publicity';
  round: PublicityRound;
  /** Compound state while the round runs ('publicized' | 'objected' inside). */
  node: string;
  /** State after the round closed. */
  after: string;
  article: string;
}

export type Step = StageStep | PublicityStep;

export interface Chain {
  steps: Step[];
  /** Index of the first step from which the application is on the candidate list. */
  candidateIndex: number;
  /** Index of the 'proposed' step, or steps.length - 1 (approval) when there is none. */
  proposedIndex: number;
}

/** Completion event and state after each stage. */
export const STAGE_STEPS: Record<ReviewStage, { event: ApplicationEventType; after: string }> = {
  recommendation: { event: 'ApplicationRecommended', after: 'recommended' },
  'qualification-review': { event: 'QualificationAccepted', after: 'qualified' },
  'opinion-survey': { event: 'OpinionSurveyCompleted', after: 'opinionSurveyed' },
  'department-opinions': { event: 'DepartmentOpinionsCollected', after: 'departmentOpinionsCollected' },
  'materials-review': { event: 'MaterialsReviewScored', after: 'materialsReviewed' },
  shortlist: { event: 'ApplicationShortlisted', after: 'shortlisted' },
  'on-site-review': { event: 'OnSiteReviewScored', after: 'onSiteReviewed' },
  'oral-defence': { event: 'OralDefenceHeld', after: 'oralDefenceHeld' },
  candidate: { event: 'CandidateListed', after: 'candidate' },
  proposed: { event: 'ApplicationProposed', after: 'proposed' },
  approval: { event: 'ApplicationAwarded', after: 'awarded' },
};

export const INITIAL_STATE = 'notSubmitted';
export const SUBMITTED_STATE = 'submitted';
export const FINAL_STATES = ['rejected', 'eliminated', 'withdrawn', 'disqualified', 'notAwarded', 'revoked'] as const;
export type FinalState = (typeof FINAL_STATES)[number];

const chains = new WeakMap<ProgrammePolicy, Chain>();

export function buildChain(policy: ProgrammePolicy): Chain {
  const cached = chains.get(policy);
  if (cached) return cached;

  const rounds = [...policy.publicity].sort((a, b) => a.round - b.round);
  const lastRound = rounds.at(-1)?.round;
  const placed = new Set<number>();
  const steps: Step[] = [];
  let proposedPassed = false;
  let approvalArticle: string | undefined;

  const placeRounds = (which: (r: PublicityRound) => boolean) => {
    for (const round of rounds) {
      if (placed.has(round.round) || !which(round)) continue;
      placed.add(round.round);
      steps.push({
        kind: 'publicity',
        round,
        node: `publicityRound${round.round}`,
        after: round.round === lastRound ? 'publicityClosed' : `publicityRound${round.round}Closed`,
        article: round.article,
      });
    }
  };
  const pushStage = (stage: ReviewStage, article: string) => {
    if (steps.some((s) => s.kind === 'stage' && s.stage === stage)) {
      throw new Error(`Policy ${policy.programmeId}/${policy.version}: stage '${stage}' listed twice`);
    }
    steps.push({ kind: 'stage', stage, ...STAGE_STEPS[stage], article });
  };

  for (const { id, article, round } of policy.stages) {
    switch (id) {
      case 'publicity':
        // The entry names its round where the policy says so (忻州 第十八、十九条: two rounds).
        placeRounds(round !== undefined ? (r) => r.round === round : (r) => r.list === 'candidate' || proposedPassed);
        break;
      case 'proposed':
        placeRounds((r) => r.list === 'candidate');
        pushStage(id, article);
        proposedPassed = true;
        break;
      case 'approval':
        approvalArticle = article;
        break;
      default:
        pushStage(id, article);
    }
  }
  placeRounds(() => true);
  // Approval (government decision → awarded) always ends the chain.
  pushStage('approval', approvalArticle ?? policy.stages.at(-1)?.article ?? policy.validity.article);

  const indexOfStage = (stage: ReviewStage) => steps.findIndex((s) => s.kind === 'stage' && s.stage === stage);
  const approvalIndex = steps.length - 1;
  const proposedIndex = indexOfStage('proposed') >= 0 ? indexOfStage('proposed') : approvalIndex;
  const candidateIndex = indexOfStage('candidate') >= 0 ? indexOfStage('candidate') : proposedIndex;
  const chain = { steps, candidateIndex, proposedIndex };
  chains.set(policy, chain);
  return chain;
}

/** The state an application is in before step `index` ('submitted' before the first). */
export function stateBefore(chain: Chain, index: number): string {
  return index === 0 ? SUBMITTED_STATE : chain.steps[index - 1]!.after;
}

/** Index of the step that follows the waiting state `state`, or -1. */
export function nextStepIndex(chain: Chain, state: string): number {
  if (state === SUBMITTED_STATE) return 0;
  const i = chain.steps.findIndex((s) => s.after === state);
  return i < 0 || i + 1 >= chain.steps.length ? -1 : i + 1;
}

export function roundStep(chain: Chain, round: number): PublicityStep | undefined {
  return chain.steps.find((s): s is PublicityStep => s.kind === 'publicity' && s.round.round === round);
}
