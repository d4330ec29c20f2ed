/**
 * The quota read model: given(term events).then(document) through the engine, the query-side
 * table (limits from the term's policy version), and a property test that after random
 * proposals, approvals and revocations decided by the term decider the table never shows more
 * places than the policy allows and counts exactly what the term aggregate counts.
 */
import type { StoredEvent } from '../src/event-store/event-store.port.js';
import { projectionSpec } from '../src/projections/testing/projection-spec.js';
import { QuotaExceededError } from '../workflows/errors.js';
import type { ApplicantKind, ProgrammePolicy } from '../workflows/policy/policy.types.js';
import { quotaTable } from '../workflows/policy/quota.js';
import { PolicyRegistry } from '../workflows/policy/registry.js';
import { type ApplicationSummary, type PublicityStanding, decideTerm, sortedRounds } from '../workflows/term/decide.js';
import { type TermEvent, termIdFor, termStreamId } from '../workflows/term/events.js';
import { foldTerm, placesHeld } from '../workflows/term/term.js';
import { projectInMemory } from './projection.js';
import { type QuotaDocument, quotaProjection, quotaView } from './quota.js';

const policies = PolicyRegistry.fromDirectories();
const jinan = policies.get('jinan-mayor', '2018');
const chaoyang = policies.get('chaoyang-mayor', '2022');

const onTerm = (termId: string, event: TermEvent) => ({ ...event, data: event.data as unknown as Record<string, unknown>, streamId: termStreamId(termId) });

function opened(programmeId: string, year: number, policyVersion: string): TermEvent {
  return {
    type: 'TermOpened',
    data: { termId: termIdFor(programmeId, year), programmeId, policyVersion, year, noticeDate: `${year}-03-01`, applicationDeadline: `${year}-04-30`, cycleYears: 2 },
  };
}

const entry = (applicationId: string, tier: string, applicantKind: ApplicantKind = 'organisation') => ({
  applicationId,
  applicantId: `id-${applicationId}`,
  applicantKind,
  tier,
});

function publicity(termId: string, round = 1, list: 'candidate' | 'proposed' = 'proposed'): TermEvent {
  return { type: 'PublicityStarted', data: { termId, round, list, startDate: '2019-10-08', endDate: '2019-10-14', endsAt: '2019-10-14T16:00:00.000Z', applicationIds: [] } };
}

const JINAN = termIdFor('jinan-mayor', 2019);
const CHAOYANG = termIdFor('chaoyang-mayor', 2024);

const jinanOpened: QuotaDocument = {
  termId: JINAN,
  programmeId: 'jinan-mayor',
  policyVersion: '2018',
  year: 2019,
  status: 'open',
  proposed: [],
  awarded: [],
  revoked: [],
  approval: null,
  revision: 0,
};

