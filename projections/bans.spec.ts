/**
 * The re-application ban read model: given(applicant-stream events).then(document) through the
 * engine, and the query's answers for terms and dates, past ones included.
 */
import { projectionSpec } from '../src/projections/testing/projection-spec.js';
import { type ApplicantEvent, applicantStreamId } from '../workflows/applicant/applicant.js';
import { withResidentIdCheck, withUsccCheck } from '../workflows/identifiers/index.js';
import { PolicyRegistry } from '../workflows/policy/registry.js';
import { type BansDocument, banAnswer, bansKey, bansProjection, withinAskedTerm } from './bans.js';

const policies = PolicyRegistry.fromDirectories();
const resolve = (programmeId: string, version: string) => policies.get(programmeId, version);

const PERSON = withResidentIdCheck('37010219750101123');
const ORG = withUsccCheck('91370100000000042');

const on = (programmeId: string, applicantId: string, event: ApplicantEvent) => ({
  type: event.type,
  data: event.data as unknown as Record<string, unknown>,
  streamId: applicantStreamId(programmeId, applicantId),
});

const applied = (programmeId: string, year: number, applicationId: string, date: string, policyVersion: string): ApplicantEvent => ({
  type: 'ApplicantApplied',
  data: { applicationId, termId: `${programmeId}-${year}`, termYear: year, policyVersion, date },
});
const awarded = (programmeId: string, year: number, applicationId: string, tier: string, date: string): ApplicantEvent => ({
  type: 'ApplicantAwarded',
  data: { applicationId, termId: `${programmeId}-${year}`, termYear: year, tier, date },
});
const revoked = (programmeId: string, year: number, applicationId: string, tier: string, ground: string, date: string, awardedOn: string): ApplicantEvent => ({
  type: 'ApplicantAwardRevoked',
  data: { applicationId, termId: `${programmeId}-${year}`, termYear: year, tier, ground, date, awardedOn },
});

const source = (position: number, revision: number, streamId: string) => ({ eventId: expect.any(String), streamId, revision, position });

