/** Deciders for the review stages: recommendation to the candidate list. */
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { InvalidInputError } from '../errors.js';
import { buildChain, nextStepIndex } from './chain.js';
import type {
  CandidateCommand,
  DepartmentOpinionsCommand,
  EliminateCommand,
  MaterialsReviewCommand,
  OnSiteReviewCommand,
  OpinionSurveyCommand,
  OralDefenceCommand,
  QualificationReviewCommand,
  RecommendCommand,
  ShortlistCommand,
} from './commands.js';
import type { ApplicationEvent } from './events.js';
import type { ReplayedApplication } from './replay.js';
import { requireText } from './decide-support.js';
import { scoreReviews } from './scoring.js';

const idOf = (state: ReplayedApplication) => state.context.applicationId!;

export function recommend(command: RecommendCommand, state: ReplayedApplication): ApplicationEvent[] {
  // The recommending body is the one the application was filed through (朝阳 第十七条(三)).
  const recommender = command.recommender ?? state.context.channel?.recommender;
  return [
    {
      type: 'ApplicationRecommended',
      data: {
        applicationId: idOf(state),
        recommender: requireText(recommender, 'recommender'),
        opinion: requireText(command.opinion, 'opinion'),
        recommendedOn: command.occurredOn,
      },
    },
  ];
}

export function reviewQualification(command: QualificationReviewCommand, state: ReplayedApplication): ApplicationEvent[] {
  const applicationId = idOf(state);
  if (command.outcome === 'accepted') {
    return [{ type: 'QualificationAccepted', data: { applicationId, acceptedOn: command.occurredOn } }];
  }
  if (command.outcome !== 'rejected') throw new InvalidInputError("outcome is 'accepted' or 'rejected'", 'outcome');
  // A refusal is explained to the recommending body (朝阳 第十七条(四)): a reason is required.
  return [
    {
      type: 'QualificationRejected',
      data: { applicationId, reason: requireText(command.reason, 'reason'), rejectedOn: command.occurredOn },
    },
  ];
}

export function completeOpinionSurvey(command: OpinionSurveyCommand, state: ReplayedApplication): ApplicationEvent[] {
  if (typeof command.adverse !== 'boolean') throw new InvalidInputError('adverse is true or false', 'adverse');
  return [
    {
      type: 'OpinionSurveyCompleted',
      data: {
        applicationId: idOf(state),
        findings: requireText(command.findings, 'findings'),
        adverse: command.adverse,
        completedOn: command.occurredOn,
      },
    },
  ];
}

export function collectDepartmentOpinions(command: DepartmentOpinionsCommand, state: ReplayedApplication): ApplicationEvent[] {
  if (!Array.isArray(command.opinions) || command.opinions.length === 0) {
    throw new InvalidInputError('At least one department’s opinion is required', 'opinions');
  }
  const opinions = command.opinions.map((o, i) => ({
    department: requireText(o.department, `opinions[${i}].department`),
    opinion: requireText(o.opinion, `opinions[${i}].opinion`),
    adverse: o.adverse === true,
  }));
  return [{ type: 'DepartmentOpinionsCollected', data: { applicationId: idOf(state), opinions, collectedOn: command.occurredOn } }];
}

export function scoreMaterials(command: MaterialsReviewCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  // The programme's scoring (category maxima only where GB/T 19580 is named: 瀍河 第十三条, 朝阳 第五条);
  // recused reviewers not counted (忻州 第二十九条, 朝阳 第三十二条).
  const scored = scoreReviews(policy, command.reviews);
  return [{ type: 'MaterialsReviewScored', data: { applicationId: idOf(state), scoredOn: command.occurredOn, ...scored } }];
}

export function shortlist(command: ShortlistCommand, state: ReplayedApplication): ApplicationEvent[] {
  return [{ type: 'ApplicationShortlisted', data: { applicationId: idOf(state), shortlistedOn: command.occurredOn } }];
}

export function scoreOnSite(command: OnSiteReviewCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  const scored = scoreReviews(policy, command.reviews);
  return [{ type: 'OnSiteReviewScored', data: { applicationId: idOf(state), scoredOn: command.occurredOn, ...scored } }];
}

export function holdOralDefence(command: OralDefenceCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  if (command.reviews === undefined && (command.outcome === undefined || command.outcome.trim() === '')) {
    throw new InvalidInputError('An oral defence records reviews or an outcome', 'reviews');
  }
  const scored = command.reviews !== undefined ? scoreReviews(policy, command.reviews) : {};
  return [
    {
      type: 'OralDefenceHeld',
      data: {
        applicationId: idOf(state),
        heldOn: command.occurredOn,
        ...scored,
        ...(command.outcome !== undefined ? { outcome: command.outcome } : {}),
      },
    },
  ];
}

export function listCandidate(command: CandidateCommand, state: ReplayedApplication): ApplicationEvent[] {
  if (command.rank !== undefined && (!Number.isInteger(command.rank) || command.rank < 1)) {
    throw new InvalidInputError('rank is a positive integer', 'rank');
  }
  return [
    {
      type: 'CandidateListed',
      data: { applicationId: idOf(state), listedOn: command.occurredOn, ...(command.rank !== undefined ? { rank: command.rank } : {}) },
    },
  ];
}

/** The stage the application is dropped at: the one it was waiting for. */
export function eliminate(command: EliminateCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  const chain = buildChain(policy);
  const next = chain.steps[nextStepIndex(chain, state.state)];
  const stage = next ? (next.kind === 'stage' ? next.stage : `publicity-round-${next.round.round}`) : state.state;
  return [
    {
      type: 'ApplicationEliminated',
      data: { applicationId: idOf(state), stage, reason: requireText(command.reason, 'reason'), eliminatedOn: command.occurredOn },
    },
  ];
}
