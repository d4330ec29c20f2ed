import { IllegalTransitionError, InvalidInputError, RuleViolationError } from '../errors.js';
import { fixturePolicy as policy, singleRoundPolicy } from './test-fixtures.js';
import { APP, TODAY, cmd, ev, given, historyTo } from './spec-helpers.js';
import { acceptedCommands } from './decide.js';
import type { ApplicationEvent } from './events.js';
import { openObjections } from './context.js';
import { CorruptStreamError, replayApplication } from './replay.js';

const DURING = '2025-06-03T02:00:00.000Z';
const AFTER = '2025-06-08T02:00:00.000Z';
const objector = { anonymous: false, name: '张三', contact: '13800000000', consentToDisclose: false };
const object = (over: Record<string, unknown> = {}) =>
  cmd({ type: 'object', objectionId: 'obj-2', objector, grounds: '数据不实', evidenceProvided: true, now: DURING, occurredOn: '2025-06-03', ...over } as never);

describe('when department opinions collected', () => {
  // 忻州 第十八条: the candidate list is publicised (round 1), issued by the term's publicity decision.
  it('starts the candidate-list round', () => {
    given(policy, historyTo(policy, 'departmentOpinionsCollected'))
      .when(cmd({ type: 'start-publicity', round: 1, startDate: '2025-05-08', endDate: '2025-05-14', endsAt: '2025-05-14T16:00:00.000Z' }))
      .then([ev.publicityStarted(1, 'candidate', '2025-05-08', '2025-05-14')]);
  });
  it('refuses to start the proposed-list round before the proposal', () => {
    given(policy, historyTo(policy, 'departmentOpinionsCollected'))
      .when(cmd({ type: 'start-publicity', round: 2, startDate: '2025-06-01', endDate: '2025-06-07', endsAt: '2025-06-07T16:00:00.000Z' }))
      .thenThrows(IllegalTransitionError);
  });
});

describe('when publicity round 1 closed', () => {
  it('is proposed with a tier of the policy', () => {
    const events = historyTo(policy, 'publicityRound1Closed');
    given(policy, events).when(cmd({ type: 'propose', tier: 'gold' })).then([
      { type: 'ApplicationProposed', data: { applicationId: APP, tier: 'gold', proposedOn: TODAY } },
    ]);
    given(policy, events).when(cmd({ type: 'propose', tier: 'platinum' })).thenThrows(InvalidInputError, { field: 'tier' });
  });
});

describe('when proposed', () => {
  // Calendar-day round: "为期7天" is exactly seven days (朝阳 第十七条(八)); the fixture's round 2 article is 第十九条.
  it('refuses a calendar-day round of the wrong length', () => {
    given(policy, historyTo(policy, 'proposed'))
      .when(cmd({ type: 'start-publicity', round: 2, startDate: '2025-06-01', endDate: '2025-06-05', endsAt: '2025-06-05T16:00:00.000Z' }))
      .thenThrows(RuleViolationError, { rule: { article: '第十九条' }, field: 'endDate' });
  });
});