describe('bans projection', () => {
  describe('when a 济南 individual applied and won the award', () => {
    const stream = applicantStreamId('jinan-mayor', PERSON);
    const history = [
      on('jinan-mayor', PERSON, applied('jinan-mayor', 2019, 'app-1', '2019-05-10', '2018')),
      on('jinan-mayor', PERSON, awarded('jinan-mayor', 2019, 'app-1', 'award', '2019-11-20')),
    ];

    it('keeps one document per programme and applicant, each fact with the event it rests on', async () => {
      await projectionSpec(bansProjection)
        .given(...history)
        .then({
          [bansKey('jinan-mayor', PERSON)]: {
            programmeId: 'jinan-mayor',
            revision: 1,
            facts: [
              { type: 'applied', programmeId: 'jinan-mayor', policyVersion: '2018', termId: 'jinan-mayor-2019', termYear: 2019, applicationId: 'app-1', date: '2019-05-10', source: source(1, 0, stream) },
              // The award takes the version of its application (the term's), as applicantFacts does.
              { type: 'awarded', programmeId: 'jinan-mayor', policyVersion: '2018', termId: 'jinan-mayor-2019', termYear: 2019, applicationId: 'app-1', date: '2019-11-20', tier: 'award', source: source(2, 1, stream) },
            ],
          } as BansDocument,
        });
    });

    it('bars it for good from a later term (济南 第六条), naming the rule and the award event', async () => {
      const docs = await projectionSpec(bansProjection).given(...history).documents();
      const answer = banAnswer(docs[bansKey('jinan-mayor', PERSON)]!, { programmeId: 'jinan-mayor', termYear: 2021, date: '2021-03-10', termId: 'jinan-mayor-2021' }, resolve);
      expect(answer).toMatchObject({ allowed: false, alreadyAppliedInTerm: null, asOf: { termId: 'jinan-mayor-2021', termYear: 2021, date: '2021-03-10' } });
      expect(answer.bans).toEqual([
        {
          programme: 'jinan-mayor',
          version: '2018',
          article: '第六条',
          ruleId: 'award-winner-never-again',
          description: expect.stringContaining('不得重复申报'),
          from: '2019-11-20',
          until: 'permanent',
          reading: expect.any(String),
          restsOn: [{ applicationId: 'app-1', termId: 'jinan-mayor-2019', type: 'awarded', date: '2019-11-20', eventId: expect.any(String), streamId: stream, position: 2 }],
        },
      ]);
    });

    it('answers for the past: it was not barred when it applied in 2019 (济南 第六条 rests on the later award)', async () => {
      const docs = await projectionSpec(bansProjection).given(...history).documents();
      const answer = banAnswer(docs[bansKey('jinan-mayor', PERSON)]!, { programmeId: 'jinan-mayor', termYear: 2019, date: '2019-05-10', termId: 'jinan-mayor-2019' }, resolve);
      expect(answer).toMatchObject({ allowed: true, bans: [], alreadyAppliedInTerm: { applicationId: 'app-1', date: '2019-05-10' } });
      expect(answer.facts.map((f) => f.type)).toEqual(['applied']);
    });
  });

  describe('for a token bound to terms (withinAskedTerm)', () => {
    it('keeps the asked term’s facts and those a ban rests on, and drops the other terms’; the answer is unchanged', async () => {
      const docs = await projectionSpec(bansProjection)
        .given(
          on('chaoyang-mayor', ORG, applied('chaoyang-mayor', 2022, 'c-1', '2022-05-10', '2022')),
          on('chaoyang-mayor', ORG, awarded('chaoyang-mayor', 2022, 'c-1', 'gold', '2022-11-20')),
          on('chaoyang-mayor', ORG, applied('chaoyang-mayor', 2024, 'c-2', '2024-03-20', '2022')),
          on('chaoyang-mayor', ORG, applied('chaoyang-mayor', 2026, 'c-3', '2026-03-20', '2022')),
        )
        .documents();
      const answer = banAnswer(docs[bansKey('chaoyang-mayor', ORG)]!, { programmeId: 'chaoyang-mayor', termYear: 2024, date: '2026-12-01', termId: 'chaoyang-mayor-2024' }, resolve);
      expect(answer.facts.map((f) => f.applicationId)).toEqual(['c-1', 'c-1', 'c-2', 'c-3']);
      const bound = withinAskedTerm(answer);
      // 朝阳 第十五条: the 2022 gold bars 2024, resting on the award (not on its application).
      expect(bound.facts.map((f) => [f.applicationId, f.type])).toEqual([['c-1', 'awarded'], ['c-2', 'applied']]);
      expect({ ...bound, facts: answer.facts }).toEqual(answer);
      expect(withinAskedTerm({ ...answer, asOf: { ...answer.asOf, termId: null }, bans: [] }).facts).toEqual([]);
    });
  });

  describe('when one organisation has histories in two programmes', () => {
    it('keeps them apart: a 朝阳 gold award bars 朝阳 terms only (朝阳 第十五条)', async () => {
      const docs = await projectionSpec(bansProjection)
        .given(
          on('chaoyang-mayor', ORG, applied('chaoyang-mayor', 2022, 'c-1', '2022-05-10', '2022')),
          on('chanhe-district', ORG, applied('chanhe-district', 2022, 'h-1', '2022-05-12', '2021')),
          on('chaoyang-mayor', ORG, awarded('chaoyang-mayor', 2022, 'c-1', 'gold', '2022-11-20')),
        )
        .documents();
      expect(Object.keys(docs).sort()).toEqual([bansKey('chanhe-district', ORG), bansKey('chaoyang-mayor', ORG)]);
      const chaoyang = docs[bansKey('chaoyang-mayor', ORG)]!;
      const ask = (termYear: number) => banAnswer(chaoyang, { programmeId: 'chaoyang-mayor', termYear, date: `${termYear}-03-10` }, resolve);
      expect(ask(2024).bans).toMatchObject([{ article: '第十五条', ruleId: 'gold-two-terms', until: '2027-12-31' }]);
      expect(ask(2026).allowed).toBe(false);
      expect(ask(2028).allowed).toBe(true);
      expect(banAnswer(docs[bansKey('chanhe-district', ORG)]!, { programmeId: 'chanhe-district', termYear: 2024, date: '2024-03-10' }, resolve).allowed).toBe(true);
    });
  });

  describe('when an award was revoked', () => {
    it('瀍河 第二十八条: fraud bars for 4 years from the revocation, resting on the award and the revocation', async () => {
      const stream = applicantStreamId('chanhe-district', ORG);
      const docs = await projectionSpec(bansProjection)
        .given(
          on('chanhe-district', ORG, applied('chanhe-district', 2022, 'h-1', '2022-05-12', '2021')),
          on('chanhe-district', ORG, awarded('chanhe-district', 2022, 'h-1', 'award', '2022-11-20')),
          on('chanhe-district', ORG, revoked('chanhe-district', 2022, 'h-1', 'award', 'fraud', '2023-06-01', '2022-11-20')),
        )
        .documents();
      const doc = docs[bansKey('chanhe-district', ORG)]!;
      expect(doc.facts[2]).toMatchObject({ type: 'revoked', ground: 'fraud', awardedOn: '2022-11-20', policyVersion: '2021', source: { position: 3, revision: 2 } });
      const ask = (date: string) => banAnswer(doc, { programmeId: 'chanhe-district', termYear: Number(date.slice(0, 4)), date }, resolve);
      const barred = ask('2024-03-10');
      expect(barred.bans).toEqual([
        expect.objectContaining({
          article: '第二十八条',
          ground: 'fraud',
          from: '2023-06-01',
          until: '2027-05-31',
          restsOn: [
            expect.objectContaining({ type: 'awarded', position: 2, streamId: stream }),
            expect.objectContaining({ type: 'revoked', position: 3, streamId: stream }),
          ],
        }),
      ]);
      expect(ask('2023-05-31').allowed).toBe(true); // before the revocation
      expect(ask('2027-05-31').allowed).toBe(false);
      expect(ask('2027-06-01').allowed).toBe(true);
    });
  });

  it('allows an applicant it has never seen', () => {
    expect(banAnswer(null, { programmeId: 'jinan-mayor', termYear: 2021, date: '2021-03-10' }, resolve)).toMatchObject({ allowed: true, bans: [], facts: [] });
  });

  it('refuses to guess the programme of an event whose term id does not name it, without echoing the stream (personal data)', () => {
    const event = { ...on('jinan-mayor', PERSON, applied('jinan-mayor', 2019, 'a', '2019-05-10', '2018')), id: 'evt-1', revision: 0, position: 1, hash: '', metadata: {} as never };
    (event.data as { termId: string }).termId = 'somewhere-else';
    expect(() => bansProjection.keys(event)).toThrow(/event evt-1/);
    try {
      bansProjection.keys(event);
    } catch (error) {
      expect((error as Error).message).not.toContain(PERSON);
    }
  });
});