describe('quota projection', () => {
  describe('when a term is opened', () => {
    it('records its programme and policy version, with no places taken', async () => {
      await projectionSpec(quotaProjection).given(onTerm(JINAN, opened('jinan-mayor', 2019, '2018'))).then({ [JINAN]: jinanOpened });
    });

    it('ignores events of other streams, the application stream’s PublicityStarted included', async () => {
      await projectionSpec(quotaProjection)
        .given(
          onTerm(JINAN, opened('jinan-mayor', 2019, '2018')),
          { type: 'PublicityStarted', data: { applicationId: 'a1', termId: JINAN, round: 1, list: 'proposed' }, streamId: 'application-a1' },
          { type: 'TermRegistered', data: { programmeId: 'jinan-mayor', termId: JINAN }, streamId: 'programme-jinan-mayor-terms' },
        )
        .then({ [JINAN]: jinanOpened });
    });
  });

  describe('when the proposed list is recorded', () => {
    // 济南 第二条: award — organisations ≤5, individuals ≤3; nomination — organisations ≤3, individuals ≤2.
    const events = [
      onTerm(JINAN, opened('jinan-mayor', 2019, '2018')),
      onTerm(JINAN, { type: 'ProposedListRecorded', data: { termId: JINAN, entries: [entry('a1', 'award'), entry('a2', 'award', 'individual')], replaces: false } }),
      onTerm(JINAN, { type: 'ProposedListRecorded', data: { termId: JINAN, entries: [entry('a3', 'nomination')], replaces: false } }),
    ];

    it('adds sittings together, keeping no applicant id (personal data) in the document', async () => {
      await projectionSpec(quotaProjection)
        .given(...events)
        .then({
          [JINAN]: {
            ...jinanOpened,
            proposed: [
              { applicationId: 'a1', tier: 'award', kind: 'organisation' },
              { applicationId: 'a2', tier: 'award', kind: 'individual' },
              { applicationId: 'a3', tier: 'nomination', kind: 'organisation' },
            ],
            revision: 2,
          },
        });
    });

    it('shows each limit of 济南 第二条 with the places proposed and free', async () => {
      const docs = await projectionSpec(quotaProjection).given(...events).documents();
      expect(quotaView(docs[JINAN]!, jinan).lines).toEqual([
        { tier: 'award', kind: 'organisation', limit: 5, article: '第二条', proposed: 1, awarded: 0, revoked: 0, held: 1, free: 4 },
        { tier: 'award', kind: 'individual', limit: 3, article: '第二条', proposed: 1, awarded: 0, revoked: 0, held: 1, free: 2 },
        { tier: 'nomination', kind: 'organisation', limit: 3, article: '第二条', proposed: 1, awarded: 0, revoked: 0, held: 1, free: 2 },
        { tier: 'nomination', kind: 'individual', limit: 2, article: '第二条', proposed: 0, awarded: 0, revoked: 0, held: 0, free: 2 },
      ]);
    });

    it('lets a replacing list supersede the earlier one', async () => {
      const docs = await projectionSpec(quotaProjection)
        .given(...events, onTerm(JINAN, { type: 'ProposedListRecorded', data: { termId: JINAN, entries: [entry('a4', 'award')], replaces: true } }))
        .documents();
      expect(docs[JINAN]!.proposed).toEqual([{ applicationId: 'a4', tier: 'award', kind: 'organisation' }]);
    });
  });

  describe('when approved, then an award revoked', () => {
    // 朝阳 第三条: gold 3, silver 7, nomination 10, total ≤20.
    const golds = ['g1', 'g2', 'g3'].map((id) => entry(id, 'gold'));
    const base = [
      onTerm(CHAOYANG, opened('chaoyang-mayor', 2024, '2022')),
      onTerm(CHAOYANG, { type: 'ProposedListRecorded', data: { termId: CHAOYANG, entries: [...golds, entry('s1', 'silver')], replaces: false } }),
      onTerm(CHAOYANG, publicity(CHAOYANG)),
      onTerm(CHAOYANG, {
        type: 'TermApproved',
        data: {
          termId: CHAOYANG,
          decisionDate: '2024-11-20',
          documentNo: '朝政〔2024〕1号',
          awarded: golds.map(({ applicationId, tier, applicantKind }) => ({ applicationId, tier, applicantKind })),
          notAwarded: [{ applicationId: 's1', tier: 'silver', applicantKind: 'organisation', reason: 'objection-upheld' }],
        },
      }),
    ];
    const revoked = onTerm(CHAOYANG, { type: 'AwardRevokedOnTerm', data: { termId: CHAOYANG, applicationId: 'g2', tier: 'gold', kind: 'organisation', ground: 'fraud' } });

    it('counts the awarded places, not the proposed ones', async () => {
      const docs = await projectionSpec(quotaProjection).given(...base).documents();
      expect(docs[CHAOYANG]).toMatchObject({ status: 'approved', approval: { decisionDate: '2024-11-20', documentNo: '朝政〔2024〕1号' }, revision: 3 });
      const lines = quotaView(docs[CHAOYANG]!, chaoyang).lines;
      expect(lines).toEqual([
        { tier: 'gold', kind: 'total', limit: 3, article: '第三条', proposed: 3, awarded: 3, revoked: 0, held: 3, free: 0 },
        { tier: 'silver', kind: 'total', limit: 7, article: '第三条', proposed: 1, awarded: 0, revoked: 0, held: 0, free: 7 },
        { tier: 'nomination', kind: 'total', limit: 10, article: '第三条', proposed: 0, awarded: 0, revoked: 0, held: 0, free: 10 },
        { tier: '*', kind: 'total', limit: 20, article: '第三条', proposed: 4, awarded: 3, revoked: 0, held: 3, free: 17 },
      ]);
    });

    it('releases the place of a revoked award (AwardRevokedOnTerm on the term stream), once', async () => {
      const docs = await projectionSpec(quotaProjection).given(...base, revoked).documents();
      expect(docs[CHAOYANG]!.revoked).toEqual([{ applicationId: 'g2', tier: 'gold', kind: 'organisation', ground: 'fraud' }]);
      const gold = quotaView(docs[CHAOYANG]!, chaoyang).lines[0];
      expect(gold).toEqual({ tier: 'gold', kind: 'total', limit: 3, article: '第三条', proposed: 3, awarded: 3, revoked: 1, held: 2, free: 1 });
    });

    it('ignores a replayed event (revision guard)', () => {
      const stored = storedTermEvents(CHAOYANG, [...base, revoked].map(({ type, data }) => ({ type, data }) as unknown as TermEvent));
      const once = projectInMemory(quotaProjection, stored).get(CHAOYANG)!;
      expect(quotaProjection.evolve(once, stored[4]!, CHAOYANG)).toBe(once);
    });
  });

  it('refuses to read a document with another policy version', () => {
    expect(() => quotaView(jinanOpened, chaoyang)).toThrow(/governed by jinan-mayor\/2018/);
  });
});