describe('when publicized', () => {
  const events = historyTo(policy, 'publicized');

  it('records an objection and becomes objected', () => {
    const out = given(policy, events).when(object()).events();
    expect(out).toEqual([
      {
        type: 'ObjectionReceived',
        data: {
          applicationId: APP, objectionId: 'obj-2', round: 2, receivedOn: '2025-06-03', receivedAt: DURING,
          objector, grounds: '数据不实', evidenceProvided: true, withinPublicity: true,
        },
      },
    ]);
  });

  // 朝阳 第二十条: anonymous objections are not accepted; the office's receipt is still recorded.
  it('records an anonymous objection as not admitted, with the article, and stays publicized', () => {
    const anonymous = { anonymous: true, consentToDisclose: false };
    const out = given(policy, events).when(object({ objector: anonymous })).events();
    expect(out).toEqual([
      {
        type: 'ObjectionNotAdmitted',
        data: {
          applicationId: APP, objectionId: 'obj-2', round: 2, receivedOn: '2025-06-03', receivedAt: DURING,
          objector: anonymous, grounds: '数据不实', evidenceProvided: true, withinPublicity: true,
          refusal: { reason: 'Anonymous objections are not accepted', article: '第二十条', field: 'objector.anonymous' },
        },
      },
    ]);
    const after = given(policy, [...events, ...out]).state;
    expect(after.state).toBe('publicized');
    expect(after.context.objections['obj-2']).toMatchObject({ status: 'not-admitted', refusal: { article: '第二十条' } });
    expect(openObjections(after.context)).toEqual([]);
  });

  // 朝阳 第二十条: nothing can be decided on an objection that was not admitted; its id is taken.
  it('decides nothing on a not-admitted objection and does not record its id twice', () => {
    const out = given(policy, events).when(object({ evidenceProvided: false })).events();
    const after = [...events, ...out];
    given(policy, after).when(cmd({ type: 'objection-decision', objectionId: 'obj-2', decision: 'accept' })).thenThrows(IllegalTransitionError);
    given(policy, after).when(object()).thenThrows(InvalidInputError, { field: 'objectionId' });
  });

  // 忻州 第二十七条: anonymous complaints allowed (real names only encouraged).
  it('accepts an anonymous objection where the policy allows it', () => {
    const single = [ev.submitted(singleRoundPolicy), ev.recommended(), ev.qualified(), ev.materials(), ev.shortlisted(), ev.onSite(), ev.candidate(), ev.proposed(), ev.publicityStarted(1, 'proposed')];
    const out = given(singleRoundPolicy, single).when(object({ objector: { anonymous: true, consentToDisclose: false }, evidenceProvided: false })).events();
    expect(out[0]).toMatchObject({ type: 'ObjectionReceived', data: { objector: { anonymous: true } } });
  });

  // 朝阳 第二十条: real identity and written evidence.
  it('records an objection without written evidence as not admitted', () => {
    expect(given(policy, events).when(object({ evidenceProvided: false })).events()[0]).toMatchObject({
      type: 'ObjectionNotAdmitted',
      data: { evidenceProvided: false, refusal: { article: '第二十条', field: 'evidenceProvided' } },
    });
  });

  // 朝阳 第二十条: 逾公示期 — after the end instant, even before the scheduler closed the round. It does
  // not hold the round open: the round closes as if it had not come.
  it('records a late objection as not admitted; the round still closes', () => {
    const late = given(policy, events).when(object({ now: AFTER, occurredOn: '2025-06-08' })).events();
    expect(late[0]).toMatchObject({ type: 'ObjectionNotAdmitted', data: { withinPublicity: false, refusal: { field: 'receivedOn', article: '第二十条' } } });
    given(policy, [...events, ...late]).when(cmd({ type: 'close-publicity', now: AFTER, occurredOn: '2025-06-08' })).then([ev.publicityClosed(2)]);
  });

  // The statechart refuses a stored "not admitted" the policy would have admitted, or with another article.
  it('refuses to replay a not-admitted record the policy does not support', () => {
    const [recorded] = given(policy, events).when(object({ evidenceProvided: false })).events() as Array<Extract<ApplicationEvent, { type: 'ObjectionNotAdmitted' }>>;
    const admissible = { ...recorded!, data: { ...recorded!.data, evidenceProvided: true } };
    expect(() => replayApplication(policy, [...events, admissible])).toThrow(CorruptStreamError);
    const otherArticle = { ...recorded!, data: { ...recorded!.data, refusal: { ...recorded!.data.refusal, article: '第二十一条' } } };
    expect(() => replayApplication(policy, [...events, otherArticle])).toThrow(CorruptStreamError);
    expect(replayApplication(policy, [...events, recorded!]).state).toBe('publicized');
  });

  it('records a late objection where late ones are not refused', () => {
    const single = [ev.submitted(singleRoundPolicy), ev.recommended(), ev.qualified(), ev.materials(), ev.shortlisted(), ev.onSite(), ev.candidate(), ev.proposed(), ev.publicityStarted(1, 'proposed')];
    const out = given(singleRoundPolicy, single).when(object({ now: AFTER, occurredOn: '2025-06-08' })).events();
    expect(out[0]).toMatchObject({ data: { withinPublicity: false } });
  });

  it('closes at the end of the period, not before (公示期)', () => {
    given(policy, events).when(cmd({ type: 'close-publicity', now: AFTER, occurredOn: '2025-06-08' })).then([ev.publicityClosed(2)]);
    given(policy, events).when(cmd({ type: 'close-publicity', now: DURING, occurredOn: '2025-06-03' })).thenThrows(RuleViolationError, {
      rule: { article: '第十九条' },
    });
  });

  it('lists its commands', () => {
    expect(acceptedCommands(policy, given(policy, events).state.snapshot)).toEqual(['withdraw', 'object', 'close-publicity']);
  });
});

