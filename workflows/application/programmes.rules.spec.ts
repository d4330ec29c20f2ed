/**
 * The application's rules on the real policy data of the five seeds (docs/rules-coverage.md): stage
 * order, scoring and recusal, objections, revocation grounds and windows, annual reports. The other
 * application specs use a synthetic policy (test-fixtures.ts); these pin each programme's article.
 */
import { IllegalTransitionError, InvalidInputError, RuleViolationError } from '../errors.js';
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { PolicyRegistry } from '../policy/registry.js';
import { buildChain } from './chain.js';
import type { ApplicationEvent, CategoryScores } from './events.js';
import { cmd, ev, given, reviews, scores } from './spec-helpers.js';

const registry = PolicyRegistry.fromDirectories();
const zibo = registry.get('zibo-leader', '2021');
const jinan = registry.get('jinan-mayor', '2018');
const xinzhou = registry.get('xinzhou-mayor', '2021');
const chanhe = registry.get('chanhe-district', '2021');
const chaoyang = registry.get('chaoyang-mayor', '2022');

/** A history through every step of the policy's chain, up to the running proposed-list round or the award. */
function historyOf(policy: ProgrammePolicy, upTo: 'qualified' | 'publicized' | 'awarded', decisionDate = '2025-06-20'): ApplicationEvent[] {
  const submitted = ev.submitted(policy) as Extract<ApplicationEvent, { type: 'ApplicationSubmitted' }>;
  const channel = policy.channels.kinds.includes('county') ? 'county' : policy.channels.kinds[0]!;
  const events: ApplicationEvent[] = [{ ...submitted, data: { ...submitted.data, channel: { kind: channel, recommender: '某推荐单位' } } }];
  const tier = policy.tiers[0]!.id;
  for (const step of buildChain(policy).steps) {
    if (step.kind === 'publicity') {
      if (step.round.list === 'candidate') events.push(ev.publicityStarted(step.round.round, 'candidate', '2025-05-08', '2025-05-14'), ev.publicityClosed(step.round.round, '2025-05-15'));
      else {
        events.push(ev.publicityStarted(step.round.round, 'proposed'));
        if (upTo === 'publicized') return events;
        events.push(ev.publicityClosed(step.round.round));
      }
      continue;
    }
    const next: Record<string, () => ApplicationEvent> = {
      recommendation: ev.recommended,
      'opinion-survey': () => ev.surveyed(),
      'qualification-review': ev.qualified,
      'materials-review': ev.materials,
      shortlist: ev.shortlisted,
      'on-site-review': ev.onSite,
      'oral-defence': ev.oral,
      candidate: ev.candidate,
      'department-opinions': ev.departments,
      proposed: () => ev.proposed(tier),
      approval: () => ev.awarded(tier, decisionDate),
    };
    events.push(next[step.stage]!());
    if (upTo === 'qualified' && step.stage === 'qualification-review') return events;
  }
  return events;
}

const at = (date: string) => ({ now: `${date}T02:00:00.000Z`, occurredOn: date });
const steps = (policy: ProgrammePolicy) => buildChain(policy).steps.map((s) => (s.kind === 'stage' ? `${s.stage} ${s.article}` : `publicity#${s.round.round} ${s.article}`));

