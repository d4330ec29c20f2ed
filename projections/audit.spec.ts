import { projectionSpec } from '../src/projections/testing/projection-spec.js';
import type { GivenEvent } from '../src/projections/testing/test-events.js';
import { businessDateOf } from '../workflows/application/context.js';
import type { ApplicationEvent } from '../workflows/application/events.js';
import { replayApplication } from '../workflows/application/replay.js';
import { ev, historyTo } from '../workflows/application/spec-helpers.js';
import { fixturePolicy } from '../workflows/application/test-fixtures.js';
import { type AuditHistoryDoc, createAuditProjection, entryAsOf, historyAsOf, historyEntries, parseAsOf } from './audit.js';

const projection = createAuditProjection(() => fixturePolicy);

/** Each event recorded at 10:00 Shanghai on its business date (as the command handler dates them). */
const stored = (event: ApplicationEvent, streamId = 'application-app-1'): GivenEvent => ({
  type: event.type,
  data: event.data as unknown as Record<string, unknown>,
  streamId,
  recordedAt: `${businessDateOf(event) ?? '2025-03-01'}T02:00:00.000Z`,
});

async function historyOf(events: ApplicationEvent[], extra: GivenEvent[] = []): Promise<AuditHistoryDoc> {
  const docs = await projectionSpec(projection).given(...events.map((e) => stored(e)), ...extra).documents();
  return docs['application:app-1']!;
}

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

    it('keeps every event with actor, dates, ids, revision, position and hash', async () => {
      const doc = await historyOf(events);
      expect(doc).toMatchObject({ applicationId: 'app-1', programmeId: 'fixture-award', policyVersion: '2024', termId: 'term-1' });
      expect(doc.entries.map((e) => e.type)).toEqual(events.map((e) => e.type));
      expect(doc.entries.map((e) => e.revision)).toEqual(events.map((_, i) => i));
      const [first] = doc.entries;
      expect(first).toMatchObject({
        actor: { sub: 'test', name: '测试', roles: ['admin'] },
        occurredAt: '2025-03-01',
        recordedAt: '2025-03-01T02:00:00.000Z',
        commandId: expect.any(String),
        correlationId: expect.any(String),
        eventId: expect.any(String),
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        position: expect.any(Number),
      });
      expect(doc.lastRevision).toBe(events.length - 1);
    });

    it('records after each event the state and context the statechart computes (replayApplication step by step)', async () => {
      const doc = await historyOf(events);
      historyEntries(doc, () => fixturePolicy).forEach((entry, i) => {
        const expected = replayApplication(fixturePolicy, events.slice(0, i + 1));
        expect(entry.stateAfter).toBe(expected.state);
        expect(entry.contextAfter).toEqual(JSON.parse(JSON.stringify(expected.context)));
      });
      expect(doc.entries.at(-1)!.stateAfter).toBe('objected');
    });

    it('never copies the objector identity into the context (朝阳 第二十五条)', async () => {
      const doc = await historyOf(events);
      expect(JSON.stringify(historyEntries(doc, () => fixturePolicy).map((e) => e.contextAfter))).not.toContain('张三');
      expect(JSON.stringify(doc.replay)).not.toContain('张三');
    });
  });

  describe('when the statechart refuses a stored event', () => {
    it('records the replay error and stops computing states, instead of stalling the projection', async () => {
      const doc = await historyOf([ev.submitted(fixturePolicy), ev.awarded(), ev.recommended()]);
      expect(doc.entries.map((e) => e.stateAfter)).toEqual(['submitted', null, null]);
      expect(doc.entries[1]!.replayError).toMatch(/ApplicationAwarded/);
      expect(doc.entries[2]!.replayError).toMatch(/earlier event/);
      expect(doc.replay).toBeNull();
      expect(historyEntries(doc, () => fixturePolicy).map((e) => e.contextAfter?.submittedOn ?? null)).toEqual(['2025-03-01', null, null]);
    });
  });

  describe('as of a date, an instant or a position', () => {
    const events = historyTo(fixturePolicy, 'qualified'); // submitted 03-01, recommended 03-10, surveyed 03-15, qualified 03-20

    it('answers the state on a business date (occurredAt), including that day', async () => {
      const doc = await historyOf(events);
      expect(entryAsOf(doc, parseAsOf('2025-03-12')!)?.stateAfter).toBe('recommended');
      expect(entryAsOf(doc, parseAsOf('2025-03-15')!)?.stateAfter).toBe('opinionSurveyed');
      expect(entryAsOf(doc, parseAsOf('2025-02-28')!)).toBeNull();
    });

    it('answers the context as it stood then, folded again from the stored entries', async () => {
      const doc = await historyOf(events);
      const asOf = historyAsOf(doc, parseAsOf('2025-03-12')!, () => fixturePolicy);
      expect(asOf).toMatchObject({ revision: 1, stateAfter: 'recommended' });
      expect(asOf!.contextAfter).toEqual(replayApplication(fixturePolicy, events.slice(0, 2)).context);
      expect(asOf!.contextAfter!.qualification).toBeNull();
      expect(historyAsOf(doc, parseAsOf('2025-02-28')!, () => fixturePolicy)).toBeNull();
    });

    it('answers the state at an instant (recordedAt) and at a global position', async () => {
      const doc = await historyOf(events);
      expect(entryAsOf(doc, parseAsOf('2025-03-10T01:59:59Z')!)?.stateAfter).toBe('submitted');
      expect(entryAsOf(doc, parseAsOf('2025-03-10T02:00:00.000Z')!)?.stateAfter).toBe('recommended');
      const second = doc.entries[1]!;
      expect(entryAsOf(doc, parseAsOf(String(second.position))!)?.revision).toBe(1);
      expect(entryAsOf(doc, { kind: 'position', value: 10_000 })?.revision).toBe(3);
    });

    it('refuses what is neither', () => {
      expect(parseAsOf('yesterday')).toBeNull();
      expect(parseAsOf('2025-13-45')).toBeNull();
    });
  });
});
