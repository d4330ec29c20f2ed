/**
 * Term decisions through the service on an in-memory SQLite store: the approval records the prize
 * through the application's decider, and the supplementary decision on an application whose
 * objection was still open at the approval (瀍河 第十九条 approval, 第二十条 prize, 第二十四条 annual
 * reports, 第二十八条 revocation and ban; 朝阳 第十七条(九)) — with everything that follows an award.
 */
import { ManualClock } from '../clock/clock.js';
import { InvalidInputError, RuleViolationError } from '../../workflows/errors.js';
import { applicationStreamId } from '../../workflows/application/events.js';
import { applicantStreamId } from '../../workflows/applicant/applicant.js';
import { createDeadlinesProjection } from '../../projections/deadlines.js';
import { quotaProjection } from '../../projections/quota.js';
import { projectInMemory } from '../../projections/projection.js';
import { advanceToCandidate, ctx, makeService, policies, submission } from './test-support.js';

type Setup = ReturnType<typeof makeService>;
const objector = { anonymous: false, name: '张三', contact: '13800000000', consentToDisclose: false };

/**
 * A term of `programmeId` in 2025 with two applications proposed in `tier`, its publicity from
 * 10-08 (7 days), an objection to the second accepted on 10-09 and still open at the approval on
 * 11-20. The clock ends on 11-20.
 */
async function approvedWithOpenObjection({ service, clock }: Setup, programmeId: string, tier: string) {
  clock.set('2025-10-09T02:00:00Z');
  const { termId } = await service.openTerm(programmeId, { year: 2025, noticeDate: '2025-05-05', applicationDeadline: '2025-06-30' }, ctx('2025-05-05'));
  const policy = policies.get(programmeId, (await service.getTerm(termId)).policyVersion);
  const ids: string[] = [];
  for (const n of [21, 22]) {
    const { id } = await service.submitApplication(submission(termId, policy, n), ctx('2025-05-10'));
    await advanceToCandidate(service, id, policy, '2025-07-01');
    ids.push(id);
  }
  const [clear, objected] = ids as [string, string];
  await service.recordProposedList(termId, ids.map((applicationId) => ({ applicationId, tier })), ctx('2025-09-20'));
  await service.startPublicity(termId, { round: 1, startDate: '2025-10-08' }, ctx('2025-10-08'));
  await service.applicationCommand(objected, { type: 'object', objectionId: 'o-1', objector, grounds: '申报数据不实', evidenceProvided: true }, ctx('2025-10-09'));
  await service.applicationCommand(objected, { type: 'objection-decision', objectionId: 'o-1', decision: 'accept' }, ctx('2025-10-09'));
  clock.set('2025-11-20T02:00:00Z');
  await service.approve(termId, { decisionDate: '2025-11-20', documentNo: '瀍政〔2025〕20号' }, ctx('2025-11-20'));
  return { termId, policy, clear, objected };
}