describe('stages per programme, in the order of the regulation', () => {
  it('济南 第十四至十八条: recommendation, qualification, materials, on-site, oral defence, candidate, proposed, publicity, approval', () => {
    expect(steps(jinan)).toEqual([
      'recommendation 第十四条',
      'qualification-review 第十五条',
      'materials-review 第十五条',
      'shortlist 第十五条',
      'on-site-review 第十五条',
      'oral-defence 第十五条',
      'candidate 第十六条',
      'proposed 第十六条',
      'publicity#1 第十七条',
      'approval 第十八条',
    ]);
  });

  it('瀍河 第十四至十九条: no oral defence, the committee votes the proposed list', () => {
    expect(steps(chanhe)).toEqual([
      'recommendation 第十六条',
      'qualification-review 第十七条',
      'materials-review 第十四条、第十七条',
      'shortlist 第十七条',
      'on-site-review 第十七条',
      'candidate 第十七条、第十八条',
      'proposed 第十八条',
      'publicity#1 第十九条',
      'approval 第十九条',
    ]);
  });

  it('朝阳 第十七条(三)至(九): recommendation to approval, no oral defence', () => {
    expect(steps(chaoyang)).toEqual([
      'recommendation 第十七条(三)',
      'qualification-review 第十七条(四)',
      'materials-review 第十七条(五)',
      'shortlist 第十七条(五)',
      'on-site-review 第十七条(六)',
      'candidate 第十七条(七)',
      'proposed 第十七条(八)',
      'publicity#1 第十七条(八)',
      'approval 第十七条(九)',
    ]);
  });

  it('淄博 第十五至十九条 and 忻州 第十五至二十条 as the machine walks them', () => {
    expect(steps(zibo).slice(0, 3)).toEqual(['recommendation 第十五条', 'opinion-survey 第十六条', 'qualification-review 第十六条']);
    expect(steps(xinzhou).slice(-6)).toEqual([
      'candidate 第十八条',
      'department-opinions 第十八条',
      'publicity#1 第十八条',
      'proposed 第十九条',
      'publicity#2 第十九条',
      'approval 第二十条',
    ]);
  });

  it('淄博 第十六条: the qualification review waits for the opinion survey', () => {
    const recommended = historyOf(zibo, 'qualified').slice(0, 2);
    given(zibo, recommended).when(cmd({ type: 'qualification-review', outcome: 'accepted' })).thenThrows(IllegalTransitionError);
  });

  it('朝阳 第十七条(四): a qualification refusal is explained (reason required)', () => {
    const recommended = historyOf(chaoyang, 'qualified').slice(0, 2);
    expect(() => given(chaoyang, recommended).when(cmd({ type: 'qualification-review', outcome: 'rejected' } as never)).events()).toThrow(/reason/);
  });
});

