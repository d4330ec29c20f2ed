/**
 * The award service on an in-memory SQLite store with a manual clock: whole terms of the five
 * programmes, one application per term, bans at submission, quotas, concurrency, idempotency,
 * If-Match and business dates.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../clock/clock.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { InvalidOccurredAtError, QuotaExceededError, RuleViolationError } from '../../workflows/errors.js';
import type { ApplicantKind } from '../../workflows/policy/policy.types.js';
import { applicationStreamId } from '../../workflows/application/events.js';
import { applicantStreamId } from '../../workflows/applicant/applicant.js';
import { sortedRounds } from '../../workflows/term/decide.js';
import { termStreamId } from '../../workflows/term/events.js';
import { AwardService, type ApplicationCommandInput } from './award.service.js';
import { PreconditionFailedError } from './errors.js';
import { advanceToCandidate, calendar, closeRound, ctx, makeService, policies, submission } from './test-support.js';

type Setup = ReturnType<typeof makeService>;

interface Applicant {
  n: number;
  kind?: ApplicantKind;
  tier: string;
}

/** Opens a term and walks it up to (not including) the proposed list. Returns the application ids. */
async function termToCandidates({ service, store }: Setup, programmeId: string, year: number, applicants: Applicant[]) {
  const { termId } = await service.openTerm(
    programmeId,
    { year, noticeDate: `${year}-05-05`, applicationDeadline: `${year}-06-30` },
    ctx(`${year}-05-05`),
  );
  const term = await service.getTerm(termId);
  const policy = policies.get(programmeId, term.policyVersion);
  const ids: string[] = [];
  for (const a of applicants) {
    const { id } = await service.submitApplication(submission(termId, policy, a.n, a.kind), ctx(`${year}-05-10`));
    await advanceToCandidate(service, id, policy, `${year}-07-01`);
    ids.push(id);
  }
  // A candidate-list round comes before the proposed list (忻州 第十八条).
  const candidateRound = sortedRounds(policy).find((r) => r.list === 'candidate');
  if (candidateRound) {
    await service.startPublicity(termId, { round: candidateRound.round, startDate: `${year}-09-02`, candidates: ids }, ctx(`${year}-09-02`));
    for (const id of ids) await closeRound(store, id, candidateRound.round, `${year}-09-16`);
  }
  return { termId, policy, ids };
}

async function proposeAndPublicise(setup: Setup, termId: string, year: number, ids: string[], applicants: Applicant[]) {
  const { service } = setup;
  const term = await service.getTerm(termId);
  const policy = policies.get(term.programmeId, term.policyVersion);
  await service.recordProposedList(termId, ids.map((id, i) => ({ applicationId: id, tier: applicants[i]!.tier })), ctx(`${year}-09-20`));
  const last = sortedRounds(policy).at(-1)!;
  return service.startPublicity(termId, { round: last.round, startDate: `${year}-10-08` }, ctx(`${year}-10-08`));
}

async function wholeTerm(setup: Setup, programmeId: string, year: number, applicants: Applicant[]) {
  const { termId, ids } = await termToCandidates(setup, programmeId, year, applicants);
  await proposeAndPublicise(setup, termId, year, ids, applicants);
  const approved = await setup.service.approve(termId, { decisionDate: `${year}-11-20`, documentNo: `${year}年第1号` }, ctx(`${year}-11-20`));
  return { termId, ids, approved };
}

const reviewsFor = () => [
  { reviewerId: 'expert-1', recused: false, scores: { leadership: 90, strategy: 70, customersAndMarket: 70, resources: 100, processManagement: 80, measurementAnalysisImprovement: 60, results: 300 } },
];

