import { IllegalTransitionError, RuleViolationError } from '../errors.js';
import { fixturePolicy as policy } from './test-fixtures.js';
import { APP, cmd, ev, given, historyTo } from './spec-helpers.js';
import { acceptedCommands } from './decide.js';
import type { ApplicationEvent } from './events.js';

const awarded = [...historyTo(policy, 'publicized'), ev.publicityClosed(2), ev.awarded('gold', '2025-06-20')];
const at = (date: string) => ({ now: `${date}T02:00:00.000Z`, occurredOn: date });

describe('when awarded', () => {
  // 'object': a late objection is still recorded, as not admitted (朝阳 第二十条).
  it('lists revoke, object and annual reports, nothing of the review', () => {
    expect(acceptedCommands(policy, given(policy, awarded).state.snapshot)).toEqual(['revoke', 'object', 'file-annual-report']);
  });

  // 朝阳 第二十条: after the publicity period an objection is not admitted; the award stands.
  it('records an objection after the award as not admitted', () => {
    const objector = { anonymous: false, name: '张三', consentToDisclose: false };
    const out = given(policy, awarded).when(cmd({ type: 'object', objectionId: 'late-1', objector, grounds: '获奖后举报', evidenceProvided: true, ...at('2025-07-01') } as never)).events();
    expect(out).toEqual([expect.objectContaining({ type: 'ObjectionNotAdmitted', data: expect.objectContaining({ withinPublicity: false, refusal: expect.objectContaining({ article: '第二十条', field: 'receivedOn' }) }) })]);
    expect(given(policy, [...awarded, ...out]).state.state).toBe('awarded');
  });

  it('is not withdrawn any more', () => {
    given(policy, awarded).when(cmd({ type: 'withdraw', reason: 'x' })).thenThrows(IllegalTransitionError, { currentState: 'awarded' });
  });

  it('is revoked on a ground of the policy, with what it recovers', () => {
    given(policy, awarded).when(cmd({ type: 'revoke', ground: 'fraud', ...at('2030-01-05') } as never)).then([
      { type: 'ApplicationRevoked', data: { applicationId: APP, ground: 'fraud', article: '第二十七条', recovers: ['prize-money', 'certificate'], publicNotice: true, revokedOn: '2030-01-05' } },
    ]);
  });

  it('refuses a ground the policy does not have', () => {
    given(policy, awarded).when(cmd({ type: 'revoke', ground: 'bad-mood' } as never)).thenThrows(RuleViolationError, {
      field: 'ground',
      rule: { article: '第二十七条、第三十六条' },
    });
  });

  // 朝阳 第三十六条: grounds within 3 years after the award (瀍河 第二十九条: 2 years).
  it('refuses a windowed ground that arose after the window', () => {
    given(policy, awarded).when(cmd({ type: 'revoke', ground: 'major-accident', ...at('2028-06-20') } as never)).thenThrows(RuleViolationError, {
      rule: { article: '第三十六条' },
      field: 'revokedOn',
    });
    expect(given(policy, awarded).when(cmd({ type: 'revoke', ground: 'major-accident', ...at('2028-06-19') } as never)).events()).toHaveLength(1);
  });

  // 朝阳 第三十六条 "获奖后3年内如发生": the incident date counts, the decision may come later.
  it('counts the window from the incident where given', () => {
    const late = cmd({ type: 'revoke', ground: 'major-accident', incidentOn: '2028-05-01', ...at('2028-09-01') } as never);
    expect(given(policy, awarded).when(late).events()[0]).toMatchObject({ data: { incidentOn: '2028-05-01', revokedOn: '2028-09-01' } });
  });

  // 瀍河 第二十四条: a report each year for 3 years after the award.
  it('files annual reports for the years after the award, once each', () => {
    given(policy, awarded).when(cmd({ type: 'file-annual-report', year: 2026, ...at('2026-03-01') } as never)).then([
      { type: 'AnnualReportFiled', data: { applicationId: APP, year: 2026, filedOn: '2026-03-01' } },
    ]);
    const filed = [...awarded, { type: 'AnnualReportFiled', data: { applicationId: APP, year: 2026, filedOn: '2026-03-01' } } as ApplicationEvent];
    given(policy, filed).when(cmd({ type: 'file-annual-report', year: 2026, ...at('2026-04-01') } as never)).thenThrows(RuleViolationError, {
      rule: { article: '第二十四条' },
      field: 'year',
    });
    given(policy, awarded).when(cmd({ type: 'file-annual-report', year: 2029, ...at('2026-03-01') } as never)).thenThrows(RuleViolationError, { field: 'year' });
  });

  it('refuses annual reports where the programme has none', () => {
    const none = { ...policy, postAward: undefined };
    const state = given(none, awarded);
    expect(acceptedCommands(none, state.state.snapshot)).toEqual(['revoke', 'object']);
    state.when(cmd({ type: 'file-annual-report', year: 2026, ...at('2026-03-01') } as never)).thenThrows(IllegalTransitionError);
  });
});

describe('when revoked', () => {
  it('is final', () => {
    const revoked = [...awarded, { type: 'ApplicationRevoked', data: { applicationId: APP, ground: 'fraud', article: '第二十七条', recovers: [], publicNotice: true, revokedOn: '2026-01-05' } } as ApplicationEvent];
    const state = given(policy, revoked);
    expect(state.state.state).toBe('revoked');
    expect(state.state.snapshot.status).toBe('done');
    state.when(cmd({ type: 'revoke', ground: 'fraud' } as never)).thenThrows(IllegalTransitionError);
  });
});

describe('when not awarded yet', () => {
  // Revocation only after the award.
  it('refuses revocation with the article', () => {
    given(policy, historyTo(policy, 'proposed')).when(cmd({ type: 'revoke', ground: 'fraud' } as never)).thenThrows(RuleViolationError, {
      rule: { article: '第二十七条、第三十六条' },
    });
  });
});
