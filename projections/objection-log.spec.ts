import { projectionSpec } from '../src/projections/testing/projection-spec.js';
import type { GivenEvent } from '../src/projections/testing/test-events.js';
import { businessDateOf } from '../workflows/application/context.js';
import type { ApplicationEvent } from '../workflows/application/events.js';
import { APP, ev, historyTo } from '../workflows/application/spec-helpers.js';
import { fixturePolicy } from '../workflows/application/test-fixtures.js';
import {
  type ObjectionFilter,
  type ObjectionLogDoc,
  type ObjectionLogDocuments,
  type ObjectionScope,
  objectionLogProjection,
  objectionRows,
  readObjectionLog,
} from './objection-log.js';

const stored = (event: ApplicationEvent, applicationId = APP): GivenEvent => ({
  type: event.type,
  data: event.data as unknown as Record<string, unknown>,
  streamId: `application-${applicationId}`,
  recordedAt: `${businessDateOf(event) ?? '2025-03-01'}T02:00:00.000Z`,
});

/** The fixture history as another application's, in another term or programme if given. */
function asApplication(events: ApplicationEvent[], applicationId: string, over: { termId?: string; programmeId?: string } = {}): GivenEvent[] {
  return events.map((event) => {
    const data: Record<string, unknown> = { ...(event.data as unknown as Record<string, unknown>), applicationId };
    if (event.type === 'ApplicationSubmitted') Object.assign(data, over);
    return stored({ type: event.type, data } as unknown as ApplicationEvent, applicationId);
  });
}

/** Every document, through the engine (which projectionSpec checks against projectInMemory). */
async function docsOf(...events: GivenEvent[]): Promise<Record<string, ObjectionLogDoc>> {
  return projectionSpec(objectionLogProjection).given(...events).documents();
}

/** The documents as a query sees them (the store's index ranges, in index then key order), recording every key it reads. */
function documentsOf(docs: Record<string, ObjectionLogDoc>): ObjectionLogDocuments & { read: string[] } {
  const read: string[] = [];
  return {
    read,
    async list({ index }) {
      const found = Object.entries(docs)
        .map(([key, doc]) => ({ key, doc, value: objectionLogProjection.index!(doc) }))
        .filter(({ value }) => value !== null && (index.from === undefined || value >= index.from) && (index.to === undefined || value <= index.to))
        .sort((a, b) => (a.value! !== b.value! ? (a.value! < b.value! ? -1 : 1) : a.key < b.key ? -1 : 1));
      read.push(...found.map((f) => f.key));
      return found.map(({ key, doc }) => ({ key, doc }));
    },
  };
}

async function rowsOf(docs: Record<string, ObjectionLogDoc>, filter: ObjectionFilter = {}, scope: ObjectionScope = {}) {
  return objectionRows(await readObjectionLog(documentsOf(docs), scope, filter), filter);
}

