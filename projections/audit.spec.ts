import { projectionSpec } from '../src/projections/testing/projection-spec.js';
import type { GivenEvent } from '../src/projections/testing/test-events.js';
import { businessDateOf } from '../workflows/application/context.js';
import type { ApplicationEvent } from '../workflows/application/events.js';
import { replayApplication } from '../workflows/application/replay.js';
import { ev, historyTo } from '../workflows/application/spec-helpers.js';
import { fixturePolicy } from '../workflows/application/test-fixtures.js';
import type { StoredEvent } from '../src/event-store/event-store.port.js';
import { type AuditHistoryDoc, type AuditHistoryDocV3, createAuditProjection, historyAsOf, historyEntries, parseAsOf } from './audit.js';

const projection = createAuditProjection();

/** Each event recorded at 10:00 Shanghai on its business date (as the command handler dates them). */
const stored = (event: ApplicationEvent, streamId = 'application-app-1'): GivenEvent => ({
  type: event.type,
  data: event.data as unknown as Record<string, unknown>,
  streamId,
  recordedAt: `${businessDateOf(event) ?? '2025-03-01'}T02:00:00.000Z`,
});

/** The document, and the stored events the history joins it with. */
async function historyOf(events: ApplicationEvent[], extra: GivenEvent[] = []): Promise<{ doc: AuditHistoryDoc; stream: StoredEvent[] }> {
  const { documents, events: all } = await projectionSpec(projection).given(...events.map((e) => stored(e)), ...extra).run();
  return { doc: documents['application:app-1']!, stream: all.filter((e) => e.streamId === 'application-app-1') };
}
const policyOf = () => fixturePolicy;