describe('scoring: the programme\'s standard and 1000 points, recused reviewers not counted', () => {
  const review = (over: Partial<CategoryScores>) => cmd({ type: 'materials-review', reviews: [{ reviewerId: 'r1', recused: false, scores: scores(over) }] });

  it.each([
    ['朝阳 第五条', chaoyang, '第五条'],
    ['瀍河 第十三条', chanhe, '第十三条'],
  ])('%s: results above 400 are refused with the article; 400 is allowed', (_name, policy, article) => {
    const qualified = historyOf(policy, 'qualified');
    given(policy, qualified).when(review({ results: 401 })).thenThrows(RuleViolationError, { rule: { article }, field: 'reviews[0].scores.results' });
    expect(given(policy, qualified).when(review({ results: 400 })).events()[0]).toMatchObject({ type: 'MaterialsReviewScored', data: { score: 870 } });
  });

  it.each([
    ['朝阳 第五条', chaoyang, '第五条'],
    ['瀍河 第十三条', chanhe, '第十三条'],
  ])('%s (GB/T 19580): every category above its maximum is refused with the article', (_name, policy, article) => {
    const qualified = historyOf(policy, 'qualified');
    const maxima = { leadership: 110, strategy: 90, customersAndMarket: 90, resources: 130, processManagement: 100, measurementAnalysisImprovement: 80, results: 400 };
    for (const [category, max] of Object.entries(maxima)) {
      given(policy, qualified)
        .when(review({ [category]: max + 1 }))
        .thenThrows(RuleViolationError, { rule: { programme: policy.programmeId, version: policy.version, article }, field: `reviews[0].scores.${category}` });
    }
  });

  /** 忻州 第十三条 names DB 14/T 1464 for individuals: scored here as an individual. */
  const asIndividual = (events: ApplicationEvent[]): ApplicationEvent[] => {
    const [submitted, ...rest] = events as [Extract<ApplicationEvent, { type: 'ApplicationSubmitted' }>, ...ApplicationEvent[]];
    const person = { kind: 'individual' as const, id: '140902198001011234', name: '某某' };
    return [{ ...submitted, data: { ...submitted.data, applicant: person } }, ...rest];
  };

  it.each([
    ['忻州 第十三条 (DB 14/T 1462–1464, an individual)', xinzhou, '第十三条', asIndividual],
    ['淄博 第六条、第十六条 (选树指标体系)', zibo, '第六条、第十六条', (e: ApplicationEvent[]) => e],
    ['济南 第五条、第十五条 (评审通则)', jinan, '第五条、第十五条', (e: ApplicationEvent[]) => e],
  ])('%s: no category maxima in the text, so leadership 120 is taken; a total above the assumed 1000 is refused with the article', (_name, policy, article, as) => {
    const qualified = as(historyOf(policy, 'qualified'));
    expect(given(policy, qualified).when(review({ leadership: 120 })).events()[0]).toMatchObject({ type: 'MaterialsReviewScored', data: { score: 800 } });
    expect(given(policy, qualified).when(review({ results: 530 })).events()[0]).toMatchObject({ data: { score: 1000 } });
    given(policy, qualified)
      .when(review({ results: 531 }))
      .thenThrows(RuleViolationError, {
        message: expect.stringMatching(/1001 exceeds 1000.*assumed/),
        rule: { programme: policy.programmeId, version: policy.version, article, reading: policy.scoring.reading },
        field: 'reviews[0].scores',
      });
    given(policy, qualified).when(review({ leadership: -1 })).thenThrows(InvalidInputError, { field: 'reviews[0].scores.leadership' });
  });

  it('忻州 第二十九条, 朝阳 第三十二条: a reviewer who withdrew is recorded and not counted', () => {
    for (const policy of [xinzhou, chaoyang]) {
      const [scored] = given(policy, historyOf(policy, 'qualified')).when(cmd({ type: 'materials-review', reviews: reviews() })).events();
      expect(scored).toMatchObject({ data: { counted: 2, score: 790 } });
      expect((scored!.data as { reviews: unknown[] }).reviews).toHaveLength(3);
    }
  });
});

