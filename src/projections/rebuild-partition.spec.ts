import { partitionProjections } from './rebuild-partition.js';

const p = (name: string, types: number) => ({ name, handles: Array.from({ length: types }, (_, i) => `${name}-${i}`) });
const registered = [p('term-quota', 6), p('applicant-bans', 3), p('audit-history', 32), p('objection-log', 13), p('deadlines', 23)];
const names = (groups: Array<Array<{ name: string }>>) => groups.map((group) => group.map((x) => x.name));

describe('partitionProjections (the rebuild CLI’s workers)', () => {
  it('puts the heaviest first onto the least loaded worker', () => {
    expect(names(partitionProjections(registered, 2))).toEqual([
      ['audit-history', 'term-quota'],
      ['deadlines', 'objection-log', 'applicant-bans'],
    ]);
  });

  it('never makes more workers than projections, nor fewer than one, and loses none', () => {
    expect(names(partitionProjections(registered, 16))).toHaveLength(5);
    expect(names(partitionProjections(registered, 0))).toEqual([['audit-history', 'deadlines', 'objection-log', 'term-quota', 'applicant-bans']]);
    for (const workers of [1, 2, 3, 4, 5, 8]) {
      expect(names(partitionProjections(registered, workers)).flat().sort()).toEqual(registered.map((x) => x.name).sort());
    }
    expect(partitionProjections([], 4)).toEqual([]);
  });
});
