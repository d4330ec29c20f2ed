/**
 * The deadlines index: given events → deadlines with their status. Pure (projectInMemory); the
 * last case runs the same events through the engine (projectionSpec) to show both agree.
 */
import type { StoredEvent } from '../src/event-store/event-store.port.js';
import { projectionSpec } from '../src/projections/testing/projection-spec.js';
import { PolicyRegistry, builtInPolicyDirectory } from '../workflows/policy/registry.js';
import { createDeadlinesProjection, deadlineEventId, type Deadline, type DeadlineStreamDoc } from './deadlines.js';
import { projectInMemory } from './projection.js';

const registry = PolicyRegistry.fromDirectories([builtInPolicyDirectory()]);
const projection = createDeadlinesProjection((p, v) => registry.get(p, v));

const APP = 'a1';
const APP_STREAM = `application-${APP}`;

let position = 0;
function stored(type: string, data: Record<string, unknown>, streamId = APP_STREAM, occurredAt = '2025-10-01'): StoredEvent {
  position += 1;
  return {
    id: `e${position}`,
    type,
    data,
    metadata: {
      actor: { sub: 't', name: 't', roles: ['office'] },
      occurredAt,
      recordedAt: `${occurredAt}T02:00:00.000Z`,
      commandId: `c${position}`,
      correlationId: `c${position}`,
      causationId: `c${position}`,
      schemaVersion: 1,
    },
    streamId,
    revision: position,
    position,
    hash: 'x',
  };
}

const submitted = (programmeId = 'chaoyang-mayor', policyVersion = '2022', termId = 'chaoyang-mayor-2025') =>
  stored('ApplicationSubmitted', { applicationId: APP, termId, programmeId, policyVersion, submittedOn: '2025-05-10' });
const publicity = (round = 1, endDate = '2025-10-07') =>
  stored('PublicityStarted', { applicationId: APP, round, list: 'proposed', startDate: '2025-10-01', endDate, endsAt: `${endDate}T16:00:00.000Z` });
const objection = (objectionId: string, round = 1) => stored('ObjectionReceived', { applicationId: APP, objectionId, round });

function deadlines(events: StoredEvent[], key = APP_STREAM): Deadline[] {
  return projectInMemory(projection, events).get(key)?.deadlines ?? [];
}
function doc(events: StoredEvent[], key = APP_STREAM): DeadlineStreamDoc | undefined {
  return projectInMemory(projection, events).get(key);
}