describe('objections during publicity', () => {
  const DURING = at('2025-06-03');
  const LATE = { now: '2025-06-07T16:00:00.000Z', occurredOn: '2025-06-08' };
  const object = (over: Record<string, unknown>, when = DURING) =>
    cmd({ type: 'object', objectionId: 'o-1', grounds: '数据不实', evidenceProvided: true, objector: { anonymous: false, name: '李四' }, ...when, ...over } as never);

  const notAdmitted = (events: ApplicationEvent[]) => {
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('ObjectionNotAdmitted');
    return (events[0] as Extract<ApplicationEvent, { type: 'ObjectionNotAdmitted' }>).data;
  };

  it('朝阳 第二十条: anonymous, unevidenced and late objections are not admitted (recorded with the article); a named one with evidence is', () => {
    const running = historyOf(chaoyang, 'publicized');
    const article = '第二十条、第二十一条';
    expect(notAdmitted(given(chaoyang, running).when(object({ objector: { anonymous: true } })).events())).toMatchObject({
      withinPublicity: true,
      refusal: { article, field: 'objector.anonymous' },
    });
    expect(notAdmitted(given(chaoyang, running).when(object({ evidenceProvided: false })).events()).refusal).toMatchObject({ article, field: 'evidenceProvided' });
    expect(notAdmitted(given(chaoyang, running).when(object({}, LATE)).events())).toMatchObject({ withinPublicity: false, refusal: { article, field: 'receivedOn' } });
    expect(given(chaoyang, running).when(object({})).events()[0]).toMatchObject({ type: 'ObjectionReceived', data: { withinPublicity: true } });
  });

  it('朝阳 第二十条: an objection after the award is recorded as not admitted; after the application ended it is refused, nothing written', () => {
    const awarded = historyOf(chaoyang, 'awarded');
    expect(notAdmitted(given(chaoyang, awarded).when(object({}, at('2025-07-01'))).events()).refusal).toMatchObject({ article: '第二十条、第二十一条', field: 'receivedOn' });
    const withdrawn: ApplicationEvent[] = [...awarded.slice(0, -1), { type: 'ApplicationNotAwarded', data: { applicationId: 'app-1', reason: '未获审定', decidedOn: '2025-06-20' } }];
    given(chaoyang, withdrawn).when(object({}, at('2025-07-01'))).thenThrows(RuleViolationError, { rule: { article: '第二十条、第二十一条' }, field: 'receivedOn' });
  });

  it('忻州 第二十七条: anonymous objections with evidence are taken, also after the period; without evidence not admitted', () => {
    const running = historyOf(xinzhou, 'publicized');
    expect(given(xinzhou, running).when(object({ objector: { anonymous: true } }, LATE)).events()[0]).toMatchObject({
      type: 'ObjectionReceived',
      data: { round: 2, withinPublicity: false, objector: { anonymous: true } },
    });
    expect(notAdmitted(given(xinzhou, running).when(object({ evidenceProvided: false })).events()).refusal).toMatchObject({ article: '第二十七条', field: 'evidenceProvided' });
  });

  it('济南 第十七条: an objection during the 5 working days is taken (anonymous too), a late one is not admitted', () => {
    const running = historyOf(jinan, 'publicized');
    expect(given(jinan, running).when(object({ objector: { anonymous: true }, evidenceProvided: false })).events()).toHaveLength(1);
    expect(notAdmitted(given(jinan, running).when(object({}, LATE)).events()).refusal).toMatchObject({ article: '第十七条', field: 'receivedOn' });
  });

  it('朝阳 第二十二、二十三条: evidence within a time limit, whose miss decides, exists in 朝阳 only; 济南 第十七条, 淄博 第十八条, 忻州 第二十七条, 瀍河 第十九条 refuse it with their objection article', () => {
    const request = (from: string) => cmd({ type: 'objection-decision', objectionId: 'obj-1', decision: 'request-evidence', from, deadline: '2025-06-10', ...at('2025-06-05') } as never);
    for (const policy of [jinan, zibo, xinzhou, chanhe]) {
      const round = buildChain(policy).steps.filter((s) => s.kind === 'publicity').length;
      const accepted = [...historyOf(policy, 'publicized'), ev.objection('obj-1', round), ev.objectionAccepted()];
      for (const from of ['recommender', 'applicant', 'objector']) {
        given(policy, accepted).when(request(from)).thenThrows(RuleViolationError, {
          rule: { programme: policy.programmeId, article: policy.objections.article },
          field: 'decision',
        });
      }
      // A request stored before 2026-12-01 still replays; its missed limit is recorded and decides nothing.
      const legacy = [...accepted, ev.evidenceRequested('recommender')];
      const missed = given(policy, legacy)
        .when(cmd({ type: 'evidence-deadline-missed', objectionId: 'obj-1', deadlineId: 'obj-1/recommender/1', ...at('2025-06-11') } as never))
        .events();
      expect(missed.map((e) => e.type)).toEqual(['ObjectionEvidenceDeadlineMissed']);
      expect(given(policy, [...legacy, ...missed]).state.state).toMatch(/objected/);
    }
    const chaoyangAccepted = [...historyOf(chaoyang, 'publicized'), ev.objection('obj-1', 1), ev.objectionAccepted()];
    expect(given(chaoyang, chaoyangAccepted).when(request('recommender')).events()[0]).toMatchObject({ type: 'ObjectionEvidenceRequested', data: { from: 'recommender' } });
  });

  it('朝阳 第十七条(三), 第二十二条: a direct filing has no recommending body to ask for evidence', () => {
    const history = historyOf(chaoyang, 'publicized');
    const submitted = history[0] as Extract<ApplicationEvent, { type: 'ApplicationSubmitted' }>;
    // Filed directly: no recommendation step.
    const direct: ApplicationEvent[] = [
      { ...submitted, data: { ...submitted.data, channel: { kind: 'direct', recommender: null } } },
      ...history.slice(1).filter((e) => e.type !== 'ApplicationRecommended'),
    ];
    const accepted = [...direct, ev.objection('obj-1', 1), ev.objectionAccepted()];
    const request = (from: string) => cmd({ type: 'objection-decision', objectionId: 'obj-1', decision: 'request-evidence', from, deadline: '2025-06-10', ...at('2025-06-05') } as never);
    given(chaoyang, accepted).when(request('recommender')).thenThrows(RuleViolationError, { rule: { article: chaoyang.channels.article }, field: 'from' });
    expect(given(chaoyang, accepted).when(request('applicant')).events()).toHaveLength(1);
    // One stored before 2026-12-01: its missed limit disqualifies nobody (there was no recommender to miss it).
    const missed = given(chaoyang, [...accepted, ev.evidenceRequested('recommender')])
      .when(cmd({ type: 'evidence-deadline-missed', objectionId: 'obj-1', deadlineId: 'obj-1/recommender/1', ...at('2025-06-11') } as never))
      .events();
    expect(missed.map((e) => e.type)).toEqual(['ObjectionEvidenceDeadlineMissed']);
  });

  it('朝阳 第二十四条: the committee decides; 济南 第十七条: the leading group approves the handling', () => {
    for (const [policy, body] of [[chaoyang, 'committee'], [jinan, 'leading-group']] as const) {
      const accepted = [...historyOf(policy, 'publicized'), ev.objection('obj-1', 1), ev.objectionAccepted()];
      const [upheld] = given(policy, accepted).when(cmd({ type: 'objection-decision', objectionId: 'obj-1', decision: 'uphold', reason: '查证属实' })).events();
      expect(upheld).toMatchObject({ type: 'ObjectionUpheld', data: { decidedBy: body } });
    }
  });
});