const logOf = (events: ApplicationEvent[]) => docsOf(...events.map((event) => stored(event)));

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
    it('holds the application and its publicity rounds in its document, outside the index', async () => {
      const docs = await logOf(historyTo(fixturePolicy, 'publicized'));
      expect(docs).toEqual({
        'objections:app-1': {
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
      expect(objectionLogProjection.index!(docs['objections:app-1']!)).toBeNull();
      expect(await rowsOf(docs)).toEqual([]);
    });
  });

  describe('when the first objection is received', () => {
    it('adds the objection without its period (joined from the rounds when read) and indexes the document by programme and term', async () => {
      const docs = await logOf(historyTo(fixturePolicy, 'objected'));
      expect(Object.keys(docs)).toEqual(['objections:app-1']);
      expect(docs['objections:app-1']).toMatchObject({
        applicationId: APP,
        objections: [expect.objectContaining({ objectionId: 'obj-1', round: 2, status: 'received', receivedOn: '2025-06-03' })],
        lastRevision: 14,
      });
      expect(docs['objections:app-1']).not.toHaveProperty('objections.0.publicity');
      expect(objectionLogProjection.index!(docs['objections:app-1']!)).toBe('fixture-award/term-1');
      const [row] = await rowsOf(docs);
      expect(row).toMatchObject({ termId: 'term-1', programmeId: 'fixture-award', publicity: { list: 'proposed', startDate: '2025-06-01', endDate: '2025-06-07', endsAt: '2025-06-07T16:00:00.000Z' } });
      // Same fields, in the same order, as the log has always shown.
      expect(Object.keys(row!)).toEqual([
        'applicationId', 'programmeId', 'policyVersion', 'termId', 'applicant',
        'objectionId', 'round', 'publicity', 'receivedOn', 'receivedAt', 'withinPublicity', 'status',
        'objector', 'grounds', 'evidenceProvided', 'deadlines', 'steps', 'outcome',
      ]);
    });

    it('shows no publicity period for a round the application never had', async () => {
      const docs = await logOf([...historyTo(fixturePolicy, 'publicized'), ev.objection('obj-9', 7)]);
      expect((await rowsOf(docs))[0]).toMatchObject({ objectionId: 'obj-9', round: 7, publicity: null });
    });
  });

  describe('when an objection was received, accepted, evidence requested and recorded, then upheld (朝阳 第二十一至二十四条)', () => {
    const events = [...historyTo(fixturePolicy, 'objectionAccepted'), ev.evidenceRequested('applicant'), recorded, upheld];

    it('lists the objection with its round, period, deadlines, every step with who took it, and the outcome', async () => {
      const [row] = await rowsOf(await logOf(events));
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
      const [row] = await rowsOf(await logOf(events));
      expect(row!.objector).toEqual({ anonymous: false, name: '张三', contact: '13800000000', consentToDisclose: false });
    });

    it('filters by status and received date', async () => {
      const docs = await logOf(events);
      expect(await rowsOf(docs, { status: 'upheld' })).toHaveLength(1);
      expect(await rowsOf(docs, { status: 'received' })).toHaveLength(0);
      expect(await rowsOf(docs, { from: '2025-06-03', to: '2025-06-03' })).toHaveLength(1);
      expect(await rowsOf(docs, { from: '2025-06-04' })).toHaveLength(0);
      expect(await rowsOf(docs, { to: '2025-06-02' })).toHaveLength(0);
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
      const [row] = await rowsOf(await logOf(events));
      expect(row!.deadlines).toEqual([expect.objectContaining({ from: 'recommender', status: 'missed' })]);
      expect(row!.outcome).toEqual({ result: 'applicant-disqualified', reason: expect.any(String), article: '第二十二条', on: '2025-06-11' });
    });
  });

  // 朝阳 第二十条: not admitted, recorded; 朝阳 第二十五条: the objector kept as stored, masked at read.
  describe('when an objection is not admitted (朝阳 第二十条)', () => {
    const notAdmitted: ApplicationEvent = {
      type: 'ObjectionNotAdmitted',
      data: {
        applicationId: APP, objectionId: 'obj-na', round: 2, receivedOn: '2025-06-08', receivedAt: '2025-06-08T02:00:00.000Z',
        objector: { anonymous: false, name: '赵六', contact: '13700000000', consentToDisclose: false }, grounds: '逾期举报', evidenceProvided: true,
        withinPublicity: false, refusal: { reason: 'Objections after the publicity period are not accepted', article: '第二十条', field: 'receivedOn' },
      },
    };

    it('lists it with status not-admitted, whether it was within the period, the refusal with its article, and who recorded it', async () => {
      const [row] = await rowsOf(await logOf([...historyTo(fixturePolicy, 'publicized'), notAdmitted]));
      expect(row).toMatchObject({
        applicationId: APP,
        termId: 'term-1',
        objectionId: 'obj-na',
        round: 2,
        publicity: { list: 'proposed', startDate: '2025-06-01', endDate: '2025-06-07' },
        receivedOn: '2025-06-08',
        withinPublicity: false,
        status: 'not-admitted',
        objector: { anonymous: false, name: '赵六', contact: '13700000000', consentToDisclose: false },
        deadlines: [],
        outcome: { result: 'not-admitted', reason: 'Objections after the publicity period are not accepted', article: '第二十条', field: 'receivedOn', on: '2025-06-08' },
      });
      expect(row!.steps).toEqual([
        expect.objectContaining({ step: 'ObjectionNotAdmitted', on: '2025-06-08', by: { sub: 'test', name: '测试', roles: ['admin'] }, detail: { withinPublicity: false, evidenceProvided: true, article: '第二十条', field: 'receivedOn' } }),
      ]);
      expect(Object.keys(row!)).toEqual([
        'applicationId', 'programmeId', 'policyVersion', 'termId', 'applicant',
        'objectionId', 'round', 'publicity', 'receivedOn', 'receivedAt', 'withinPublicity', 'status',
        'objector', 'grounds', 'evidenceProvided', 'deadlines', 'steps', 'outcome',
      ]);
    });

    it('filters it by its status, beside an admitted objection', async () => {
      const docs = await logOf([...historyTo(fixturePolicy, 'objectionAccepted'), notAdmitted]);
      expect((await rowsOf(docs)).map((r) => [r.objectionId, r.status])).toEqual([['obj-1', 'accepted'], ['obj-na', 'not-admitted']]);
      expect((await rowsOf(docs, { status: 'not-admitted' })).map((r) => r.objectionId)).toEqual(['obj-na']);
    });
  });

  describe('what a query reads', () => {
    // term-1: app-1 objected, app-2 and app-5 not; term-2: app-3 objected; other-award: app-4 objected.
    const objected = historyTo(fixturePolicy, 'objectionAccepted');
    const quiet = historyTo(fixturePolicy, 'publicized');
    const events = [
      ...asApplication(objected, 'app-1'),
      ...asApplication(quiet, 'app-2'),
      ...asApplication(objected, 'app-3', { termId: 'term-2' }),
      ...asApplication(objected, 'app-4', { termId: 'term-9', programmeId: 'other-award' }),
      ...asApplication(quiet, 'app-5'),
    ];

    it('keeps a document per application, indexed by programme and term only with objections', async () => {
      const docs = await docsOf(...events);
      expect(Object.keys(docs).sort()).toEqual(['objections:app-1', 'objections:app-2', 'objections:app-3', 'objections:app-4', 'objections:app-5']);
      expect(Object.fromEntries(Object.entries(docs).map(([key, doc]) => [key, objectionLogProjection.index!(doc)]))).toEqual({
        'objections:app-1': 'fixture-award/term-1',
        'objections:app-2': null,
        'objections:app-3': 'fixture-award/term-2',
        'objections:app-4': 'other-award/term-9',
        'objections:app-5': null,
      });
    });

    it('answers a term of a programme from its own documents only, never reading another term or an application without objections', async () => {
      const documents = documentsOf(await docsOf(...events));
      const apps = await readObjectionLog(documents, { programmeIds: ['fixture-award'], termId: 'term-1' });
      expect(apps.map((a) => [a.applicationId, a.termId])).toEqual([['app-1', 'term-1']]);
      expect(objectionRows(apps)).toEqual([expect.objectContaining({ applicationId: 'app-1', objectionId: 'obj-1', status: 'accepted', publicity: expect.objectContaining({ list: 'proposed' }) })]);
      expect(documents.read).toEqual(['objections:app-1']);
    });

    it('answers a programme, or the programmes of a token, from their index ranges', async () => {
      const docs = await docsOf(...events);
      const programme = documentsOf(docs);
      expect((await readObjectionLog(programme, { programmeIds: ['fixture-award'] })).map((a) => a.applicationId)).toEqual(['app-1', 'app-3']);
      expect(programme.read).toEqual(['objections:app-1', 'objections:app-3']);
      expect((await readObjectionLog(documentsOf(docs), { programmeIds: ['other-award'], termId: 'term-9' })).map((a) => a.applicationId)).toEqual(['app-4']);
      expect(await readObjectionLog(documentsOf(docs), { programmeIds: ['other-award'], termId: 'term-1' })).toEqual([]);
      expect((await readObjectionLog(documentsOf(docs), { programmeIds: ['other-award', 'fixture-award'] })).map((a) => a.applicationId)).toEqual(['app-1', 'app-3', 'app-4']);
      // A programme whose id begins with another's is not in its range.
      expect(await readObjectionLog(documentsOf(docs), { programmeIds: ['fixture'] })).toEqual([]);
      const none = documentsOf(docs);
      expect(await readObjectionLog(none, { programmeIds: [] })).toEqual([]);
      expect(none.read).toEqual([]);
      const all = documentsOf(docs);
      expect((await readObjectionLog(all)).map((a) => a.applicationId)).toEqual(['app-1', 'app-3', 'app-4']);
      expect(all.read).not.toContain('objections:app-2');
    });

    it('answers nothing when no objection passes the filter', async () => {
      const documents = documentsOf(await docsOf(...events));
      expect(await readObjectionLog(documents, { programmeIds: ['fixture-award'], termId: 'term-1' }, { status: 'upheld' })).toEqual([]);
      expect(documents.read).toEqual(['objections:app-1']);
    });
  });
});
