/**
 * The scheduler's commands on an awarded application: an overdue annual report (瀍河 第二十四条)
 * and the close of a revocation window (瀍河 第二十九条, 朝阳 第三十六条). Each is refused before
 * its instant (24:00 Asia/Shanghai of the last day) and agrees with the revocation rule's dates.
 */
import { InvalidInputError, RuleViolationError } from '../errors.js';
import { fixturePolicy as policy } from './test-fixtures.js';
import { APP, cmd, ev, given, historyTo } from './spec-helpers.js';
import type { ApplicationEvent } from './events.js';
import { annualReportDueDate, revocationWindowLastDay } from './rules.js';

// Award decided on 2025-06-20: the 3-year window's last day is 2028-06-19.
const awarded: ApplicationEvent[] = [...historyTo(policy, 'publicized'), ev.publicityClosed(2), ev.awarded('gold', '2025-06-20')];
const filed = (year: number, on: string): ApplicationEvent => ({ type: 'AnnualReportFiled', data: { applicationId: APP, year, filedOn: on } });

describe('when awarded, annual reports (瀍河 第二十四条)', () => {
  it('are due on each anniversary of the decision', () => {
    expect([1, 2, 3].map((k) => annualReportDueDate('2025-06-20', k))).toEqual(['2026-06-20', '2027-06-20', '2028-06-20']);
  });

  it('records the first report overdue at 24:00 of its due day, not a moment before', () => {
    const early = cmd({ type: 'annual-report-overdue', report: 1, now: '2026-06-20T15:59:59.999Z', occurredOn: '2026-06-20' } as never);
    given(policy, awarded).when(early).thenThrows(RuleViolationError, { rule: { article: '第二十四条' } });
    const due = cmd({ type: 'annual-report-overdue', report: 1, now: '2026-06-20T16:00:00.000Z', occurredOn: '2026-06-20' } as never);
    given(policy, awarded).when(due).then([
      { type: 'AnnualReportOverdue', data: { applicationId: APP, report: 1, dueDate: '2026-06-20', overdueOn: '2026-06-20' } },
    ]);
  });

  it('records nothing once the report is filed', () => {
    const command = cmd({ type: 'annual-report-overdue', report: 1, now: '2026-07-01T02:00:00.000Z', occurredOn: '2026-07-01' } as never);
    given(policy, [...awarded, filed(2026, '2026-05-01')]).when(command).then([]);
  });

  it('still accepts the late report after it was recorded overdue', () => {
    const overdue: ApplicationEvent = { type: 'AnnualReportOverdue', data: { applicationId: APP, report: 1, dueDate: '2026-06-20', overdueOn: '2026-06-20' } };
    const late = cmd({ type: 'file-annual-report', year: 2026, now: '2026-07-01T02:00:00.000Z', occurredOn: '2026-07-01' } as never);
    expect(given(policy, [...awarded, overdue]).when(late).events()).toHaveLength(1);
  });

  it('refuses a report number the rule does not have', () => {
    const command = cmd({ type: 'annual-report-overdue', report: 4, now: '2030-01-01T02:00:00.000Z', occurredOn: '2030-01-01' } as never);
    given(policy, awarded).when(command).thenThrows(InvalidInputError, { field: 'report' });
  });
});

describe('when awarded, the revocation window (朝阳 第三十六条)', () => {
  it('closes at 24:00 of the day before the anniversary, as the revocation rule counts', () => {
    expect(revocationWindowLastDay('2025-06-20', 3)).toBe('2028-06-19');
    const early = cmd({ type: 'close-revocation-window', windowYears: 3, now: '2028-06-19T15:59:59.000Z', occurredOn: '2028-06-19' } as never);
    given(policy, awarded).when(early).thenThrows(RuleViolationError, { rule: { article: '第三十六条' } });
    const due = cmd({ type: 'close-revocation-window', windowYears: 3, now: '2028-06-19T16:00:00.000Z', occurredOn: '2028-06-19' } as never);
    given(policy, awarded).when(due).then([
      {
        type: 'RevocationWindowClosed',
        data: { applicationId: APP, windowYears: 3, grounds: ['major-accident'], lastDay: '2028-06-19', closedOn: '2028-06-19' },
      },
    ]);
  });

  it('after it closed, refuses the windowed ground for a later incident and keeps the others', () => {
    const closed: ApplicationEvent = {
      type: 'RevocationWindowClosed',
      data: { applicationId: APP, windowYears: 3, grounds: ['major-accident'], lastDay: '2028-06-19', closedOn: '2028-06-19' },
    };
    const history = [...awarded, closed];
    const at = (date: string) => ({ now: `${date}T02:00:00.000Z`, occurredOn: date });
    given(policy, history).when(cmd({ type: 'revoke', ground: 'major-accident', ...at('2028-06-20') } as never)).thenThrows(RuleViolationError, {
      rule: { article: '第三十六条' },
    });
    // An incident on the last day of the window still supports the ground (获奖后3年内如发生).
    const inside = cmd({ type: 'revoke', ground: 'major-accident', incidentOn: '2028-06-19', ...at('2028-07-01') } as never);
    expect(given(policy, history).when(inside).events()).toHaveLength(1);
    expect(given(policy, history).when(cmd({ type: 'revoke', ground: 'fraud', ...at('2029-01-01') } as never)).events()).toHaveLength(1);
  });

  it('refuses a window no ground has', () => {
    const command = cmd({ type: 'close-revocation-window', windowYears: 7, now: '2033-01-01T02:00:00.000Z', occurredOn: '2033-01-01' } as never);
    given(policy, awarded).when(command).thenThrows(InvalidInputError, { field: 'windowYears' });
  });
});
