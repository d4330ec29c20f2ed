import { projectionSpec } from '../src/projections/testing/projection-spec.js';
import type { GivenEvent } from '../src/projections/testing/test-events.js';
import { businessDateOf } from '../workflows/application/context.js';
import type { ApplicationEvent } from '../workflows/application/events.js';
import { APP, ev, historyTo } from '../workflows/application/spec-helpers.js';
import { fixturePolicy } from '../workflows/application/test-fixtures.js';
import { type ObjectionLogDoc, objectionLogProjection, objectionRows } from './objection-log.js';

const stored = (event: ApplicationEvent): GivenEvent => ({
  type: event.type,
  data: event.data as unknown as Record<string, unknown>,
  streamId: `application-${APP}`,
  recordedAt: `${businessDateOf(event) ?? '2025-03-01'}T02:00:00.000Z`,
});

async function logOf(events: ApplicationEvent[]): Promise<Record<string, ObjectionLogDoc>> {
  return projectionSpec(objectionLogProjection).given(...events.map(stored)).documents();
}

const upheld: ApplicationEvent = {
  type: 'ObjectionUpheld',
  data: { applicationId: APP, objectionId: 'obj-1', decidedBy: 'committee', reason: '数据不实属实', decidedOn: '2025-06-12' },
};
const recorded: ApplicationEvent = {
  type: 'ObjectionEvidenceRecorded',
  data: { applicationId: APP, objectionId: 'obj-1', from: 'applicant', summary: '申报单位提交了说明', recordedOn: '2025-06-09' },
};

describe('objection log projection', () => {
  describe('when an application has no objection', () => {
    it('holds the application and its publicity rounds, and lists no row', async () => {
      const docs = await logOf(historyTo(fixturePolicy, 'publicized'));
      expect(docs).toEqual({
        'application:app-1': {
          applicationId: APP,
          programmeId: 'fixture-award',
          policyVersion: '2024',
          termId: 'term-1',
          applicant: { kind: 'organisation', id: '91370100MA3C8XYZ1K', name: '某某有限公司' },
          publicityRounds: [
            { round: 1, list: 'candidate', startDate: '2025-05-08', endDate: '2025-05-14', endsAt: '2025-05-14T16:00:00.000Z', closedOn: '2025-05-15' },
            { round: 2, list: 'proposed', startDate: '2025-06-01', endDate: '2025-06-07', endsAt: '2025-06-07T16:00:00.000Z' },
          ],
          objections: [],
          lastRevision: 13,
        },
      });
      expect(objectionRows(Object.values(docs))).toEqual([]);
    });
  });

  describe('when an objection was received, accepted, evidence requested and recorded, then upheld (朝阳 第二十一至二十四条)', () => {
    const events = [...historyTo(fixturePolicy, 'objectionAccepted'), ev.evidenceRequested('applicant'), recorded, upheld];

    it('lists the objection with its round, period, deadlines, every step with who took it, and the outcome', async () => {
      const [row] = objectionRows(Object.values(await logOf(events)));
      expect(row).toMatchObject({
        applicationId: APP,
        programmeId: 'fixture-award',
        termId: 'term-1',
        objectionId: 'obj-1',
        round: 2,
        publicity: { list: 'proposed', startDate: '2025-06-01', endDate: '2025-06-07' },
        receivedOn: '2025-06-03',
        withinPublicity: true,
        status: 'upheld',
        grounds: '申报材料数据不实',
        deadlines: [{ deadlineId: 'obj-1/applicant/1', from: 'applicant', deadline: '2025-06-10', requestedOn: '2025-06-05', status: 'recorded', answeredOn: '2025-06-09', summary: '申报单位提交了说明' }],
        outcome: { result: 'upheld', decidedBy: 'committee', reason: '数据不实属实', on: '2025-06-12' },
      });
      expect(row!.steps.map((s) => [s.step, s.on])).toEqual([
        ['ObjectionReceived', '2025-06-03'],
        ['ObjectionAccepted', '2025-06-04'],
        ['ObjectionEvidenceRequested', '2025-06-05'],
        ['ObjectionEvidenceRecorded', '2025-06-09'],
        ['ObjectionUpheld', '2025-06-12'],
      ]);
      expect(row!.steps[0]!.by).toEqual({ sub: 'test', name: '测试', roles: ['admin'] });
    });

    it('keeps the objector as stored, for the read side to mask (朝阳 第二十五条)', async () => {
      const [row] = objectionRows(Object.values(await logOf(events)));
      expect(row!.objector).toEqual({ anonymous: false, name: '张三', contact: '13800000000', consentToDisclose: false });
    });

    it('filters by status and received date', async () => {
      const docs = Object.values(await logOf(events));
      expect(objectionRows(docs, { status: 'upheld' })).toHaveLength(1);
      expect(objectionRows(docs, { status: 'received' })).toHaveLength(0);
      expect(objectionRows(docs, { from: '2025-06-03', to: '2025-06-03' })).toHaveLength(1);
      expect(objectionRows(docs, { from: '2025-06-04' })).toHaveLength(0);
      expect(objectionRows(docs, { to: '2025-06-02' })).toHaveLength(0);
    });
  });

  describe('when the recommending body missed its deadline (朝阳 第二十二条)', () => {
    it('marks the deadline missed and the outcome as the applicant disqualified', async () => {
      const missed: ApplicationEvent = {
        type: 'ObjectionEvidenceDeadlineMissed',
        data: { applicationId: APP, objectionId: 'obj-1', from: 'recommender', deadlineId: 'obj-1/recommender/1', missedOn: '2025-06-11' },
      };
      const disqualified: ApplicationEvent = {
        type: 'ApplicationDisqualified',
        data: { applicationId: APP, reason: 'The recommending body did not report its verification in time', article: '第二十二条', objectionId: 'obj-1', disqualifiedOn: '2025-06-11' },
      };
      const events = [...historyTo(fixturePolicy, 'objectionAccepted'), ev.evidenceRequested('recommender'), missed, disqualified];
      const [row] = objectionRows(Object.values(await logOf(events)));
      expect(row!.deadlines).toEqual([expect.objectContaining({ from: 'recommender', status: 'missed' })]);
      expect(row!.outcome).toEqual({ result: 'applicant-disqualified', reason: expect.any(String), article: '第二十二条', on: '2025-06-11' });
    });
  });
});