// --- property: never more than the policy allows ---------------------------------------------------

/** mulberry32: a small seeded generator, so a failure can be replayed from its seed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}

let position = 0;
function storedTermEvents(termId: string, events: TermEvent[]): StoredEvent[] {
  return events.map((event, revision) => ({
    id: `e-${termId}-${revision}`,
    type: event.type,
    data: event.data as unknown as Record<string, unknown>,
    metadata: { actor: { sub: 't', name: 't', roles: [] }, occurredAt: '2024-01-01', recordedAt: '2024-01-01T00:00:00Z', commandId: 'c', correlationId: 'c', causationId: 'c', schemaVersion: 1 },
    streamId: termStreamId(termId),
    revision,
    position: ++position,
    hash: '',
  }));
}

const YEARS: Record<string, number> = { 'zibo-leader': 2022, 'jinan-mayor': 2019, 'xinzhou-mayor': 2022, 'chanhe-district': 2022, 'chaoyang-mayor': 2024 };

/** Checks the table against the policy and against the term aggregate's own count (placesHeld). */
function checkTable(policy: ProgrammePolicy, events: TermEvent[]): void {
  const termId = (events[0]!.data as { termId: string }).termId;
  const document = projectInMemory(quotaProjection, storedTermEvents(termId, events)).get(termId)!;
  const lines = quotaView(document, policy).lines;
  const aggregate = quotaTable(policy, placesHeld(foldTerm(events)));
  expect(lines.map(({ tier, kind, limit, held, free }) => ({ tier, kind, limit, used: held, free }))).toEqual(
    aggregate.map(({ tier, kind, limit, used, free }) => ({ tier, kind, limit, used, free })),
  );
  for (const line of lines) {
    expect(line.held).toBeLessThanOrEqual(line.limit);
    expect(line.free).toBe(line.limit - line.held);
    expect(line.revoked).toBeLessThanOrEqual(line.awarded);
    if (document.status === 'approved') expect(line.held).toBe(line.awarded - line.revoked);
  }
}

