/**
 * The supplementary decision on the real policy data: an application the approval left out with an
 * objection still open is decided once the objection is settled, under each programme's approval
 * article (淄博 第十九条, 济南 第十八条, 忻州 第二十条, 瀍河 第十九条, 朝阳 第十七条(九)), within the
 * quotas per term (淄博 第四条, 济南 第二条, 忻州 第四条, 瀍河 第四条, 朝阳 第三条).
 */
import { IllegalTransitionError, InvalidInputError, QuotaExceededError, RuleViolationError } from '../errors.js';
import type { ApplicantKind, ProgrammePolicy } from '../policy/policy.types.js';
import { PolicyRegistry } from '../policy/registry.js';
import { decideTerm, termAcceptedCommands, type TermCommand } from './decide.js';
import type { SettledStanding } from './decide-supplementary.js';
import type { TermEvent } from './events.js';
import { foldTerm, placesHeld } from './term.js';

const registry = PolicyRegistry.fromDirectories();
const PROGRAMMES: Array<[string, string, string, string]> = [
  // programme, version, approval article, tier
  ['zibo-leader', '2021', '第十九条', 'leader'],
  ['jinan-mayor', '2018', '第十八条', 'award'],
  ['xinzhou-mayor', '2021', '第二十条', 'award'],
  ['chanhe-district', '2021', '第十九条', 'award'],
  ['chaoyang-mayor', '2022', '第十七条(九)', 'gold'],
];

interface Place { id: string; tier: string; kind?: ApplicantKind }

/** A term approved on 2025-11-20 with `awarded` and, left out for an open objection, `pending`. */
function approvedTerm(policy: ProgrammePolicy, awarded: Place[], pending: Place[]): TermEvent[] {
  const termId = `${policy.programmeId}-2025`;
  const entry = (p: Place) => ({ applicationId: p.id, applicantId: `applicant-${p.id}`, applicantKind: p.kind ?? 'organisation', tier: p.tier });
  return [
    { type: 'TermOpened', data: { termId, programmeId: policy.programmeId, policyVersion: policy.version, year: 2025, noticeDate: '2025-03-01', applicationDeadline: '2025-04-30', cycleYears: policy.cycle.years } },
    { type: 'ProposedListRecorded', data: { termId, entries: [...awarded, ...pending].map(entry), replaces: false } },
    { type: 'PublicityStarted', data: { termId, round: 1, list: 'proposed', startDate: '2025-10-08', endDate: '2025-10-14', endsAt: '2025-10-14T16:00:00.000Z', applicationIds: [] } },
    {
      type: 'TermApproved',
      data: {
        termId,
        decisionDate: '2025-11-20',
        documentNo: '政〔2025〕1号',
        awarded: awarded.map((p) => ({ applicationId: p.id, tier: p.tier, applicantKind: p.kind ?? 'organisation' })),
        notAwarded: pending.map((p) => ({ applicationId: p.id, tier: p.tier, applicantKind: p.kind ?? 'organisation', reason: 'objection-pending' as const })),
      },
    },
  ];
}

const decideLater = (applicationId: string, standing: SettledStanding, over: Partial<Extract<TermCommand, { type: 'DecideSupplementary' }>['data']> = {}): TermCommand => ({
  type: 'DecideSupplementary',
  data: { applicationId, decision: 'award', decisionDate: '2025-12-10', documentNo: '政〔2025〕9号', occurredOn: '2025-12-10', standing, settledOn: '2025-12-01', ...over },
});

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe.each(PROGRAMMES)('supplementary decision in %s/%s (approval: %s)', (programmeId, version, article, tier) => {
  const policy = registry.get(programmeId, version);
  const history = approvedTerm(policy, [{ id: 'app-1', tier }], [{ id: 'app-2', tier }]);
  const run = (events: TermEvent[], command: TermCommand) => decideTerm(command, foldTerm(events), { policy });

  it(`is refused while the objection is still open, citing ${article}`, () => {
    const e = thrown(() => run(history, decideLater('app-2', 'objection-pending')));
    expect(e).toBeInstanceOf(RuleViolationError);
    expect((e as RuleViolationError).rule).toEqual({ programme: programmeId, version, article });
    expect((e as RuleViolationError).details).toMatchObject({ standing: 'objection-pending' });
  });

  it('awards in the tier proposed once the objection is settled, holding a place of the term', () => {
    expect(termAcceptedCommands(foldTerm(history), policy)).toEqual(['note-revocation', 'supplementary-approval']);
    const [decided] = run(history, decideLater('app-2', 'clear'));
    expect(decided).toEqual({
      type: 'SupplementaryDecisionRecorded',
      data: { termId: `${programmeId}-2025`, applicationId: 'app-2', tier, applicantKind: 'organisation', outcome: 'awarded', decisionDate: '2025-12-10', documentNo: '政〔2025〕9号' },
    });
    const after = foldTerm([...history, decided!]);
    expect(placesHeld(after)).toHaveLength(2);
    expect(termAcceptedCommands(after, policy)).toEqual(['note-revocation']);
    // Decided once; a revocation of the supplementary award is noted on the term like any other.
    expect(thrown(() => run([...history, decided!], decideLater('app-2', 'clear')))).toBeInstanceOf(InvalidInputError);
    expect(run([...history, decided!], { type: 'NoteRevocation', data: { applicationId: 'app-2', ground: 'fraud' } })[0]).toMatchObject({ type: 'AwardRevokedOnTerm', data: { tier } });
  });

  it('or records it not awarded, with a reason', () => {
    expect(thrown(() => run(history, decideLater('app-2', 'clear', { decision: 'not-award' })))).toBeInstanceOf(InvalidInputError);
    const [decided] = run(history, decideLater('app-2', 'clear', { decision: 'not-award', reason: '市政府审定不予表彰' }));
    expect(decided).toMatchObject({ data: { outcome: 'not-awarded', reason: '市政府审定不予表彰' } });
    expect(placesHeld(foldTerm([...history, decided!]))).toHaveLength(1);
  });
});