describe('revocation after the award: ground, window, what is recovered', () => {
  it('瀍河 第二十九条: an accident within 2 years of the award — the last day allowed, the anniversary refused', () => {
    const awarded = historyOf(chanhe, 'awarded', '2025-06-20');
    const revoke = (date: string) => cmd({ type: 'revoke', ground: 'major-accident-within-2y', ...at(date) } as never);
    expect(given(chanhe, awarded).when(revoke('2027-06-19')).events()[0]).toMatchObject({
      data: { ground: 'major-accident-within-2y', article: '第二十九条', recovers: ['trophy', 'certificate'], publicNotice: true },
    });
    given(chanhe, awarded).when(revoke('2027-06-20')).thenThrows(RuleViolationError, { rule: { programme: 'chanhe-district', article: '第二十九条' } });
  });

  it('瀍河 第二十八条: fraud has no window and recovers trophy, certificate and prize money', () => {
    const awarded = historyOf(chanhe, 'awarded', '2025-06-20');
    expect(given(chanhe, awarded).when(cmd({ type: 'revoke', ground: 'fraud', ...at('2031-01-05') } as never)).events()[0]).toMatchObject({
      data: { article: '第二十八条', recovers: ['trophy', 'certificate', 'prize-money'] },
    });
  });

  it('朝阳 第三十六条: a ground within 3 years of the award; 第二十七条 fraud at any time', () => {
    const awarded = historyOf(chaoyang, 'awarded', '2025-06-20');
    const revoke = (ground: string, date: string) => cmd({ type: 'revoke', ground, ...at(date) } as never);
    expect(given(chaoyang, awarded).when(revoke('serious-operating-loss', '2028-06-19')).events()[0]).toMatchObject({ data: { article: '第三十六条(五)' } });
    given(chaoyang, awarded).when(revoke('serious-operating-loss', '2028-06-20')).thenThrows(RuleViolationError, { rule: { article: '第三十六条(五)' } });
    expect(given(chaoyang, awarded).when(revoke('fraud', '2035-01-05')).events()[0]).toMatchObject({ data: { article: '第二十七条', publicNotice: true } });
  });

  it('济南 第二十九条 recovers money, trophy, plaque and certificate; 第三十条 grounds are for individuals only', () => {
    const awarded = historyOf(jinan, 'awarded', '2025-06-20');
    expect(given(jinan, awarded).when(cmd({ type: 'revoke', ground: 'export-quality', ...at('2026-01-05') } as never)).events()[0]).toMatchObject({
      data: { article: '第二十九条(六)', recovers: ['prize-money', 'trophy', 'plaque', 'certificate'], publicNotice: true },
    });
    given(jinan, awarded)
      .when(cmd({ type: 'revoke', ground: 'individual-plagiarism', ...at('2026-01-05') } as never))
      .thenThrows(RuleViolationError, { rule: { article: '第三十条(五)' }, field: 'ground' });
  });

  it('忻州 第二十八条: recovers plaque, certificate and prize money, with public notice', () => {
    const awarded = historyOf(xinzhou, 'awarded', '2025-06-20');
    expect(given(xinzhou, awarded).when(cmd({ type: 'revoke', ground: 'mark-misuse-or-duties', ...at('2026-01-05') } as never)).events()[0]).toMatchObject({
      data: { article: '第二十八条(三)', recovers: ['plaque', 'certificate', 'prize-money'], publicNotice: true },
    });
  });

  it('淄博 第三十条: revoked when the periodic evaluation finds the conditions no longer met; no other ground', () => {
    const awarded = historyOf(zibo, 'awarded', '2025-06-20');
    expect(given(zibo, awarded).when(cmd({ type: 'revoke', ground: 'no-longer-meets-conditions', ...at('2027-01-05') } as never)).events()[0]).toMatchObject({
      data: { article: '第三十条' },
    });
    given(zibo, awarded).when(cmd({ type: 'revoke', ground: 'fraud', ...at('2027-01-05') } as never)).thenThrows(RuleViolationError, { rule: { article: '第三十条' }, field: 'ground' });
  });
});