describe('deadlines projection', () => {
  describe('when a publicity round starts', () => {
    it('schedules its end at 24:00 Asia/Shanghai of the last day, with the fire event id derived from the deadline id', () => {
      const [end] = deadlines([submitted(), publicity()]);
      expect(end).toMatchObject({
        id: `publicity-end:${APP}:1`,
        kind: 'publicity-end',
        status: 'pending',
        programmeId: 'chaoyang-mayor',
        termId: 'chaoyang-mayor-2025',
        applicationId: APP,
        dueDate: '2025-10-07',
        dueAt: '2025-10-07T16:00:00.000Z',
        action: { command: 'close-publicity', round: 1 },
        article: '第十七条(八)',
        blockedBy: [],
      });
      expect(end!.eventId).toBe(deadlineEventId(`publicity-end:${APP}:1`));
      expect(doc([submitted(), publicity()])).toMatchObject({ open: true, fireable: true, nextDueAt: '2025-10-07T16:00:00.000Z' });
    });

    it('is fulfilled by PublicityClosed of that round, whoever appended it', () => {
      const events = [submitted(), publicity(), stored('PublicityClosed', { applicationId: APP, round: 1, closedOn: '2025-10-08' })];
      expect(deadlines(events)[0]).toMatchObject({ status: 'fulfilled', settled: { by: 'PublicityClosed', on: '2025-10-08' } });
      expect(doc(events)).toMatchObject({ open: false, fireable: false, nextDueAt: null });
    });

    it('is held by an open objection and freed once it is settled', () => {
      const held = [submitted(), publicity(), objection('o1'), objection('o2')];
      expect(deadlines(held)[0]).toMatchObject({ status: 'pending', blockedBy: ['o1', 'o2'] });
      expect(doc(held)).toMatchObject({ open: true, fireable: false, nextDueAt: null });
      const settled = [
        ...held,
        stored('ObjectionRefused', { applicationId: APP, objectionId: 'o1', reason: 'x', refusedOn: '2025-10-03' }),
        stored('ObjectionDismissed', { applicationId: APP, objectionId: 'o2', decidedBy: 'committee', reason: 'x', decidedOn: '2025-10-09' }),
      ];
      expect(deadlines(settled)[0]).toMatchObject({ status: 'pending', blockedBy: [] });
      expect(doc(settled)).toMatchObject({ fireable: true, nextDueAt: '2025-10-07T16:00:00.000Z' });
    });

    // 朝阳 第二十条: an objection recorded as not admitted is not open: the round ends on time.
    it('is not held by an objection recorded as not admitted', () => {
      const notAdmitted = stored('ObjectionNotAdmitted', {
        applicationId: APP, objectionId: 'o9', round: 1, receivedOn: '2025-10-02', withinPublicity: true, evidenceProvided: false,
        objector: { anonymous: true, consentToDisclose: false }, refusal: { reason: 'x', article: '第二十条、第二十一条', field: 'objector.anonymous' },
      });
      const events = [submitted(), publicity(), notAdmitted];
      expect(deadlines(events)[0]).toMatchObject({ status: 'pending', blockedBy: [] });
      expect(doc(events)).toMatchObject({ fireable: true, nextDueAt: '2025-10-07T16:00:00.000Z' });
      expect(doc(events)!.openObjections).toEqual([]);
    });

    it('is cancelled when an upheld objection disqualifies the application', () => {
      const events = [submitted(), publicity(), objection('o1'), stored('ObjectionUpheld', { applicationId: APP, objectionId: 'o1', decidedBy: 'committee', reason: 'x', decidedOn: '2025-10-05' }), stored('ApplicationDisqualified', { applicationId: APP, reason: 'x', article: 'x', disqualifiedOn: '2025-10-05' })];
      expect(deadlines(events)[0]).toMatchObject({ status: 'cancelled', blockedBy: [] });
    });

    // 忻州 第十八、十九条: two rounds, each with its own deadline.
    it('keeps one deadline per round', () => {
      const events = [
        submitted('xinzhou-mayor', '2021', 'xinzhou-mayor-2025'),
        publicity(1, '2025-09-08'),
        stored('PublicityClosed', { applicationId: APP, round: 1, closedOn: '2025-09-08' }),
        publicity(2, '2025-10-15'),
      ];
      expect(deadlines(events).map((x) => [x.id, x.status, x.article])).toEqual([
        [`publicity-end:${APP}:1`, 'fulfilled', '第十八条'],
        [`publicity-end:${APP}:2`, 'pending', '第十九条'],
      ]);
    });
  });

  // 朝阳 第二十二、二十三条
  describe('when evidence is requested on an objection', () => {
    const requested = (from: string, deadline = '2025-10-10', n = 1) =>
      stored('ObjectionEvidenceRequested', { applicationId: APP, objectionId: 'o1', from, deadline, deadlineId: `o1/${from}/${n}`, requestedOn: '2025-10-03' });

    it('schedules the answer with the consequence of missing it', () => {
      const events = [submitted(), publicity(), objection('o1'), requested('applicant')];
      expect(deadlines(events)[1]).toMatchObject({
        id: `objection-evidence:${APP}:o1/applicant/1`,
        dueAt: '2025-10-10T16:00:00.000Z',
        action: { command: 'evidence-deadline-missed', objectionId: 'o1', deadlineId: 'o1/applicant/1', from: 'applicant' },
        article: '第二十二条、第二十三条',
        consequence: expect.stringContaining('ObjectionUpheld'),
      });
    });

    it('is fulfilled by the evidence of that party, not of another', () => {
      const events = [submitted(), publicity(), objection('o1'), requested('applicant'), requested('objector'), stored('ObjectionEvidenceRecorded', { applicationId: APP, objectionId: 'o1', from: 'objector', summary: 's', recordedOn: '2025-10-05' })];
      expect(deadlines(events).slice(1).map((x) => x.status)).toEqual(['pending', 'fulfilled']);
    });

    it('is fulfilled by ObjectionEvidenceDeadlineMissed and cancelled when the objection is settled', () => {
      const missed = [submitted(), publicity(), objection('o1'), requested('recommender'), stored('ObjectionEvidenceDeadlineMissed', { applicationId: APP, objectionId: 'o1', from: 'recommender', deadlineId: 'o1/recommender/1', missedOn: '2025-10-10' })];
      expect(deadlines(missed)[1]).toMatchObject({ status: 'fulfilled', settled: { by: 'ObjectionEvidenceDeadlineMissed' } });
      const settled = [submitted(), publicity(), objection('o1'), requested('objector'), stored('ObjectionDismissed', { applicationId: APP, objectionId: 'o1', decidedBy: 'committee', reason: 'x', decidedOn: '2025-10-06' })];
      expect(deadlines(settled).map((x) => x.status)).toEqual(['pending', 'cancelled']);
    });
  });

  describe('when awarded', () => {
    const chanhe = () => submitted('chanhe-district', '2021', 'chanhe-district-2025');
    const awarded = (decisionDate = '2025-11-20') => stored('ApplicationAwarded', { applicationId: APP, tier: 'award', decisionDate, documentNo: 'x' });

    // 瀍河 第二十四条, 第二十九条
    it('schedules three annual reports on the anniversaries and the 2-year revocation window', () => {
      const events = [chanhe(), awarded()];
      expect(deadlines(events).map((x) => [x.id, x.dueDate, x.dueAt, x.article])).toEqual([
        [`annual-report:${APP}:1`, '2026-11-20', '2026-11-20T16:00:00.000Z', '第二十四条'],
        [`annual-report:${APP}:2`, '2027-11-20', '2027-11-20T16:00:00.000Z', '第二十四条'],
        [`annual-report:${APP}:3`, '2028-11-20', '2028-11-20T16:00:00.000Z', '第二十四条'],
        [`revocation-window:${APP}:2y`, '2027-11-19', '2027-11-19T16:00:00.000Z', '第二十九条'],
      ]);
    });

    it('marks a report overdue, and fulfilled (late) once filed; the n-th filing meets the n-th report', () => {
      const overdue = [chanhe(), awarded(), stored('AnnualReportOverdue', { applicationId: APP, report: 1, dueDate: '2026-11-20', overdueOn: '2026-11-20' })];
      expect(deadlines(overdue)[0]).toMatchObject({ status: 'overdue', overdueOn: '2026-11-20' });
      expect(doc(overdue)).toMatchObject({ open: true });
      const filed = [...overdue, stored('AnnualReportFiled', { applicationId: APP, year: 2026, filedOn: '2026-12-01' })];
      expect(deadlines(filed).slice(0, 2).map((x) => [x.status, x.settled?.late ?? false])).toEqual([
        ['fulfilled', true],
        ['pending', false],
      ]);
    });

    it('fulfils the window with RevocationWindowClosed and cancels every duty on revocation', () => {
      const closed = [chanhe(), awarded(), stored('RevocationWindowClosed', { applicationId: APP, windowYears: 2, grounds: ['major-accident'], lastDay: '2027-11-19', closedOn: '2027-11-19' })];
      expect(deadlines(closed)[3]).toMatchObject({ status: 'fulfilled' });
      const revoked = [chanhe(), awarded(), stored('ApplicationRevoked', { applicationId: APP, ground: 'fraud', article: '第二十八条', recovers: [], publicNotice: true, revokedOn: '2026-01-05' })];
      expect(deadlines(revoked).map((x) => x.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    });

    // 朝阳 第三十六条: 3 years; no annual reports in chaoyang.
    it('follows the policy: chaoyang has a 3-year window and no reports', () => {
      expect(deadlines([submitted(), awarded('2025-06-20')]).map((x) => [x.id, x.dueDate])).toEqual([[`revocation-window:${APP}:3y`, '2028-06-19']]);
    });
  });

  // 济南 第九条, 淄博 第十二条
  describe('when a term is approved', () => {
    const TERM = 'term-zibo-leader-2025';
    const opened = (programmeId = 'zibo-leader', policyVersion = '2021') =>
      stored('TermOpened', { termId: `${programmeId}-2025`, programmeId, policyVersion, year: 2025 }, `term-${programmeId}-2025`);
    const approved = (programmeId = 'zibo-leader') =>
      stored('TermApproved', { termId: `${programmeId}-2025`, decisionDate: '2025-11-20', documentNo: 'x', awarded: [], notAwarded: [] }, `term-${programmeId}-2025`);

    it('dissolves the supervision group at 24:00 of the decision day where it ends with the term', () => {
      expect(deadlines([opened(), approved()], TERM)).toEqual([
        expect.objectContaining({ id: 'supervision-term:zibo-leader-2025:dissolved', dueAt: '2025-11-20T16:00:00.000Z', article: '第十二条', applicationId: null, streamId: TERM }),
      ]);
      const done = [opened(), approved(), stored('SupervisionGroupDissolved', { termId: 'zibo-leader-2025', programmeId: 'zibo-leader', article: '第十二条', dissolvedOn: '2025-11-20' }, TERM)];
      expect(deadlines(done, TERM)[0]).toMatchObject({ status: 'fulfilled' });
    });

    it('schedules nothing where the policy does not say so (忻州)', () => {
      expect(deadlines([opened('xinzhou-mayor'), approved('xinzhou-mayor')], 'term-xinzhou-mayor-2025')).toEqual([]);
    });

    it('ignores the term copy of PublicityStarted', () => {
      expect(projection.keys(stored('PublicityStarted', { termId: 'x' }, TERM))).toEqual([]);
    });
  });

  it('gives the same documents through the engine', async () => {
    const chanheSubmitted = { type: 'ApplicationSubmitted', streamId: APP_STREAM, data: { applicationId: APP, termId: 'chanhe-district-2025', programmeId: 'chanhe-district', policyVersion: '2021' } };
    const docs = await projectionSpec(projection)
      .given(
        chanheSubmitted,
        { type: 'PublicityStarted', streamId: APP_STREAM, data: { applicationId: APP, round: 1, list: 'proposed', startDate: '2025-10-01', endDate: '2025-10-07', endsAt: '2025-10-07T16:00:00.000Z' } },
        { type: 'PublicityClosed', streamId: APP_STREAM, data: { applicationId: APP, round: 1, closedOn: '2025-10-07' } },
        { type: 'ApplicationAwarded', streamId: APP_STREAM, data: { applicationId: APP, tier: 'award', decisionDate: '2025-11-20', documentNo: 'x' } },
      )
      .documents();
    expect(docs[APP_STREAM]!.deadlines.map((x) => x.status)).toEqual(['fulfilled', 'pending', 'pending', 'pending', 'pending']);
  });
});