function scenario(seed: number): { policy: ProgrammePolicy; events: TermEvent[]; refused: number } {
  const rnd = random(seed);
  const programmeId = rnd.pick(Object.keys(YEARS));
  const year = YEARS[programmeId]!;
  const policy = policies.inForce(programmeId, `${year}-03-01`);
  const deps = { policy };
  const events: TermEvent[] = [];
  const apply = (produced: TermEvent[]) => {
    events.push(...produced);
    checkTable(policy, events);
  };
  apply(decideTerm({ type: 'OpenTerm', data: { programmeId, year, noticeDate: `${year}-03-01`, applicationDeadline: `${year}-04-30`, existingTerms: [] } }, foldTerm(events), deps));
  const termId = termIdFor(programmeId, year);
  const applications: Record<string, ApplicationSummary> = {};
  for (let i = 0; i < rnd.int(4, 30); i++) {
    const applicationId = `${seed}-app-${i}`;
    applications[applicationId] = { applicationId, termId, applicantId: `applicant-${i}`, applicantKind: rnd.pick(policy.applicantKinds.kinds), isCandidate: true };
  }
  let refused = 0;
  // Sittings of the committee: additions and, now and then, a replacing list; over-quota ones are refused.
  for (let sitting = 0; sitting < rnd.int(1, 6); sitting++) {
    const current = foldTerm(events);
    const listed = new Set(current.status === 'not-opened' ? [] : current.proposed.map((p) => p.applicationId));
    const replace = rnd.chance(0.2);
    const pool = Object.keys(applications).filter((id) => replace || !listed.has(id));
    const chosen = pool.filter(() => rnd.chance(0.35));
    if (chosen.length === 0) continue;
    const entries = chosen.map((applicationId) => ({ applicationId, tier: rnd.pick(policy.tiers).id }));
    try {
      apply(decideTerm({ type: 'RecordProposedList', data: { entries, replace, applications } }, foldTerm(events), deps));
    } catch (error) {
      if (!(error instanceof QuotaExceededError)) throw error;
      refused += 1;
    }
  }
  const state = foldTerm(events);
  if (state.status === 'not-opened' || state.proposed.length === 0 || rnd.chance(0.1)) return { policy, events, refused };
  for (const round of sortedRounds(policy)) apply([publicity(termId, round.round, round.list)]);
  const standings: Record<string, PublicityStanding> = Object.fromEntries(
    state.proposed.map((p) => [p.applicationId, rnd.chance(0.8) ? 'clear' : rnd.pick(['objection-upheld', 'objection-pending', 'left-the-procedure'] as const)]),
  );
  apply(decideTerm({ type: 'ApproveTerm', data: { decisionDate: `${year}-11-20`, documentNo: `${year}-1`, occurredOn: `${year}-11-20`, now: `${year}-11-20T02:00:00Z`, standings } }, foldTerm(events), deps));
  const approved = foldTerm(events);
  if (approved.status !== 'approved') throw new Error('not approved');
  for (const place of approved.approval.awarded) {
    if (!rnd.chance(0.3)) continue;
    apply(decideTerm({ type: 'NoteRevocation', data: { applicationId: place.applicationId, ground: rnd.pick(policy.revocation.grounds).code } }, foldTerm(events), deps));
  }
  return { policy, events, refused };
}

describe('quota table under random proposals, approvals and revocations', () => {
  // 淄博 第四条, 济南 第二条, 忻州 第四条, 瀍河 第四条, 朝阳 第三条: never more places than the policy allows.
  it('never shows more than the policy allows, and counts what the term aggregate counts, after every event', () => {
    let refused = 0;
    let revocations = 0;
    const programmes = new Set<string>();
    for (let seed = 1; seed <= 300; seed++) {
      const result = scenario(seed);
      refused += result.refused;
      revocations += result.events.filter((e) => e.type === 'AwardRevokedOnTerm').length;
      programmes.add(result.policy.programmeId);
    }
    // The generator reaches the interesting cases: refused sittings, revocations, every programme.
    expect(refused).toBeGreaterThan(10);
    expect(revocations).toBeGreaterThan(10);
    expect(programmes.size).toBe(5);
  });
});