describe('supplementary decision: what it is not for', () => {
  const policy = registry.get('chaoyang-mayor', '2022');
  const history = approvedTerm(policy, [{ id: 'app-1', tier: 'gold' }], [{ id: 'app-2', tier: 'silver' }]);
  const run = (events: TermEvent[], command: TermCommand) => decideTerm(command, foldTerm(events), { policy });

  // 朝阳 第二十四条: an upheld objection already removed the applicant from the list.
  it('refuses an application whose objection was upheld, citing the deciding body’s article (朝阳 第二十四条)', () => {
    const e = thrown(() => run(history, decideLater('app-2', 'objection-upheld'))) as RuleViolationError;
    expect(e).toBeInstanceOf(RuleViolationError);
    expect(e.rule.article).toBe('第二十四条');
  });

  it('refuses an application the approval awarded or never left out for an objection, and a term not yet approved', () => {
    expect(thrown(() => run(history, decideLater('app-1', 'clear')))).toBeInstanceOf(InvalidInputError);
    expect(thrown(() => run(history, decideLater('app-9', 'clear')))).toBeInstanceOf(InvalidInputError);
    expect(thrown(() => run(history.slice(0, 3), decideLater('app-2', 'clear')))).toBeInstanceOf(IllegalTransitionError);
  });

  it('refuses a decision dated before the approval or the objection’s settlement', () => {
    expect(thrown(() => run(history, decideLater('app-2', 'clear', { decisionDate: '2025-11-19' })))).toMatchObject({ field: 'decisionDate' });
    expect(thrown(() => run(history, decideLater('app-2', 'clear', { decisionDate: '2025-11-25', settledOn: '2025-11-30' })))).toMatchObject({ field: 'decisionDate' });
    expect(thrown(() => run(history, decideLater('app-2', 'clear', { documentNo: ' ' })))).toMatchObject({ field: 'documentNo' });
  });

  it('refuses a decision dated after the day it is recorded (an award dated in the future)', () => {
    expect(thrown(() => run(history, decideLater('app-2', 'clear', { decisionDate: '2100-01-01', occurredOn: '2025-12-10' })))).toMatchObject({
      field: 'decisionDate',
      details: { decisionDate: '2100-01-01', occurredOn: '2025-12-10' },
    });
  });

  // 朝阳 第三条: gold 3 per term. A history in which the gold places are already all held (as a later
  // version's list or a hand-edited store could leave it) cannot be given a fourth by a later decision.
  it('never exceeds a quota per term (朝阳 第三条: gold ≤ 3)', () => {
    const full = approvedTerm(policy, [1, 2, 3].map((n) => ({ id: `gold-${n}`, tier: 'gold' })), [{ id: 'gold-4', tier: 'gold' }]);
    const e = thrown(() => run(full, decideLater('gold-4', 'clear'))) as QuotaExceededError;
    expect(e).toBeInstanceOf(QuotaExceededError);
    expect(e.rule).toEqual({ programme: 'chaoyang-mayor', version: '2022', article: '第三条' });
    // A revoked award releases its place, as at approval.
    const revoked: TermEvent = { type: 'AwardRevokedOnTerm', data: { termId: 'chaoyang-mayor-2025', applicationId: 'gold-1', tier: 'gold', kind: 'organisation', ground: 'fraud' } };
    expect(run([...full, revoked], decideLater('gold-4', 'clear'))[0]).toMatchObject({ data: { outcome: 'awarded', tier: 'gold' } });
  });
});