describe('when objected', () => {
  const received = historyTo(policy, 'objected');
  const accepted = historyTo(policy, 'objectionAccepted');
  const decision = (decision: string, over: Record<string, unknown> = {}) =>
    cmd({ type: 'objection-decision', objectionId: 'obj-1', decision, now: AFTER, occurredOn: '2025-06-08', ...over } as never);

  it('cannot close while an objection is open', () => {
    given(policy, accepted).when(cmd({ type: 'close-publicity', now: AFTER, occurredOn: '2025-06-08' })).thenThrows(IllegalTransitionError, {
      currentState: 'objected',
    });
  });

  // 朝阳 第二十一条: the office decides whether to accept.
  it('accepts or refuses a received objection; a refusal of the last one returns to publicized', () => {
    given(policy, received).when(decision('accept')).then([{ type: 'ObjectionAccepted', data: { applicationId: APP, objectionId: 'obj-1', acceptedOn: '2025-06-08' } }]);
    given(policy, received).when(decision('refuse')).thenThrows(InvalidInputError, { field: 'reason' });
    const refused = given(policy, received).when(decision('refuse', { reason: '证据不足' })).events();
    const after = given(policy, [...received, ...refused]).state;
    expect(after.state).toBe('publicized');
  });

  // 朝阳 第二十条: a not-admitted objection does not hold the round: dismissing the open one returns to publicized.
  it('records a not-admitted objection beside an open one, which alone keeps it objected', () => {
    const notAdmitted = given(policy, accepted).when(object({ objector: { anonymous: true, consentToDisclose: false }, now: AFTER, occurredOn: '2025-06-08' })).events();
    expect(notAdmitted[0]?.type).toBe('ObjectionNotAdmitted');
    const withBoth = [...accepted, ...notAdmitted];
    expect(given(policy, withBoth).state.state).toBe('objected');
    const dismissed = given(policy, withBoth).when(decision('dismiss', { reason: '不实' })).events();
    expect(given(policy, [...withBoth, ...dismissed]).state.state).toBe('publicized');
  });

  it('refuses a decision on an unknown objection', () => {
    given(policy, received).when(decision('accept', { objectionId: 'nope' })).thenThrows(InvalidInputError, { field: 'objectionId' });
  });

  // 朝阳 第二十四条: the committee decides; both sides are told.
  it('upholds an accepted objection: disqualified (final)', () => {
    const out = given(policy, accepted).when(decision('uphold', { reason: '查证属实' })).events();
    expect(out).toEqual([
      { type: 'ObjectionUpheld', data: { applicationId: APP, objectionId: 'obj-1', decidedBy: 'committee', reason: '查证属实', decidedOn: '2025-06-08' } },
    ]);
    const after = given(policy, [...accepted, ...out]).state;
    expect(after.state).toBe('disqualified');
    expect(acceptedCommands(policy, after.snapshot, 'all')).toEqual([]);
  });

  it('dismisses an accepted objection: back to publicized, then closes', () => {
    const out = given(policy, accepted).when(decision('dismiss', { reason: '查无实据' })).events();
    const after = given(policy, [...accepted, ...out]);
    expect(after.state.state).toBe('publicized');
    after.when(cmd({ type: 'close-publicity', now: AFTER, occurredOn: '2025-06-08' })).then([ev.publicityClosed(2)]);
  });

  it('cannot uphold an objection not yet accepted', () => {
    given(policy, received).when(decision('uphold', { reason: 'x' })).thenThrows(InvalidInputError);
  });

  // 朝阳 第二十二、二十三条: evidence with a deadline from one party at a time.
  it('requests evidence with a deadline and records it', () => {
    const requested = given(policy, accepted).when(decision('request-evidence', { from: 'applicant' })).events();
    expect(requested).toEqual([
      { type: 'ObjectionEvidenceRequested', data: { applicationId: APP, objectionId: 'obj-1', from: 'applicant', deadline: '2025-06-13', deadlineId: 'obj-1/applicant/1', requestedOn: '2025-06-08' } },
    ]);
    const next = given(policy, [...accepted, ...requested]);
    next.when(decision('request-evidence', { from: 'applicant' })).thenThrows(InvalidInputError, { field: 'from' });
    next.when(decision('record-evidence', { from: 'applicant', reason: '提交了检测报告' })).then([
      { type: 'ObjectionEvidenceRecorded', data: { applicationId: APP, objectionId: 'obj-1', from: 'applicant', summary: '提交了检测报告', recordedOn: '2025-06-08' } },
    ]);
    next.when(decision('record-evidence', { from: 'objector', reason: 'x' })).thenThrows(InvalidInputError, { field: 'from' });
  });

  it('needs an explicit deadline where the default is in working days', () => {
    const working = { ...policy, objections: { ...policy.objections, defaultDeadlines: { ...policy.objections.defaultDeadlines!, unit: 'working' as const } } };
    given(working, accepted).when(decision('request-evidence', { from: 'applicant' })).thenThrows(InvalidInputError, { field: 'deadline' });
    expect(given(working, accepted).when(decision('request-evidence', { from: 'applicant', deadline: '2025-06-16' })).events()).toHaveLength(1);
  });

  const missed = (from: 'recommender' | 'applicant' | 'objector', now = '2025-06-11T02:00:00.000Z') => {
    const events: ApplicationEvent[] = [...accepted, ev.evidenceRequested(from)];
    return given(policy, events).when(cmd({ type: 'evidence-deadline-missed', objectionId: 'obj-1', deadlineId: `obj-1/${from}/1`, now, occurredOn: now.slice(0, 10) }));
  };

  // 朝阳 第二十二条: the recommender did not verify in time → the applicant fails review.
  it('disqualifies when the recommender misses its deadline', () => {
    const out = missed('recommender').events();
    expect(out.map((e) => e.type)).toEqual(['ObjectionEvidenceDeadlineMissed', 'ApplicationDisqualified']);
    expect(out[1]).toMatchObject({ data: { article: '第二十二条、第二十三条', objectionId: 'obj-1' } });
    expect(given(policy, [...accepted, ev.evidenceRequested('recommender'), ...out]).state.state).toBe('disqualified');
  });

  // 朝阳 第二十三条: an applicant that does not answer is taken to admit the objection.
  it('upholds when the applicant misses its deadline', () => {
    const out = missed('applicant').events();
    expect(out.map((e) => e.type)).toEqual(['ObjectionEvidenceDeadlineMissed', 'ObjectionUpheld']);
    expect(out[1]).toMatchObject({ data: { decidedBy: 'deemed' } });
  });

  // 朝阳 第二十三条: an objector that does not answer is taken to abandon the objection.
  it('dismisses when the objector misses its deadline', () => {
    const out = missed('objector').events();
    expect(out.map((e) => e.type)).toEqual(['ObjectionEvidenceDeadlineMissed', 'ObjectionDismissed']);
    expect(given(policy, [...accepted, ev.evidenceRequested('objector'), ...out]).state.state).toBe('publicized');
  });

  it('refuses a deadline that has not passed, and ignores one already answered', () => {
    missed('objector', '2025-06-10T02:00:00.000Z').thenThrows(RuleViolationError);
    const answered: ApplicationEvent[] = [
      ...accepted,
      ev.evidenceRequested('objector'),
      { type: 'ObjectionEvidenceRecorded', data: { applicationId: APP, objectionId: 'obj-1', from: 'objector', summary: 's', recordedOn: '2025-06-09' } },
    ];
    given(policy, answered)
      .when(cmd({ type: 'evidence-deadline-missed', objectionId: 'obj-1', deadlineId: 'obj-1/objector/1', now: '2025-06-11T02:00:00.000Z', occurredOn: '2025-06-11' }))
      .then([]);
  });
});

