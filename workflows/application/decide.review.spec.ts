import { IllegalTransitionError, InvalidInputError, InvalidOccurredAtError, RuleViolationError } from '../errors.js';
import { fixturePolicy as policy, singleRoundPolicy } from './test-fixtures.js';
import { APP, TODAY, cmd, ev, given, historyTo, reviews, scores } from './spec-helpers.js';
import { acceptedCommands } from './decide.js';
import { submitApplication } from './submit.js';

describe('when not submitted', () => {
  it('accepts no command (submission is the service’s)', () => {
    given(policy, []).when(cmd({ type: 'recommend', opinion: 'ok' })).thenThrows(IllegalTransitionError, {
      currentState: 'notSubmitted',
      acceptedCommands: [],
    });
  });

  it('submitApplication shapes the event with the policy version', () => {
    const e = submitApplication(policy, {
      applicationId: APP, termId: 't', applicant: { kind: 'organisation', id: 'x', name: 'n' },
      channel: { kind: 'direct', recommender: 'ignored' }, declaration: { exclusions: {} }, submittedOn: TODAY,
    });
    expect(e.data).toMatchObject({ programmeId: 'fixture-award', policyVersion: '2024', channel: { kind: 'direct', recommender: null } });
  });

  it('submitApplication refuses an applicant kind the programme does not take', () => {
    expect(() =>
      submitApplication({ ...singleRoundPolicy, applicantKinds: { kinds: ['organisation'], article: '第二条' } }, {
        applicationId: APP, termId: 't', applicant: { kind: 'individual', id: 'x', name: 'n' },
        channel: { kind: 'county', recommender: 'r' }, declaration: { exclusions: {} }, submittedOn: TODAY,
      }),
    ).toThrow(RuleViolationError);
  });
});

describe('when submitted', () => {
  const events = historyTo(policy, 'submitted');

  it('records the recommendation of the body it was filed through', () => {
    given(policy, events).when(cmd({ type: 'recommend', opinion: '同意推荐' })).then([
      { type: 'ApplicationRecommended', data: { applicationId: APP, recommender: '某区市场监督管理局', opinion: '同意推荐', recommendedOn: TODAY } },
    ]);
  });

  it('lists what it accepts', () => {
    expect(acceptedCommands(policy, given(policy, events).state.snapshot)).toEqual(['recommend', 'eliminate', 'withdraw']);
  });

  it('refuses a later stage with the accepted commands', () => {
    given(policy, events).when(cmd({ type: 'materials-review', reviews: reviews() })).thenThrows(IllegalTransitionError, {
      command: 'materials-review',
      currentState: 'submitted',
      acceptedCommands: ['recommend', 'eliminate', 'withdraw'],
    });
  });

  it('refuses a business date before the last event, or in the future', () => {
    given(policy, events).when(cmd({ type: 'recommend', opinion: 'x', occurredOn: '2025-02-01' })).thenThrows(InvalidOccurredAtError);
    given(policy, events).when(cmd({ type: 'recommend', opinion: 'x', occurredOn: '2025-07-01' })).thenThrows(InvalidOccurredAtError);
  });

  // 朝阳 第十七条(三) 1: central/provincial enterprises file directly, without a recommending body.
  it('skips the recommendation for a direct filing', () => {
    const direct = [ev.submitted(policy, 'direct')];
    expect(acceptedCommands(policy, given(policy, direct).state.snapshot)).toEqual(['opinion-survey', 'eliminate', 'withdraw']);
    given(policy, direct).when(cmd({ type: 'recommend', opinion: 'x' })).thenThrows(IllegalTransitionError);
    expect(given(policy, direct).when(cmd({ type: 'opinion-survey', findings: 'none', adverse: false })).events()).toHaveLength(1);
  });

  it('is withdrawn with a reason', () => {
    given(policy, events).when(cmd({ type: 'withdraw', reason: '主动撤回' })).then([
      { type: 'ApplicationWithdrawn', data: { applicationId: APP, reason: '主动撤回', withdrawnOn: TODAY } },
    ]);
    given(policy, events).when(cmd({ type: 'withdraw', reason: ' ' })).thenThrows(InvalidInputError, { field: 'reason' });
  });
});

describe('when recommended', () => {
  // 淄博 第十六条: the public-opinion survey, where the programme has one.
  it('records the opinion survey', () => {
    given(policy, historyTo(policy, 'recommended')).when(cmd({ type: 'opinion-survey', findings: '无', adverse: false })).then([
      { type: 'OpinionSurveyCompleted', data: { applicationId: APP, findings: '无', adverse: false, completedOn: TODAY } },
    ]);
  });

  it('goes straight to qualification review where there is no survey', () => {
    const events = [ev.submitted(singleRoundPolicy), ev.recommended()];
    given(singleRoundPolicy, events).when(cmd({ type: 'opinion-survey', findings: '无', adverse: false })).thenThrows(IllegalTransitionError);
    expect(acceptedCommands(singleRoundPolicy, given(singleRoundPolicy, events).state.snapshot)).toContain('qualification-review');
  });
});