describe('audit history projection', () => {
  describe('when nothing about an application was stored', () => {
    it('has no documents; term and applicant streams are not applications', async () => {
      await projectionSpec(projection)
        .given({ type: 'TermOpened', data: { termId: 't' }, streamId: 'term-t' }, { type: 'ApplicantApplied', data: {}, streamId: 'applicant-x-1' })
        .then({});
    });
  });

  describe('when an application went to an accepted objection', () => {
    const events = historyTo(fixturePolicy, 'objectionAccepted');

    it('shows every stored event with actor, dates, ids, revision, position and hash', async () => {
      const { doc, stream } = await historyOf(events);
      expect(doc).toMatchObject({ applicationId: 'app-1', programmeId: 'fixture-award', policyVersion: '2024', termId: 'term-1' });
      const shown = historyEntries(doc, stream, policyOf);
      expect(shown.map((e) => e.type)).toEqual(events.map((e) => e.type));
      expect(shown.map((e) => e.revision)).toEqual(events.map((_, i) => i));
      expect(shown[0]).toMatchObject({
        actor: { sub: 'test', name: '测试', roles: ['admin'] },
        occurredAt: '2025-03-01',
        recordedAt: '2025-03-01T02:00:00.000Z',
        commandId: expect.any(String),
        correlationId: expect.any(String),
        eventId: stream[0]!.id,
        hash: stream[0]!.hash,
        position: stream[0]!.position,
      });
      expect(doc.lastRevision).toBe(events.length - 1);
    });

    it('shows after each event the state and context the statechart computes (replayApplication step by step)', async () => {
      const { doc, stream } = await historyOf(events);
      const shown = historyEntries(doc, stream, policyOf);
      shown.forEach((entry, i) => {
        const expected = replayApplication(fixturePolicy, events.slice(0, i + 1));
        expect(entry.stateAfter).toBe(expected.state);
        expect(entry.contextAfter).toEqual(JSON.parse(JSON.stringify(expected.context)));
        expect(entry.replayError).toBeUndefined();
      });
      expect(shown.at(-1)!.stateAfter).toBe('objected');
    });

    it('keeps no copy of the events and no state, only where the stream is and how far it was read (no objector identity: 朝阳 第二十五条)', async () => {
      const { doc, stream } = await historyOf(events);
      expect(Object.keys(doc).sort()).toEqual(['applicationId', 'lastPosition', 'lastRevision', 'policyVersion', 'programmeId', 'streamId', 'termId']);
      expect(doc.lastPosition).toBe(stream.at(-1)!.position);
      expect(JSON.stringify(doc)).not.toContain('张三');
      expect(JSON.stringify(historyEntries(doc, stream, policyOf).map((e) => e.contextAfter))).not.toContain('张三');
    });

    it('shows only the events the document has taken, even when the stream is ahead of it', async () => {
      const { doc, stream } = await historyOf(events);
      const ahead = [...stream, { ...stream.at(-1)!, id: 'later', revision: stream.length, position: 10_000 }];
      expect(historyEntries(doc, ahead, policyOf)).toHaveLength(events.length);
    });
  });

  describe('when the statechart refuses a stored event', () => {
    it('shows the replay error from that event on, instead of failing the query or stalling the projection', async () => {
      const { doc, stream } = await historyOf([ev.submitted(fixturePolicy), ev.awarded(), ev.recommended()]);
      expect(doc.lastRevision).toBe(2);
      const shown = historyEntries(doc, stream, policyOf);
      expect(shown.map((e) => e.stateAfter)).toEqual(['submitted', null, null]);
      expect(shown[0]!.replayError).toBeUndefined();
      expect(shown[1]!.replayError).toMatch(/ApplicationAwarded/);
      expect(shown[2]!.replayError).toMatch(/earlier event/);
      expect(shown.map((e) => e.contextAfter?.submittedOn ?? null)).toEqual(['2025-03-01', null, null]);
    });
  });

  describe('a document of version 3 (states stored; the active generation while version 4 is built)', () => {
    const events = historyTo(fixturePolicy, 'objectionAccepted');
    const v3 = (doc: AuditHistoryDoc, states: Array<string | null>, replayError: AuditHistoryDocV3['replayError'] = null): AuditHistoryDocV3 => ({
      ...doc,
      states,
      replayError,
      replay: null,
    });

    it('is shown as version 4 shows it: its states, the contexts folded again', async () => {
      const { doc, stream } = await historyOf(events);
      const shown = historyEntries(doc, stream, policyOf);
      expect(historyEntries(v3(doc, shown.map((e) => e.stateAfter)), stream, policyOf)).toEqual(shown);
    });

    it('shows its stored refusal as stored', async () => {
      const { doc, stream } = await historyOf(events);
      const states = ['submitted', ...events.slice(1).map(() => null)];
      const shown = historyEntries(v3(doc, states, { revision: 1, message: 'refused then' }), stream, policyOf);
      expect(shown.map((e) => [e.stateAfter, e.replayError])).toEqual([
        ['submitted', undefined],
        [null, 'refused then'],
        ...events.slice(2).map(() => [null, 'an earlier event of the stream could not be replayed']),
      ]);
    });

    it('refuses to answer when its stored states are out of step with the statechart (rebuild it)', async () => {
      const { doc, stream } = await historyOf(events);
      const states = historyEntries(doc, stream, policyOf).map((e) => e.stateAfter);
      states[2] = 'awarded';
      expect(() => historyEntries(v3(doc, states), stream, policyOf)).toThrow(/out of step with the statechart at revision 2 .*rebuild audit-history/);
    });
  });

  describe('as of a date, an instant or a position', () => {
    const events = historyTo(fixturePolicy, 'qualified'); // submitted 03-01, recommended 03-10, surveyed 03-15, qualified 03-20

    it('answers the state on a business date (occurredAt), including that day', async () => {
      const { doc, stream } = await historyOf(events);
      expect(historyAsOf(doc, stream, parseAsOf('2025-03-12')!, policyOf)?.stateAfter).toBe('recommended');
      expect(historyAsOf(doc, stream, parseAsOf('2025-03-15')!, policyOf)?.stateAfter).toBe('opinionSurveyed');
      expect(historyAsOf(doc, stream, parseAsOf('2025-02-28')!, policyOf)).toBeNull();
    });

    it('answers the context as it stood then, folded again from the stored events', async () => {
      const { doc, stream } = await historyOf(events);
      const asOf = historyAsOf(doc, stream, parseAsOf('2025-03-12')!, policyOf);
      expect(asOf).toMatchObject({ revision: 1, stateAfter: 'recommended' });
      expect(asOf!.contextAfter).toEqual(replayApplication(fixturePolicy, events.slice(0, 2)).context);
      expect(asOf!.contextAfter!.qualification).toBeNull();
      expect(historyAsOf(doc, stream, parseAsOf('2025-02-28')!, policyOf)).toBeNull();
    });

    it('answers the state at an instant (recordedAt) and at a global position', async () => {
      const { doc, stream } = await historyOf(events);
      expect(historyAsOf(doc, stream, parseAsOf('2025-03-10T01:59:59Z')!, policyOf)?.stateAfter).toBe('submitted');
      expect(historyAsOf(doc, stream, parseAsOf('2025-03-10T02:00:00.000Z')!, policyOf)?.stateAfter).toBe('recommended');
      const second = stream[1]!;
      expect(historyAsOf(doc, stream, parseAsOf(String(second.position))!, policyOf)?.revision).toBe(1);
      expect(historyAsOf(doc, stream, { kind: 'position', value: 10_000 }, policyOf)?.revision).toBe(3);
    });

    it('refuses what is neither', () => {
      expect(parseAsOf('yesterday')).toBeNull();
      expect(parseAsOf('2025-13-45')).toBeNull();
      // Days a month does not have, which Date.parse would roll over into the next month.
      expect(parseAsOf('2026-02-30')).toBeNull();
      expect(parseAsOf('2026-02-30T10:00:00Z')).toBeNull();
      expect(parseAsOf('2024-02-29')).toEqual({ kind: 'date', value: '2024-02-29' });
    });
  });
});
