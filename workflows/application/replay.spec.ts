import { fixturePolicy as policy, singleRoundPolicy } from './test-fixtures.js';
import { ev, historyTo } from './spec-helpers.js';
import { CorruptStreamError, replayApplication, stateName } from './replay.js';
import { buildChain } from './chain.js';

describe('replayApplication', () => {
  it('starts not submitted at revision -1', () => {
    const r = replayApplication(policy, []);
    expect(r.state).toBe('notSubmitted');
    expect(r.revision).toBe(-1);
  });

  it('folds the whole review into the state and context', () => {
    const r = replayApplication(policy, historyTo(policy, 'objectionAccepted'));
    expect(r.state).toBe('objected');
    expect(r.context.publicity.current).toBe(2);
    expect(r.context.scores.materialsReview?.score).toBe(790);
    expect(r.context.tier).toBe('gold');
    expect(r.context.objections['obj-1']?.status).toBe('accepted');
    // Objectors' identities stay in the stream only (朝阳 第二十五条).
    expect(JSON.stringify(r.context)).not.toContain('张三');
    expect(r.revision).toBe(historyTo(policy, 'objectionAccepted').length - 1);
  });

  it('takes store revisions when given', () => {
    const events = [ev.submitted(policy), ev.recommended()].map((e, i) => ({ ...e, revision: i + 10 }));
    expect(replayApplication(policy, events).revision).toBe(11);
  });

  it('refuses a history the statechart does not accept (corrupt stream)', () => {
    expect(() => replayApplication(policy, [ev.submitted(policy), ev.materials()])).toThrow(CorruptStreamError);
  });

  it('refuses a stream replayed with another policy', () => {
    expect(() => replayApplication(singleRoundPolicy, [ev.submitted(policy)])).toThrow(CorruptStreamError);
  });

  it('refuses unknown event types', () => {
    expect(() => replayApplication(policy, [{ type: 'Nonsense', data: {} }])).toThrow(CorruptStreamError);
  });

  it('names publicity sub-states plainly', () => {
    expect(stateName({ value: { publicityRound2: 'objected' } })).toBe('objected');
    expect(stateName({ value: 'awarded' })).toBe('awarded');
  });
});

describe('buildChain', () => {
  it('places the candidate-list round before the proposed list (忻州 第十八、十九条)', () => {
    const names = buildChain(policy).steps.map((s) => (s.kind === 'stage' ? s.stage : `round${s.round.round}`));
    expect(names).toEqual([
      'recommendation', 'opinion-survey', 'qualification-review', 'materials-review', 'shortlist', 'on-site-review',
      'oral-defence', 'candidate', 'department-opinions', 'round1', 'proposed', 'round2', 'approval',
    ]);
  });
});