describe('term decisions', () => {
  let setup: Setup;
  beforeEach(() => {
    setup = makeService(new ManualClock('2025-05-05T02:00:00Z'));
  });
  afterEach(async () => setup.store.close());

  // 瀍河 第二十条: 奖励10万元 — recorded on the award, also when the approval awards it.
  it('records the prize in force on an award at approval (瀍河 第二十条)', async () => {
    const { clear } = await approvedWithOpenObjection(setup, 'chanhe-district', 'award');
    const events = await setup.store.readStream(applicationStreamId(clear));
    expect(events.map((e) => e.type).slice(-2)).toEqual(['PublicityClosed', 'ApplicationAwarded']);
    expect(events.at(-1)!.data).toMatchObject({ tier: 'award', decisionDate: '2025-11-20', prize: { amount: 100000, currency: 'CNY', article: '第二十条' } });
  });

  describe('supplementary approval (瀍河 第十九条)', () => {
    it('waits for the objection, then awards in the tier proposed with everything an award brings', async () => {
      const { service, store, clock } = setup;
      const { termId, objected } = await approvedWithOpenObjection(setup, 'chanhe-district', 'award');
      const term = await service.getTerm(termId);
      expect((term as unknown as { approval: { notAwarded: unknown[] } }).approval.notAwarded).toEqual([
        { applicationId: objected, tier: 'award', applicantKind: 'organisation', reason: 'objection-pending' },
      ]);
      expect(term.acceptedCommands).toEqual(['note-revocation', 'supplementary-approval']);
      const award = { applicationId: objected, decision: 'award' as const, decisionDate: '2025-11-28', documentNo: '瀍政〔2025〕25号' };

      // Still open: refused under the approval article, nothing written.
      const head = await store.headPosition();
      await expect(service.supplementaryApproval(termId, award, ctx('2025-11-20'))).rejects.toMatchObject({
        constructor: RuleViolationError,
        rule: { programme: 'chanhe-district', version: '2021', article: '第十九条' },
      });
      expect(await store.headPosition()).toBe(head);

      clock.set('2025-11-28T02:00:00Z');
      await service.applicationCommand(objected, { type: 'objection-decision', objectionId: 'o-1', decision: 'dismiss', reason: '经核查不属实' }, ctx('2025-11-25'));
      const command = ctx('2025-11-28');
      const decided = await service.supplementaryApproval(termId, award, command);
      expect(decided).toMatchObject({
        state: 'approved',
        idempotentReplay: false,
        decision: { applicationId: objected, outcome: 'awarded', tier: 'award', decisionDate: '2025-11-28', documentNo: '瀍政〔2025〕25号' },
      });
      // A retry answers the same and writes nothing.
      const again = await service.supplementaryApproval(termId, award, command);
      expect(again).toMatchObject({ idempotentReplay: true, revision: decided.revision, decision: decided.decision });

      // The application: the ended round closed in the same append, the award with its prize.
      const stream = await store.readStream(applicationStreamId(objected));
      expect(stream.slice(-2).map((e) => [e.type, e.metadata.command])).toEqual([['PublicityClosed', 'supplementary-approval'], ['ApplicationAwarded', 'supplementary-approval']]);
      expect(stream.at(-1)!.data).toMatchObject({ tier: 'award', decisionDate: '2025-11-28', prize: { amount: 100000 } });
      expect((await service.getApplication(objected)).state).toBe('awarded');
      // The applicant's history (bans), the term's places and the quota read model.
      const applicant = (await service.getApplication(objected)).applicant.id;
      expect((await store.readStream(applicantStreamId('chanhe-district', applicant))).map((e) => e.type)).toEqual(['ApplicantApplied', 'ApplicantAwarded']);
      const after = await service.getTerm(termId);
      expect(after.placesHeld).toHaveLength(2);
      expect(after.acceptedCommands).toEqual(['note-revocation']);
      const all = await store.readAll({ limit: 10_000 });
      expect(projectInMemory(quotaProjection, all).get(termId)!.awarded.map((a) => a.applicationId)).toContain(objected);
      // 瀍河 第二十四条 annual reports and 第二十九条 the 2-year window, counted from the supplementary decision.
      const deadlines = projectInMemory(createDeadlinesProjection((p, v) => policies.get(p, v)), all).get(applicationStreamId(objected))!.deadlines;
      expect(deadlines.filter((d) => d.status === 'pending').map((d) => [d.kind, d.dueDate])).toEqual([
        ['annual-report', '2026-11-28'],
        ['annual-report', '2027-11-28'],
        ['annual-report', '2028-11-28'],
        ['revocation-window', '2027-11-27'],
      ]);
      // Decided once.
      await expect(service.supplementaryApproval(termId, { ...award, documentNo: '另号' }, ctx('2025-11-28'))).rejects.toThrow(InvalidInputError);

      // Revoked for fraud (瀍河 第二十八条): the place is released and the applicant barred for 4 years.
      clock.set('2026-03-02T02:00:00Z');
      expect((await service.applicationCommand(objected, { type: 'revoke', ground: 'fraud' }, ctx('2026-03-02'))).state).toBe('revoked');
      expect((await service.getTerm(termId)).revoked).toEqual([expect.objectContaining({ applicationId: objected, tier: 'award', ground: 'fraud' })]);
      clock.set('2027-05-10T02:00:00Z');
      const next = await service.openTerm('chanhe-district', { year: 2027, noticeDate: '2027-05-05', applicationDeadline: '2027-06-30' }, ctx('2027-05-05'));
      const policy = policies.get('chanhe-district', '2021');
      await expect(service.submitApplication(submission(next.termId, policy, 22), ctx('2027-05-10'))).rejects.toMatchObject({
        constructor: RuleViolationError,
        rule: { article: '第二十八条' },
      });
    });

    // 朝阳 第十七条(九), 第二十四条: settled against the applicant, or not awarded by the government.
    it('refuses an application whose objection was upheld afterwards, and records a decision not to award', async () => {
      const { service, clock } = setup;
      const { termId, objected } = await approvedWithOpenObjection(setup, 'chaoyang-mayor', 'silver');
      clock.set('2025-11-28T02:00:00Z');
      const award = { applicationId: objected, decision: 'award' as const, decisionDate: '2025-11-28', documentNo: '朝政〔2025〕9号' };
      await service.applicationCommand(objected, { type: 'objection-decision', objectionId: 'o-1', decision: 'dismiss', reason: '不属实' }, ctx('2025-11-25'));
      const notAward = { ...award, decision: 'not-award' as const, reason: '市政府审定不予表彰' };
      const decided = await service.supplementaryApproval(termId, notAward, ctx('2025-11-28'));
      expect(decided.decision).toMatchObject({ outcome: 'not-awarded', tier: 'silver' });
      expect((await service.getApplication(objected)).state).toBe('notAwarded');
      expect((await service.getTerm(termId)).placesHeld).toHaveLength(1);

      const other = makeService(new ManualClock('2025-05-05T02:00:00Z'));
      try {
        const upheldCase = await approvedWithOpenObjection(other, 'chaoyang-mayor', 'silver');
        other.clock.set('2025-11-28T02:00:00Z');
        await other.service.applicationCommand(upheldCase.objected, { type: 'objection-decision', objectionId: 'o-1', decision: 'uphold', reason: '属实' }, ctx('2025-11-25'));
        await expect(other.service.supplementaryApproval(upheldCase.termId, { ...award, applicationId: upheldCase.objected }, ctx('2025-11-28'))).rejects.toMatchObject({
          constructor: RuleViolationError,
          rule: { programme: 'chaoyang-mayor', article: '第二十四条' },
        });
      } finally {
        await other.store.close();
      }
    });

    it('lets one of two concurrent decisions on the same application through (the term stream serialises them)', async () => {
      const { service, clock } = setup;
      const { termId, objected } = await approvedWithOpenObjection(setup, 'chanhe-district', 'award');
      clock.set('2025-11-28T02:00:00Z');
      await service.applicationCommand(objected, { type: 'objection-decision', objectionId: 'o-1', decision: 'dismiss', reason: '不属实' }, ctx('2025-11-25'));
      const base = { applicationId: objected, decisionDate: '2025-11-28', documentNo: '瀍政〔2025〕26号' };
      const results = await Promise.allSettled([
        service.supplementaryApproval(termId, { ...base, decision: 'award' }, ctx('2025-11-28')),
        service.supplementaryApproval(termId, { ...base, decision: 'not-award', reason: '不予表彰' }, ctx('2025-11-28')),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.any(InvalidInputError) });
      expect((await service.getTerm(termId)) as unknown as { supplementary: unknown[] }).toMatchObject({ supplementary: [expect.anything()] });
    });
  });
});