describe('瀍河 第二十四条: annual quality-performance reports for 3 years after the award', () => {
  it('takes three reports, refuses a fourth; other programmes owe none (朝阳)', () => {
    let history = historyOf(chanhe, 'awarded', '2025-06-20');
    for (const [year, date] of [[2025, '2025-12-01'], [2026, '2026-06-01'], [2027, '2027-06-01']] as const) {
      const events = given(chanhe, history).when(cmd({ type: 'file-annual-report', year, ...at(date) } as never)).events();
      expect(events).toEqual([{ type: 'AnnualReportFiled', data: expect.objectContaining({ year }) }]);
      history = [...history, ...events];
    }
    given(chanhe, history).when(cmd({ type: 'file-annual-report', year: 2028, ...at('2028-06-01') } as never)).thenThrows(IllegalTransitionError);
    given(chaoyang, historyOf(chaoyang, 'awarded')).when(cmd({ type: 'file-annual-report', year: 2026, ...at('2026-06-01') } as never)).thenThrows(IllegalTransitionError);
  });

  it('refuses a report for a year outside the 3 years after the award, with the article', () => {
    given(chanhe, historyOf(chanhe, 'awarded', '2025-06-20'))
      .when(cmd({ type: 'file-annual-report', year: 2029, ...at('2026-06-01') } as never))
      .thenThrows(RuleViolationError, { rule: { programme: 'chanhe-district', article: '第二十四条' }, field: 'year' });
  });
});

