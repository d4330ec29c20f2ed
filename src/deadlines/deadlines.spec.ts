/**
 * Deadlines end to end below HTTP: the award service, the projection engine with the deadlines
 * index and the scheduler on SQLite, with a manual clock. Real calendar cases, objections,
 * post-award duties, the supervision group, and two schedulers on one store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../clock/clock.js';
import { closeRound, ctx } from '../awards/test-support.js';
import { deadlineEventId } from '../../projections/deadlines.js';
import { termStreamId } from '../../workflows/term/events.js';
import { type Stack, startStack, toPublicity } from './testing.js';

const ZIBO_2025 = { year: 2025, noticeDate: '2025-05-05', applicationDeadline: '2025-06-30', reviewOn: '2025-09-01' };

describe('deadline scheduler with the award service', () => {
  let stack: Stack;
  afterEach(async () => {
    await stack?.stop();
  });

  describe('real calendar: 5 working days of publicity (淄博 第十八条)', () => {
    /*
     * 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号): 国庆节、中秋节 10月1日至8日放假
     * 调休共8天; 9月28日(周日)、10月11日(周六)上班. Publicity from Friday 2025-09-26: 09-26, 09-28 (worked
     * Sunday), 09-29, 09-30, then 10-09 → the last day is 2025-10-09, ending 24:00 Shanghai = 16:00Z.
     */
    it('starting 2025-09-26 closes at 24:00 Shanghai of 2025-10-09, not a minute before', async () => {
      stack = await startStack('2025-09-26T02:00:00Z');
      const app = await toPublicity(stack, 'zibo-leader', { ...ZIBO_2025, publicityStart: '2025-09-26' });
      expect((await stack.service.getTerm(app.termId)).publicity[0]).toMatchObject({ endDate: '2025-10-09', endsAt: '2025-10-09T16:00:00.000Z' });
      stack.scheduler.start();
      await stack.settle();
      stack.clock.set('2025-10-09T15:59:00Z'); // 23:59 in Shanghai
      await stack.settle();
      expect((await stack.service.getApplication(app.applicationId)).state).toBe('publicized');

      stack.clock.set('2025-10-09T16:00:00Z');
      await stack.settle();
      const view = await stack.service.getApplication(app.applicationId);
      expect(view.state).toBe(app.stateAfterPublicity);
      const closed = (await stack.events(app.applicationId)).filter((e) => e.type === 'PublicityClosed');
      expect(closed).toHaveLength(1);
      expect(closed[0]).toMatchObject({
        id: deadlineEventId(`publicity-end:${app.applicationId}:1`),
        data: { round: 1, closedOn: '2025-10-09' },
        metadata: { actor: { sub: 'system:scheduler', name: '期限调度', roles: [] }, occurredAt: '2025-10-09', recordedAt: '2025-10-09T16:00:00.000Z' },
      });
    });

    /*
     * 国务院办公厅关于2026年部分节假日安排的通知: 春节 2月15日（农历腊月二十八）至23日放假调休共9天;
     * 2月14日(周六)、2月28日(周六)上班. Publicity from Friday 2026-02-13: 02-13, 02-14 (worked
     * Saturday), 02-24, 02-25, 02-26 → the last day is 2026-02-26.
     */
    it('starting 2026-02-13 (before Spring Festival) closes at 24:00 Shanghai of 2026-02-26', async () => {
      stack = await startStack('2026-02-13T02:00:00Z');
      const app = await toPublicity(stack, 'zibo-leader', {
        year: 2026, noticeDate: '2026-01-05', applicationDeadline: '2026-01-20', reviewOn: '2026-02-02', publicityStart: '2026-02-13',
      });
      stack.scheduler.start();
      stack.clock.set('2026-02-26T15:59:00Z');
      await stack.settle();
      expect((await stack.service.getApplication(app.applicationId)).state).toBe('publicized');
      stack.clock.set('2026-02-26T16:00:00Z');
      await stack.settle();
      expect((await stack.service.getApplication(app.applicationId)).state).toBe(app.stateAfterPublicity);
    });
  });

  describe('objections (朝阳 第二十条–第二十三条)', () => {
    const CHAOYANG = { year: 2025, noticeDate: '2025-05-05', applicationDeadline: '2025-06-30', reviewOn: '2025-09-01', publicityStart: '2025-09-01' };
    const objector = { anonymous: false, name: '张三', contact: '138', consentToDisclose: false };

    it('keeps the round open while an objection is pending and closes it once the objection is dismissed', async () => {
      stack = await startStack('2025-09-02T02:00:00Z');
      const app = await toPublicity(stack, 'chaoyang-mayor', CHAOYANG); // 7 days: 09-01 … 09-07
      stack.scheduler.start();
      await stack.service.applicationCommand(app.applicationId, { type: 'object', objectionId: 'o1', objector, grounds: '数据不实', evidenceProvided: true }, ctx('2025-09-02'));
      await stack.service.applicationCommand(app.applicationId, { type: 'objection-decision', objectionId: 'o1', decision: 'accept' }, ctx('2025-09-02'));
      stack.clock.set('2025-09-08T02:00:00Z');
      await stack.settle();
      expect((await stack.service.getApplication(app.applicationId)).state).toBe('objected');

      await stack.service.applicationCommand(
        app.applicationId,
        { type: 'objection-decision', objectionId: 'o1', decision: 'dismiss', reason: '经核查不实' },
        ctx('2025-09-08'),
      );
      await stack.settle();
      expect((await stack.service.getApplication(app.applicationId)).state).toBe(app.stateAfterPublicity);
      const closed = (await stack.events(app.applicationId)).find((e) => e.type === 'PublicityClosed')!;
      // Its business date is the day the objection was settled, not the (earlier) last day.
      expect(closed.metadata.occurredAt).toBe('2025-09-08');
    });

    // 朝阳 第二十三条: an applicant that does not answer in time is taken to admit the objection.
    it('applies the default of 5 working days to a request for evidence and, once missed, upholds the objection', async () => {
      stack = await startStack('2025-09-02T02:00:00Z');
      const app = await toPublicity(stack, 'chaoyang-mayor', CHAOYANG);
      stack.scheduler.start();
      const { applicationId } = app;
      await stack.service.applicationCommand(applicationId, { type: 'object', objectionId: 'o1', objector, grounds: '数据不实', evidenceProvided: true }, ctx('2025-09-02'));
      await stack.service.applicationCommand(applicationId, { type: 'objection-decision', objectionId: 'o1', decision: 'accept' }, ctx('2025-09-02'));
      await stack.service.applicationCommand(applicationId, { type: 'objection-decision', objectionId: 'o1', decision: 'request-evidence', from: 'applicant' }, ctx('2025-09-02'));
      const requested = (await stack.events(applicationId)).find((e) => e.type === 'ObjectionEvidenceRequested')!;
      // Tue 09-02 + 5 working days: 09-03, 04, 05, 08, 09.
      expect(requested.data).toMatchObject({ deadline: '2025-09-09', deadlineId: 'o1/applicant/1' });

      stack.clock.set('2025-09-09T15:59:59Z');
      await stack.settle();
      expect((await stack.service.getApplication(applicationId)).state).toBe('objected');
      stack.clock.set('2025-09-09T16:00:00Z');
      await stack.settle();
      expect((await stack.service.getApplication(applicationId)).state).toBe('disqualified');
      const types = (await stack.events(applicationId)).map((e) => e.type);
      expect(types.slice(-2)).toEqual(['ObjectionEvidenceDeadlineMissed', 'ObjectionUpheld']);
      expect((await stack.events(applicationId)).find((e) => e.type === 'ObjectionEvidenceDeadlineMissed')!.id).toBe(
        deadlineEventId(`objection-evidence:${applicationId}:o1/applicant/1`),
      );
    });
  });

  describe('after the award', () => {
    // 瀍河 第二十四条 (reports), 第二十九条 (2-year window).
    it('records a missing annual report overdue, counts a late filing, and closes the revocation window', async () => {
      stack = await startStack('2025-09-01T02:00:00Z');
      const app = await toPublicity(stack, 'chanhe-district', { ...ZIBO_2025, publicityStart: '2025-09-01' });
      const { applicationId } = app;
      await closeRound(stack.store, applicationId, 1, '2025-09-08');
      stack.clock.set('2025-11-20T02:00:00Z');
      await stack.service.approve(app.termId, { decisionDate: '2025-11-20', documentNo: '瀍政〔2025〕1号' }, ctx('2025-11-20'));
      stack.scheduler.start();

      stack.clock.set('2026-11-20T16:00:00Z');
      await stack.settle();
      expect((await stack.events(applicationId)).filter((e) => e.type === 'AnnualReportOverdue').map((e) => e.data)).toEqual([
        { applicationId, report: 1, dueDate: '2026-11-20', overdueOn: '2026-11-20' },
      ]);
      await stack.service.applicationCommand(applicationId, { type: 'file-annual-report', year: 2026 }, ctx('2026-11-21'));

      stack.clock.set('2027-11-19T16:00:00Z');
      await stack.settle();
      const closed = (await stack.events(applicationId)).find((e) => e.type === 'RevocationWindowClosed')!;
      expect(closed).toMatchObject({ data: { windowYears: 2, grounds: ['major-accident-within-2y'], lastDay: '2027-11-19' } });
      await expect(
        stack.service.applicationCommand(applicationId, { type: 'revoke', ground: 'major-accident-within-2y' }, ctx('2027-11-20')),
      ).rejects.toMatchObject({ code: 'RULE_VIOLATION', rule: { article: '第二十九条' } });
    });

    // 淄博 第十二条: the supervision group's work ends with its term.
    it('dissolves the supervision group at 24:00 of the approval day', async () => {
      stack = await startStack('2025-09-26T02:00:00Z');
      const app = await toPublicity(stack, 'zibo-leader', { ...ZIBO_2025, publicityStart: '2025-09-26' });
      stack.clock.set('2025-10-20T02:00:00Z');
      await stack.service.approve(app.termId, { decisionDate: '2025-10-20', documentNo: '淄政字〔2025〕1号' }, ctx('2025-10-20'));
      stack.scheduler.start();
      stack.clock.set('2025-10-20T15:00:00Z');
      await stack.settle();
      const before = await stack.store.readStream(termStreamId(app.termId));
      expect(before.map((e) => e.type)).not.toContain('SupervisionGroupDissolved');
      stack.clock.set('2025-10-20T16:00:00Z');
      await stack.settle();
      const events = await stack.store.readStream(termStreamId(app.termId));
      expect(events.filter((e) => e.type === 'SupervisionGroupDissolved')).toEqual([
        expect.objectContaining({ data: { termId: app.termId, programmeId: 'zibo-leader', article: '第十二条', dissolvedOn: '2025-10-20' } }),
      ]);
    });
  });

  describe('recovery', () => {
    it('a second fire of the same deadline appends nothing (retry, restart, stale index)', async () => {
      stack = await startStack('2025-09-26T02:00:00Z');
      const app = await toPublicity(stack, 'zibo-leader', { ...ZIBO_2025, publicityStart: '2025-09-26' });
      stack.clock.set('2025-10-10T02:00:00Z');
      await stack.runner.waitFor('deadlines', await stack.store.headPosition(), 5000);
      const { due } = await stack.index.due(stack.clock.now());
      expect(due.map((d) => d.kind)).toEqual(['publicity-end']);
      expect(await stack.firer.fire(due[0]!)).toBe('fired');
      expect(await stack.firer.fire(due[0]!)).toBe('already-fired');
      expect((await stack.events(app.applicationId)).filter((e) => e.type === 'PublicityClosed')).toHaveLength(1);
    });
  });

  describe('two schedulers on one store', () => {
    let dir: string;
    let other: Stack | undefined;
    afterEach(async () => {
      await other?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('fire each deadline once', async () => {
      dir = mkdtempSync(join(tmpdir(), 'deadlines-'));
      const file = join(dir, 'events.db');
      const clock = new ManualClock('2025-09-26T02:00:00Z');
      stack = await startStack('', file, clock);
      other = await startStack('', file, clock);
      const app = await toPublicity(stack, 'zibo-leader', { ...ZIBO_2025, publicityStart: '2025-09-26' });
      stack.scheduler.start();
      other.scheduler.start();
      clock.set('2025-10-10T00:00:00Z');
      await Promise.all([stack.settle(), other.settle()]);
      await Promise.all([stack.settle(), other.settle()]);
      const closed = (await stack.events(app.applicationId)).filter((e) => e.type === 'PublicityClosed');
      expect(closed).toHaveLength(1);
      expect((await stack.service.getApplication(app.applicationId)).state).toBe(app.stateAfterPublicity);
    });
  });
});