describe('when opinion surveyed', () => {
  const events = historyTo(policy, 'opinionSurveyed');
  it('accepts the qualification', () => {
    given(policy, events).when(cmd({ type: 'qualification-review', outcome: 'accepted' })).then([
      { type: 'QualificationAccepted', data: { applicationId: APP, acceptedOn: TODAY } },
    ]);
  });

  // 朝阳 第十七条(四): the refusal is explained to the recommending body.
  it('rejects the qualification only with a reason', () => {
    given(policy, events).when(cmd({ type: 'qualification-review', outcome: 'rejected' })).thenThrows(InvalidInputError, { field: 'reason' });
    given(policy, events).when(cmd({ type: 'qualification-review', outcome: 'rejected', reason: '材料不全' })).then([
      { type: 'QualificationRejected', data: { applicationId: APP, reason: '材料不全', rejectedOn: TODAY } },
    ]);
  });
});

describe('when qualified', () => {
  const events = historyTo(policy, 'qualified');

  // 瀍河 第十三条, 朝阳 第五条 (GB/T 19580); 忻州 第二十九条, 朝阳 第三十二条 (recusal).
  it('scores the materials review as the mean of counted reviewers, recused ones not counted', () => {
    given(policy, events).when(cmd({ type: 'materials-review', reviews: reviews() })).then([
      { type: 'MaterialsReviewScored', data: { applicationId: APP, scoredOn: TODAY, reviews: reviews(), counted: 2, score: 790 } },
    ]);
  });

  // 朝阳 第五条: GB/T 19580 category maxima (领导 110 … 结果 400), read from the fixture's scoring.categories.
  it('refuses a category score above its maximum, naming the field and article', () => {
    given(policy, events)
      .when(cmd({ type: 'materials-review', reviews: [{ reviewerId: 'r1', recused: false, scores: scores({ leadership: 111 }) }] }))
      .thenThrows(RuleViolationError, { field: 'reviews[0].scores.leadership', rule: { programme: 'fixture-award', version: '2024', article: '第五条' } });
    given(policy, events)
      .when(cmd({ type: 'materials-review', reviews: [{ reviewerId: 'r1', recused: false, scores: scores({ results: -1 }) }] }))
      .thenThrows(InvalidInputError, { field: 'reviews[0].scores.results' }); // input validity, not a rule
  });

  it('refuses a review where every reviewer withdrew, or a reviewer without scores', () => {
    given(policy, events).when(cmd({ type: 'materials-review', reviews: [{ reviewerId: 'r1', recused: true }] })).thenThrows(RuleViolationError);
    given(policy, events).when(cmd({ type: 'materials-review', reviews: [{ reviewerId: 'r1', recused: false }] })).thenThrows(RuleViolationError, {
      field: 'reviews[0].scores',
    });
  });

  it('eliminates at the stage it was waiting for', () => {
    given(policy, events).when(cmd({ type: 'eliminate', reason: '不符合条件' })).then([
      { type: 'ApplicationEliminated', data: { applicationId: APP, stage: 'materials-review', reason: '不符合条件', eliminatedOn: TODAY } },
    ]);
  });
});

describe('when materials reviewed', () => {
  const events = historyTo(policy, 'materialsReviewed');
  it('is shortlisted for the on-site review or eliminated', () => {
    given(policy, events).when(cmd({ type: 'shortlist' })).then([{ type: 'ApplicationShortlisted', data: { applicationId: APP, shortlistedOn: TODAY } }]);
    expect(acceptedCommands(policy, given(policy, events).state.snapshot)).toEqual(['shortlist', 'eliminate', 'withdraw']);
  });
});

describe('when shortlisted', () => {
  it('scores the on-site review', () => {
    const out = given(policy, historyTo(policy, 'shortlisted')).when(cmd({ type: 'on-site-review', reviews: reviews() })).events();
    expect(out[0]).toMatchObject({ type: 'OnSiteReviewScored', data: { counted: 2, score: 790 } });
  });
});

describe('when on-site reviewed', () => {
  const events = historyTo(policy, 'onSiteReviewed');
  it('holds the oral defence with an outcome or scores', () => {
    given(policy, events).when(cmd({ type: 'oral-defence', outcome: 'passed' })).then([
      { type: 'OralDefenceHeld', data: { applicationId: APP, heldOn: TODAY, outcome: 'passed' } },
    ]);
    given(policy, events).when(cmd({ type: 'oral-defence' })).thenThrows(InvalidInputError);
  });
  it('has no oral defence where the programme has none (朝阳)', () => {
    const single = [ev.submitted(singleRoundPolicy), ev.recommended(), ev.qualified(), ev.materials(), ev.shortlisted(), ev.onSite()];
    expect(acceptedCommands(singleRoundPolicy, given(singleRoundPolicy, single).state.snapshot)).toEqual(['eliminate', 'candidate', 'withdraw']);
  });
});

describe('when candidate', () => {
  // 忻州 第十八条: departments' opinions are sought on the candidate list.
  it('collects the departments’ opinions', () => {
    given(policy, historyTo(policy, 'candidate'))
      .when(cmd({ type: 'department-opinions', opinions: [{ department: '公安局', opinion: '无记录', adverse: false }] }))
      .then([
        { type: 'DepartmentOpinionsCollected', data: { applicationId: APP, opinions: [{ department: '公安局', opinion: '无记录', adverse: false }], collectedOn: TODAY } },
      ]);
  });
  it('may be not awarded from the candidate list on (term command)', () => {
    expect(acceptedCommands(policy, given(policy, historyTo(policy, 'candidate')).state.snapshot, 'all')).toContain('not-award');
  });
});