describe('prize money recorded at the award and recovered on revocation', () => {
  /** The history up to the approval, with the applicant of the given kind. */
  const beforeAward = (policy: ProgrammePolicy, kind: 'organisation' | 'individual' = 'organisation'): ApplicationEvent[] => {
    const events = historyOf(policy, 'awarded', '2025-06-20').slice(0, -1);
    const [submitted, ...rest] = events as [Extract<ApplicationEvent, { type: 'ApplicationSubmitted' }>, ...ApplicationEvent[]];
    const applicant = kind === 'individual' ? { kind, id: '11010519491231002X', name: '李某' } : submitted.data.applicant;
    return [{ ...submitted, data: { ...submitted.data, applicant } }, ...rest];
  };
  const award = (tier: string) => cmd({ type: 'award', tier, decisionDate: '2025-06-20', documentNo: '政〔2025〕1号', ...at('2025-06-20') } as never);
  const prizeOf = (policy: ProgrammePolicy, tier: string, kind?: 'organisation' | 'individual') =>
    (given(policy, beforeAward(policy, kind)).when(award(tier)).events()[0] as Extract<ApplicationEvent, { type: 'ApplicationAwarded' }>).data.prize;

  it('忻州 第二十一条: 20万元 for an organisation, 3万元 for an individual, none for the nomination award', () => {
    expect(prizeOf(xinzhou, 'award')).toEqual({ amount: 200000, currency: 'CNY', article: '第二十一条' });
    expect(prizeOf(xinzhou, 'award', 'individual')).toEqual({ amount: 30000, currency: 'CNY', article: '第二十一条' });
    expect(prizeOf(xinzhou, 'nomination')?.amount).toBe(0);
  });

  it('朝阳 第十八条: gold 20万元, silver 10万元, nomination 5万元; 瀍河 第二十条: 10万元', () => {
    expect(prizeOf(chaoyang, 'gold')?.amount).toBe(200000);
    expect(prizeOf(chaoyang, 'silver')?.amount).toBe(100000);
    expect(prizeOf(chaoyang, 'nomination')?.amount).toBe(50000);
    expect(prizeOf(chanhe, 'award')).toEqual({ amount: 100000, currency: 'CNY', article: '第二十条' });
  });

  it('济南 第十九条, 淄博 第二十四条: the amount is set elsewhere, recorded as null rather than guessed', () => {
    expect(prizeOf(jinan, 'award')).toMatchObject({ amount: null, article: '第十九条' });
    expect(prizeOf(zibo, 'leader')?.amount).toBeNull();
  });

  it('忻州 第二十八条 and 瀍河 第二十八条: a revocation that recovers the prize names the amount paid; 瀍河 第二十九条 recovers none', () => {
    const awardedXinzhou = [...beforeAward(xinzhou), ...given(xinzhou, beforeAward(xinzhou)).when(award('award')).events()];
    expect(given(xinzhou, awardedXinzhou).when(cmd({ type: 'revoke', ground: 'fraud', ...at('2026-01-05') } as never)).events()[0]).toMatchObject({
      data: { article: '第二十八条(一)', recovers: expect.arrayContaining(['prize-money']), prizeToRecover: { amount: 200000, currency: 'CNY' } },
    });
    const awardedChanhe = [...beforeAward(chanhe), ...given(chanhe, beforeAward(chanhe)).when(award('award')).events()];
    expect(given(chanhe, awardedChanhe).when(cmd({ type: 'revoke', ground: 'fraud', ...at('2026-01-05') } as never)).events()[0]).toMatchObject({
      data: { article: '第二十八条', prizeToRecover: { amount: 100000 } },
    });
    const accident = given(chanhe, awardedChanhe).when(cmd({ type: 'revoke', ground: 'major-accident-within-2y', ...at('2026-01-05') } as never)).events()[0];
    expect(accident).toMatchObject({ data: { article: '第二十九条' } });
    expect((accident as Extract<ApplicationEvent, { type: 'ApplicationRevoked' }>).data.prizeToRecover).toBeUndefined();
  });
});