describe('when publicity closed', () => {
  const events = [...historyTo(policy, 'publicized'), ev.publicityClosed(2)];

  // 朝阳 第二十条: objections after the publicity period are not accepted, and recorded so.
  it('records a late objection as not admitted, with the article, and stays closed', () => {
    const out = given(policy, events).when(object({ now: '2025-06-09T02:00:00.000Z', occurredOn: '2025-06-09' })).events();
    expect(out[0]).toMatchObject({ type: 'ObjectionNotAdmitted', data: { round: 2, withinPublicity: false, refusal: { article: '第二十条', field: 'receivedOn' } } });
    expect(given(policy, [...events, ...out]).state.state).toBe('publicityClosed');
  });

  // Before any publicity round nothing can be recorded: refused, nothing written.
  it('refuses an objection before the first publicity round', () => {
    given(policy, historyTo(policy, 'candidate')).when(object()).thenThrows(IllegalTransitionError);
  });

  // After the application ended (here: an upheld objection) the refusal stays a refusal (朝阳 第二十条).
  it('refuses a late objection with the article once the application has ended', () => {
    const upheld: ApplicationEvent = { type: 'ObjectionUpheld', data: { applicationId: APP, objectionId: 'obj-1', decidedBy: 'committee', reason: '属实', decidedOn: '2025-06-05' } };
    given(policy, [...historyTo(policy, 'objectionAccepted'), upheld])
      .when(object({ now: '2025-06-09T02:00:00.000Z', occurredOn: '2025-06-09' }))
      .thenThrows(RuleViolationError, { rule: { article: '第二十条' }, field: 'receivedOn' });
  });

  it('is awarded by the government (term command) with a tier of the policy', () => {
    const awarded = ev.awarded() as Extract<ApplicationEvent, { type: 'ApplicationAwarded' }>;
    given(policy, events)
      .when(cmd({ type: 'award', tier: 'gold', decisionDate: '2025-06-20', documentNo: '测政发〔2025〕12号' }))
      .then([{ ...awarded, data: { ...awarded.data, prize: { amount: 200000, currency: 'CNY' } } }]);
    given(policy, events).when(cmd({ type: 'award', tier: 'bronze', decisionDate: '2025-06-20', documentNo: 'x' })).thenThrows(InvalidInputError);
  });

  it('or not awarded', () => {
    expect(given(policy, events).when(cmd({ type: 'not-award', reason: '未获审定' })).events()[0]?.type).toBe('ApplicationNotAwarded');
  });
});