describe('AwardService', () => {
  let setup: Setup;
  beforeEach(() => {
    setup = makeService(new ManualClock('2024-12-31T02:00:00Z'));
  });
  afterEach(async () => setup.store.close());

  describe('a whole term from notice to award', () => {
    const cases: Array<[string, number, Applicant[]]> = [
      ['zibo-leader', 2022, [{ n: 1, tier: 'leader' }, { n: 2, kind: 'individual', tier: 'leader' }]],
      ['jinan-mayor', 2019, [{ n: 3, tier: 'award' }, { n: 4, kind: 'individual', tier: 'nomination' }]],
      ['xinzhou-mayor', 2024, [{ n: 5, tier: 'award' }, { n: 6, kind: 'individual', tier: 'nomination' }]],
      ['chanhe-district', 2022, [{ n: 7, tier: 'award' }, { n: 8, tier: 'award' }]],
      ['chaoyang-mayor', 2024, [{ n: 9, tier: 'gold' }, { n: 10, tier: 'silver' }]],
    ];
    it.each(cases)('%s %i', async (programmeId, year, applicants) => {
      const { termId, ids, approved } = await wholeTerm(setup, programmeId, year, applicants);
      expect(approved.state).toBe('approved');
      const term = await setup.service.getTerm(termId);
      expect(term.placesHeld).toHaveLength(applicants.length);
      for (const [i, id] of ids.entries()) {
        const view = await setup.service.getApplication(id);
        expect(view).toMatchObject({ state: 'awarded', termId, programmeId, tier: applicants[i]!.tier });
        const history = await setup.store.readStream(applicantStreamId(programmeId, view.applicant.id));
        expect(history.map((e) => e.type)).toEqual(['ApplicantApplied', 'ApplicantAwarded']);
      }
      // Every event carries the command's metadata.
      const [opened] = await setup.store.readStream(termStreamId(termId));
      expect(opened!.metadata).toMatchObject({ occurredAt: `${year}-05-05`, schemaVersion: 1, actor: { sub: 'office-1' } });
    });
  });

  describe('approval', () => {
    it('is refused before the publicity has ended (朝阳 第十七条(八)(九): 7 days)', async () => {
      const applicants = [{ n: 11, tier: 'gold' }];
      const { termId, ids } = await termToCandidates(setup, 'chaoyang-mayor', 2024, applicants);
      const clock = new ManualClock('2024-10-10T02:00:00Z');
      const early = { ...setup, clock, service: new AwardService({ store: setup.store, policies, clock, calendar }) };
      await proposeAndPublicise(early, termId, 2024, ids, applicants);
      // 7 calendar days from 10-08: the last day is 10-14.
      await expect(
        early.service.approve(termId, { decisionDate: '2024-10-10', documentNo: '朝政〔2024〕1号' }, ctx('2024-10-10')),
      ).rejects.toThrow(RuleViolationError);
      clock.set('2024-10-14T16:00:00Z');
      await expect(
        early.service.approve(termId, { decisionDate: '2024-10-15', documentNo: '朝政〔2024〕1号' }, ctx('2024-10-15')),
      ).resolves.toMatchObject({ state: 'approved' });
    });
  });

  describe('one application per applicant per term', () => {
    it('refuses a second application by the same organisation through another channel (朝阳 第十七条(三))', async () => {
      const { service } = setup;
      const { termId } = await service.openTerm('chaoyang-mayor', { year: 2024, noticeDate: '2024-03-01', applicationDeadline: '2024-04-30' }, ctx('2024-03-01'));
      const policy = policies.get('chaoyang-mayor', '2022');
      await service.submitApplication(submission(termId, policy, 20, 'organisation', 'county'), ctx('2024-03-10'));
      await expect(
        service.submitApplication(submission(termId, policy, 20, 'organisation', 'direct'), ctx('2024-03-11')),
      ).rejects.toMatchObject({ code: 'RULE_VIOLATION', rule: { programme: 'chaoyang-mayor', article: policy.channels.article } });
    });

    it('lets only one of two concurrent submissions by one applicant through (the applicant stream serialises them)', async () => {
      const { service, store } = setup;
      const { termId } = await service.openTerm('chaoyang-mayor', { year: 2024, noticeDate: '2024-03-01', applicationDeadline: '2024-04-30' }, ctx('2024-03-01'));
      const policy = policies.get('chaoyang-mayor', '2022');
      const results = await Promise.allSettled(
        ['county', 'industry', 'direct'].map((channel) =>
          service.submitApplication(submission(termId, policy, 21, 'organisation', channel as 'county'), ctx('2024-03-10')),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const history = await store.readStream(applicantStreamId('chaoyang-mayor', submission(termId, policy, 21).applicant.id));
      expect(history).toHaveLength(1);
    });
  });

  describe('bans at submission', () => {
    it('refuses an award winner for ever (济南 第六条)', async () => {
      await wholeTerm(setup, 'jinan-mayor', 2019, [{ n: 30, tier: 'award' }]);
      const { termId } = await setup.service.openTerm('jinan-mayor', { year: 2021, noticeDate: '2021-03-01', applicationDeadline: '2021-04-30' }, ctx('2021-03-01'));
      const policy = policies.get('jinan-mayor', '2018');
      await expect(setup.service.submitApplication(submission(termId, policy, 30), ctx('2021-03-10'))).rejects.toMatchObject({
        code: 'RULE_VIOLATION',
        rule: { programme: 'jinan-mayor', article: '第六条' },
      });
      // Another organisation may apply.
      await expect(setup.service.submitApplication(submission(termId, policy, 31), ctx('2021-03-10'))).resolves.toMatchObject({ state: 'submitted' });
    });

    it('refuses a gold winner in the next two terms (朝阳 第十五条)', async () => {
      await wholeTerm(setup, 'chaoyang-mayor', 2022, [{ n: 40, tier: 'gold' }]);
      const { termId } = await setup.service.openTerm('chaoyang-mayor', { year: 2024, noticeDate: '2024-03-01', applicationDeadline: '2024-04-30' }, ctx('2024-03-01'));
      const policy = policies.get('chaoyang-mayor', '2022');
      await expect(setup.service.submitApplication(submission(termId, policy, 40), ctx('2024-03-10'))).rejects.toMatchObject({
        rule: { programme: 'chaoyang-mayor', article: '第十五条' },
      });
    });

    it('refuses an award winner in the next two terms but not a nomination winner (忻州 第十二条)', async () => {
      // 忻州 holds a term every three years (第四条): 2022 and 2025.
      setup.clock.set('2025-12-31T02:00:00Z');
      await wholeTerm(setup, 'xinzhou-mayor', 2022, [{ n: 50, tier: 'award' }, { n: 51, tier: 'nomination' }]);
      const { termId } = await setup.service.openTerm('xinzhou-mayor', { year: 2025, noticeDate: '2025-03-01', applicationDeadline: '2025-04-30' }, ctx('2025-03-01'));
      const policy = policies.get('xinzhou-mayor', '2021');
      await expect(setup.service.submitApplication(submission(termId, policy, 50), ctx('2025-03-10'))).rejects.toMatchObject({
        rule: { programme: 'xinzhou-mayor', article: '第十二条' },
      });
      await expect(setup.service.submitApplication(submission(termId, policy, 51), ctx('2025-03-10'))).resolves.toMatchObject({ state: 'submitted' });
    });
  });

  describe('quotas', () => {
    it('refuses a fourth gold place (朝阳 第三条)', async () => {
      const applicants = [1, 2, 3, 4].map((n) => ({ n: 60 + n, tier: 'gold' }));
      const { termId, ids } = await termToCandidates(setup, 'chaoyang-mayor', 2024, applicants);
      await expect(
        setup.service.recordProposedList(termId, ids.map((id) => ({ applicationId: id, tier: 'gold' })), ctx('2024-09-20')),
      ).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', rule: { programme: 'chaoyang-mayor', article: '第三条' } });
      // Nothing was written: the applications are still candidates.
      expect((await setup.service.getApplication(ids[0]!)).state).toBe('candidate');
    });

    it('refuses a sixth award place in 瀍河 (第四条), also when added in a later sitting', async () => {
      const applicants = [1, 2, 3, 4, 5, 6].map((n) => ({ n: 70 + n, tier: 'award' }));
      const { termId, ids } = await termToCandidates(setup, 'chanhe-district', 2022, applicants);
      await setup.service.recordProposedList(termId, ids.slice(0, 5).map((id) => ({ applicationId: id, tier: 'award' })), ctx('2022-09-20'));
      await expect(
        setup.service.recordProposedList(termId, [{ applicationId: ids[5]!, tier: 'award' }], ctx('2022-09-21')),
      ).rejects.toBeInstanceOf(QuotaExceededError);
    });

    it('refuses a fourth person (淄博 第四条) and a third individual nomination (济南 第二条)', async () => {
      const zibo = await termToCandidates(setup, 'zibo-leader', 2022, [1, 2, 3, 4].map((n) => ({ n: 80 + n, kind: 'individual' as const, tier: 'leader' })));
      await expect(
        setup.service.recordProposedList(zibo.termId, zibo.ids.map((id) => ({ applicationId: id, tier: 'leader' })), ctx('2022-09-20')),
      ).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', rule: { programme: 'zibo-leader', article: '第四条' } });
      const jinan = await termToCandidates(setup, 'jinan-mayor', 2019, [1, 2, 3].map((n) => ({ n: 90 + n, kind: 'individual' as const, tier: 'nomination' })));
      await expect(
        setup.service.recordProposedList(jinan.termId, jinan.ids.map((id) => ({ applicationId: id, tier: 'nomination' })), ctx('2019-09-20')),
      ).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', rule: { programme: 'jinan-mayor', article: '第二条' } });
    });
  });

  describe('concurrency on one database file', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'awards-race-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('never exceeds a quota when proposals and approvals race for the last places (瀍河 第四条: ≤5)', async () => {
      const filename = join(dir, 'events.db');
      const clock = new ManualClock('2022-12-31T02:00:00Z');
      const main = makeService(clock, new SqliteEventStore({ filename }));
      const applicants = Array.from({ length: 12 }, (_, i) => ({ n: 100 + i, tier: 'award' }));
      const { termId, ids } = await termToCandidates(main, 'chanhe-district', 2022, applicants);
      // Three places already taken; nine candidates race for the remaining two.
      await main.service.recordProposedList(termId, ids.slice(0, 3).map((id) => ({ applicationId: id, tier: 'award' })), ctx('2022-09-20'));
      const connections = Array.from({ length: 9 }, () => makeService(clock, new SqliteEventStore({ filename, busyTimeoutMs: 10_000 })));
      const proposals = await Promise.allSettled(
        ids.slice(3).map((id, i) => connections[i]!.service.recordProposedList(termId, [{ applicationId: id, tier: 'award' }], ctx('2022-09-21'))),
      );
      const won = proposals.filter((p) => p.status === 'fulfilled').length;
      expect(won).toBeLessThanOrEqual(2);
      for (const p of proposals) if (p.status === 'rejected') expect((p.reason as { code: string }).code).toMatch(/QUOTA_EXCEEDED|CONCURRENCY_CONFLICT/);
      const term = await main.service.getTerm(termId);
      expect(term.proposed.length).toBeLessThanOrEqual(5);
      expect(term.proposed).toHaveLength(3 + won);

      await main.service.startPublicity(termId, { round: 1, startDate: '2022-10-08' }, ctx('2022-10-08'));
      const approvals = await Promise.allSettled(
        connections.map((c, i) => c.service.approve(termId, { decisionDate: '2022-11-20', documentNo: `瀍政〔2022〕${i}号` }, ctx('2022-11-20'))),
      );
      expect(approvals.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
      const approved = await main.service.getTerm(termId);
      expect(approved.status).toBe('approved');
      expect(approved.placesHeld.length).toBeLessThanOrEqual(5);
      const awardedEvents = (await Promise.all(ids.map((id) => main.store.readStream(applicationStreamId(id))))).flat().filter((e) => e.type === 'ApplicationAwarded');
      expect(awardedEvents).toHaveLength(3 + won);
      await Promise.all([...connections.map((c) => c.store.close()), main.store.close()]);
    });
  });

  describe('two servers on one store, each holding streams in memory', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'awards-two-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('decides again on a fresh read when the other one moved a held stream on: no lost write, no false 412', async () => {
      const filename = join(dir, 'events.db');
      const clock = new ManualClock('2024-12-31T02:00:00Z');
      const a = makeService(clock, new SqliteEventStore({ filename }));
      const b = makeService(clock, new SqliteEventStore({ filename }));
      try {
        const policy = policies.get('chaoyang-mayor', '2022');
        const { termId } = await a.service.openTerm('chaoyang-mayor', { year: 2024, noticeDate: '2024-03-01', applicationDeadline: '2024-04-30' }, ctx('2024-03-01'));
        const { id } = await a.service.submitApplication(submission(termId, policy, 500, 'organisation', 'county'), ctx('2024-03-10'));
        expect((await a.service.getApplication(id)).state).toBe('submitted'); // a holds the stream at revision 0
        // b moves it on; a's copy is now one event behind.
        await b.service.applicationCommand(id, { type: 'recommend', opinion: '同意推荐' }, ctx('2024-05-01'));
        // a's next command is decided on the held copy first, refused by the store's revision, then decided on a fresh read.
        const qualified = await a.service.applicationCommand(id, { type: 'qualification-review', outcome: 'accepted' }, ctx('2024-05-02'));
        expect(qualified).toMatchObject({ state: 'qualified', revision: 2 });
        // An If-Match naming the true revision passes even though a's copy was outdated meanwhile.
        await b.service.applicationCommand(id, { type: 'materials-review', reviews: reviewsFor() } as ApplicationCommandInput, ctx('2024-05-03'));
        await expect(
          a.service.applicationCommand(id, { type: 'shortlist' }, ctx('2024-05-04', { expectedRevision: 3 })),
        ).resolves.toMatchObject({ state: 'shortlisted', revision: 4 });
        expect((await a.store.readStream(applicationStreamId(id))).map((e) => e.type)).toEqual([
          'ApplicationSubmitted', 'ApplicationRecommended', 'QualificationAccepted', 'MaterialsReviewScored', 'ApplicationShortlisted',
        ]);
        // A stale If-Match is still refused, and so is a command the true state does not accept.
        const onSite = { type: 'on-site-review', reviews: reviewsFor() } as ApplicationCommandInput;
        await expect(a.service.applicationCommand(id, onSite, ctx('2024-05-05', { expectedRevision: 3 }))).rejects.toBeInstanceOf(PreconditionFailedError);
        await b.service.applicationCommand(id, onSite, ctx('2024-05-05'));
        await expect(a.service.applicationCommand(id, onSite, ctx('2024-05-06'))).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
      } finally {
        await Promise.all([a.store.close(), b.store.close()]);
      }
    });
  });

  describe('idempotency, If-Match and business dates', () => {
    it('answers a retried command with the first result and writes nothing (idempotent by commandId)', async () => {
      const { service, store } = setup;
      const { termId } = await service.openTerm('chaoyang-mayor', { year: 2024, noticeDate: '2024-03-01', applicationDeadline: '2024-04-30' }, ctx('2024-03-01'));
      const policy = policies.get('chaoyang-mayor', '2022');
      const command = ctx('2024-03-10');
      const first = await service.submitApplication(submission(termId, policy, 200), command);
      const again = await service.submitApplication(submission(termId, policy, 200), command);
      expect(again).toMatchObject({ id: first.id, revision: first.revision, position: first.position, idempotentReplay: true });
      expect(await store.readStream(applicationStreamId(first.id))).toHaveLength(1);
      // Racing duplicates end with one write too.
      const racing = ctx('2024-03-10');
      const both = await Promise.all([
        service.submitApplication(submission(termId, policy, 201), racing),
        service.submitApplication(submission(termId, policy, 201), racing),
      ]);
      expect(both[0].id).toBe(both[1].id);
      expect(await store.readStream(applicationStreamId(both[0].id))).toHaveLength(1);
      const retriedOpen = await service.openTerm('chaoyang-mayor', { year: 2024, noticeDate: '2024-03-01', applicationDeadline: '2024-04-30' }, { ...command, commandId: (await store.readStream(termStreamId(termId)))[0]!.metadata.commandId });
      expect(retriedOpen.idempotentReplay).toBe(true);
    });

    it('refuses a stale If-Match with 412 and writes nothing', async () => {
      const applicants = [{ n: 300, tier: 'gold' }];
      const { termId, ids } = await termToCandidates(setup, 'chaoyang-mayor', 2024, applicants);
      const before = await setup.store.streamRevision(termStreamId(termId));
      const error = await setup.service
        .recordProposedList(termId, [{ applicationId: ids[0]!, tier: 'gold' }], ctx('2024-09-20', { expectedRevision: 7 }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PreconditionFailedError);
      expect(error).toMatchObject({ code: 'PRECONDITION_FAILED', status: 412 });
      expect(await setup.store.streamRevision(termStreamId(termId))).toBe(before);
      await expect(
        setup.service.recordProposedList(termId, [{ applicationId: ids[0]!, tier: 'gold' }], ctx('2024-09-20', { expectedRevision: before as number })),
      ).resolves.toMatchObject({ revision: (before as number) + 1 });
    });

    it('refuses an occurredAt in the future (Asia/Shanghai) or before the stream’s last event', async () => {
      const { service } = setup; // clock: 2024-12-31T02:00Z = 2024-12-31 in Shanghai
      await expect(
        service.openTerm('chaoyang-mayor', { year: 2024, noticeDate: '2024-03-01', applicationDeadline: '2024-04-30' }, ctx('2025-01-01')),
      ).rejects.toBeInstanceOf(InvalidOccurredAtError);
      const { termId } = await service.openTerm('chaoyang-mayor', { year: 2024, noticeDate: '2024-03-01', applicationDeadline: '2024-04-30' }, ctx('2024-03-01'));
      const policy = policies.get('chaoyang-mayor', '2022');
      const { id } = await service.submitApplication(submission(termId, policy, 400), ctx('2024-03-10'));
      await advanceToCandidate(service, id, policy, '2024-06-01');
      await expect(service.recordProposedList(termId, [{ applicationId: id, tier: 'gold' }], ctx('2024-05-01'))).rejects.toBeInstanceOf(
        InvalidOccurredAtError,
      );
    });

    it('refuses submissions outside the notice period (朝阳 第十七条(一)(二))', async () => {
      const { service } = setup;
      const { termId } = await service.openTerm('chaoyang-mayor', { year: 2024, noticeDate: '2024-03-01', applicationDeadline: '2024-04-30' }, ctx('2024-03-01'));
      const policy = policies.get('chaoyang-mayor', '2022');
      await expect(service.submitApplication(submission(termId, policy, 500), ctx('2024-05-01'))).rejects.toBeInstanceOf(RuleViolationError);
    });

    it('answers NotFound for unknown terms and applications', async () => {
      await expect(setup.service.scopeOfTerm('nope-2024')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(setup.service.scopeOfApplication('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(setup.service.getApplication('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });
});
