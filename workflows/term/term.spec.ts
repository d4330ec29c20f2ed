/**
 * given(events).when(command).then(events) specs for the term decider, on the real policy data
 * of 忻州 (two publicity rounds in working days) and 淄博 (one round, per-kind quotas).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CalendarYearNotCoveredError,
  IllegalTransitionError,
  InvalidInputError,
  QuotaExceededError,
  RuleViolationError,
} from '../errors.js';
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { WorkingDayCalendar } from '../calendar/working-days.js';
import type { TermEvent, ProposedEntry } from './events.js';
import { type ApplicationSummary, type TermCommand, decideTerm, termAcceptedCommands } from './decide.js';
import { foldTerm, placesHeld } from './term.js';

const load = (id: string, version: string): ProgrammePolicy =>
  JSON.parse(readFileSync(join(process.cwd(), 'workflows/policies', id, `${version}.json`), 'utf8'));
const xinzhou = load('xinzhou-mayor', '2021');
const zibo = load('zibo-leader', '2021');
const calendar = WorkingDayCalendar.fromPackage();

function given(policy: ProgrammePolicy, ...events: TermEvent[]) {
  const state = foldTerm(events);
  return {
    when(command: TermCommand) {
      const run = () => decideTerm(command, state, { policy, calendar });
      return {
        then: (expected: TermEvent[]) => expect(run()).toEqual(expected),
        thenThrows: (type: new (...args: never[]) => Error, match?: Record<string, unknown>) => {
          let error: unknown;
          try {
            run();
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(type);
          if (match) expect(error).toMatchObject(match);
        },
        result: run,
      };
    },
  };
}

const XZ = 'xinzhou-mayor-2024';
const opened: TermEvent = {
  type: 'TermOpened',
  data: {
    termId: XZ,
    programmeId: 'xinzhou-mayor',
    policyVersion: '2021',
    year: 2024,
    noticeDate: '2024-03-01',
    applicationDeadline: '2024-04-30',
    cycleYears: 3,
  },
};

const candidate = (n: number, kind: 'organisation' | 'individual' = 'organisation', termId = XZ): ApplicationSummary => ({
  applicationId: `app-${n}`,
  termId,
  applicantId: `applicant-${n}`,
  applicantKind: kind,
  isCandidate: true,
});
const applications = (...list: ApplicationSummary[]) => Object.fromEntries(list.map((a) => [a.applicationId, a]));
const entry = (n: number, tier: string, kind: 'organisation' | 'individual' = 'organisation'): ProposedEntry => ({
  applicationId: `app-${n}`,
  applicantId: `applicant-${n}`,
  applicantKind: kind,
  tier,
});
const listed = (...entries: ProposedEntry[]): TermEvent => ({
  type: 'ProposedListRecorded',
  data: { termId: XZ, entries, replaces: false },
});
const round1: TermEvent = {
  type: 'PublicityStarted',
  data: {
    termId: XZ,
    round: 1,
    list: 'candidate',
    startDate: '2024-09-02',
    endDate: '2024-09-06',
    endsAt: '2024-09-06T16:00:00.000Z',
    applicationIds: ['app-1', 'app-2'],
  },
};
const round2: TermEvent = {
  type: 'PublicityStarted',
  data: {
    termId: XZ,
    round: 2,
    list: 'proposed',
    startDate: '2024-10-08',
    endDate: '2024-10-12',
    endsAt: '2024-10-12T16:00:00.000Z',
    applicationIds: ['app-1', 'app-2'],
  },
};

describe('term decider', () => {
  describe('when not opened', () => {
    const open = (data: Partial<Extract<TermCommand, { type: 'OpenTerm' }>['data']> = {}): TermCommand => ({
      type: 'OpenTerm',
      data: {
        programmeId: 'xinzhou-mayor',
        year: 2024,
        noticeDate: '2024-03-01',
        applicationDeadline: '2024-04-30',
        existingTerms: [],
        ...data,
      },
    });

    it('opens the term under the version in force on its notice date', () => {
      given(xinzhou).when(open()).then([opened]);
    });

    it('refuses a year other than the notice year', () => {
      given(xinzhou).when(open({ year: 2025 })).thenThrows(InvalidInputError, { field: 'year' });
    });

    it('refuses a deadline not after the notice date', () => {
      given(xinzhou).when(open({ applicationDeadline: '2024-03-01' })).thenThrows(InvalidInputError, {
        field: 'applicationDeadline',
      });
    });

    it('refuses a second term in the same year', () => {
      const existing = { programmeId: 'xinzhou-mayor', termId: XZ, year: 2024, noticeDate: '2024-01-05', policyVersion: '2021' };
      given(xinzhou).when(open({ existingTerms: [existing] })).thenThrows(RuleViolationError);
    });

    it('refuses a term sooner than the cycle after the previous one (忻州 第四条: 每三年一届)', () => {
      const existing = { programmeId: 'xinzhou-mayor', termId: 'xinzhou-mayor-2022', year: 2022, noticeDate: '2022-03-01', policyVersion: '2021' };
      given(xinzhou)
        .when(open({ existingTerms: [existing] }))
        .thenThrows(RuleViolationError, { rule: { programme: 'xinzhou-mayor', article: '第四条' } });
    });

    it('accepts only open-term', () => {
      expect(termAcceptedCommands(foldTerm([]))).toEqual(['open-term']);
    });
  });

  describe('when open', () => {
    const record = (entries: Array<{ applicationId: string; tier: string }>, apps: ApplicationSummary[], replace = false): TermCommand => ({
      type: 'RecordProposedList',
      data: { entries, replace, applications: applications(...apps) },
    });

    it('records the proposed list with the applicants of the applications', () => {
      given(xinzhou, opened)
        .when(record([{ applicationId: 'app-1', tier: 'award' }, { applicationId: 'app-2', tier: 'nomination' }], [candidate(1), candidate(2, 'individual')]))
        .then([listed(entry(1, 'award'), entry(2, 'nomination', 'individual'))]);
    });

    it('refuses an application that is not a candidate', () => {
      given(xinzhou, opened)
        .when(record([{ applicationId: 'app-1', tier: 'award' }], [{ ...candidate(1), isCandidate: false }]))
        .thenThrows(InvalidInputError, { field: 'entries[0].applicationId' });
    });

    it('refuses an application of another term', () => {
      given(xinzhou, opened)
        .when(record([{ applicationId: 'app-1', tier: 'award' }], [candidate(1, 'organisation', 'xinzhou-mayor-2021')]))
        .thenThrows(InvalidInputError, { field: 'entries[0].applicationId' });
    });

    it('refuses a tier the programme does not have', () => {
      given(xinzhou, opened)
        .when(record([{ applicationId: 'app-1', tier: 'gold' }], [candidate(1)]))
        .thenThrows(InvalidInputError, { field: 'entries[0].tier' });
    });

    it('refuses a fourth award place (忻州 第四条: 组织和个人不超过3个)', () => {
      const apps = [1, 2, 3, 4].map((n) => candidate(n, n % 2 ? 'organisation' : 'individual'));
      given(xinzhou, opened)
        .when(record(apps.map((a) => ({ applicationId: a.applicationId, tier: 'award' })), apps))
        .thenThrows(QuotaExceededError, { rule: { article: '第四条' } });
    });

    it('counts the places already proposed: additions beyond the quota are refused (忻州 第四条)', () => {
      given(xinzhou, opened, listed(entry(1, 'award'), entry(2, 'award'), entry(3, 'award', 'individual')))
        .when(record([{ applicationId: 'app-4', tier: 'award' }], [candidate(4)]))
        .thenThrows(QuotaExceededError);
    });

    it('a replacing list is checked on its own', () => {
      given(xinzhou, opened, listed(entry(1, 'award'), entry(2, 'award'), entry(3, 'award')))
        .when(record([{ applicationId: 'app-4', tier: 'award' }], [candidate(4)], true))
        .then([{ type: 'ProposedListRecorded', data: { termId: XZ, entries: [entry(4, 'award')], replaces: true } }]);
      const state = foldTerm([opened, listed(entry(1, 'award')), { type: 'ProposedListRecorded', data: { termId: XZ, entries: [entry(4, 'award')], replaces: true } }]);
      expect(placesHeld(state)).toEqual([{ tier: 'award', kind: 'organisation' }]);
    });

    it('refuses the same application twice', () => {
      given(xinzhou, opened, listed(entry(1, 'award')))
        .when(record([{ applicationId: 'app-1', tier: 'nomination' }], [candidate(1)]))
        .thenThrows(InvalidInputError);
    });

    it('refuses persons beyond 3 and enterprises beyond 5 (淄博 第四条)', () => {
      const zOpened: TermEvent = { ...opened, data: { ...opened.data, termId: 'zibo-leader-2024', programmeId: 'zibo-leader' } };
      const persons = [1, 2, 3, 4].map((n) => candidate(n, 'individual', 'zibo-leader-2024'));
      given(zibo, zOpened)
        .when(record(persons.map((a) => ({ applicationId: a.applicationId, tier: 'leader' })), persons))
        .thenThrows(QuotaExceededError, { rule: { programme: 'zibo-leader', article: '第四条' } });
    });

    const start = (round: number, startDate: string, candidates?: string[]): TermCommand => ({
      type: 'StartPublicity',
      data: { round, startDate, occurredOn: startDate, candidates, applications: applications(candidate(1), candidate(2)) },
    });

    it('starts the candidate-list round first (忻州 第十八条), over 5 working days', () => {
      given(xinzhou, opened).when(start(1, '2024-09-02', ['app-1', 'app-2'])).then([round1]);
    });

    it('refuses the proposed-list round before the candidate-list round (忻州 第十八、十九条)', () => {
      given(xinzhou, opened, listed(entry(1, 'award')))
        .when(start(2, '2024-09-02'))
        .thenThrows(RuleViolationError, { rule: { article: '第十八条' } });
    });

    it('counts from the next working day when publicity starts on a holiday (国庆 2024, 10-12 worked)', () => {
      const [event] = given(xinzhou, opened, round1, listed(entry(1, 'award'), entry(2, 'award')))
        .when(start(2, '2024-10-05'))
        .result();
      expect(event).toMatchObject({ type: 'PublicityStarted', data: { endDate: '2024-10-12', endsAt: '2024-10-12T16:00:00.000Z' } });
    });

    it('counts the start day when it is a working day', () => {
      given(xinzhou, opened, round1, listed(entry(1, 'award'), entry(2, 'award')))
        .when(start(2, '2024-10-08'))
        .then([round2]);
    });

    it('refuses a round recorded as started on a day already past (忻州 第十八条): the public must have the whole period', () => {
      const late: TermCommand = { type: 'StartPublicity', data: { round: 1, startDate: '2024-09-02', occurredOn: '2024-09-03', candidates: ['app-1'], applications: applications(candidate(1), candidate(2)) } };
      given(xinzhou, opened).when(late).thenThrows(RuleViolationError, { rule: { programme: 'xinzhou-mayor', article: '第十八条' }, field: 'startDate' });
    });

    it('refuses a year the working-day calendar does not cover', () => {
      given(xinzhou, opened).when(start(1, '2031-03-03', ['app-1'])).thenThrows(CalendarYearNotCoveredError);
    });

    it('refuses approval before any publicity', () => {
      given(xinzhou, opened)
        .when({ type: 'ApproveTerm', data: { decisionDate: '2024-12-01', documentNo: '忻政〔2024〕1号', occurredOn: '2024-12-01', now: '2024-12-01T02:00:00Z', standings: {} } })
        .thenThrows(IllegalTransitionError);
    });
  });

  describe('when in publicity', () => {
    const approve = (decisionDate: string, now: string, standings: Record<string, 'clear' | 'objection-pending' | 'objection-upheld'> = {}): TermCommand => ({
      type: 'ApproveTerm',
      data: { decisionDate, documentNo: '忻政〔2024〕8号', occurredOn: decisionDate, now, standings },
    });
    const history = [opened, round1, listed(entry(1, 'award'), entry(2, 'nomination', 'individual')), round2];

    it('freezes the proposed list once its publicity started', () => {
      given(xinzhou, ...history)
        .when({ type: 'RecordProposedList', data: { entries: [{ applicationId: 'app-3', tier: 'award' }], replace: false, applications: applications(candidate(3)) } })
        .thenThrows(IllegalTransitionError, { code: 'ILLEGAL_TRANSITION' });
    });

    it('refuses approval before the last round has ended (忻州 第十九、二十条)', () => {
      given(xinzhou, ...history)
        .when(approve('2024-10-12', '2024-10-12T15:59:59Z', { 'app-1': 'clear', 'app-2': 'clear' }))
        .thenThrows(RuleViolationError, { rule: { article: '第二十条' } });
    });

    it('refuses approval before the candidate round is followed by the proposed round', () => {
      given(xinzhou, opened, round1)
        .when(approve('2024-10-20', '2024-10-20T02:00:00Z'))
        .thenThrows(RuleViolationError, { rule: { article: '第十九条' } });
    });

    it('refuses a decision dated after the day it is recorded: an award dated in the future', () => {
      given(xinzhou, ...history)
        .when({ type: 'ApproveTerm', data: { decisionDate: '2099-01-01', documentNo: '忻政〔2024〕8号', occurredOn: '2024-10-14', now: '2024-10-14T01:00:00Z', standings: { 'app-1': 'clear' } } })
        .thenThrows(InvalidInputError, { field: 'decisionDate' });
    });

    it('awards the clear applications; the others are listed as not awarded with the reason', () => {
      given(xinzhou, ...history)
        .when(approve('2024-10-14', '2024-10-14T01:00:00Z', { 'app-1': 'clear', 'app-2': 'objection-upheld' }))
        .then([
          {
            type: 'TermApproved',
            data: {
              termId: XZ,
              decisionDate: '2024-10-14',
              documentNo: '忻政〔2024〕8号',
              awarded: [{ applicationId: 'app-1', tier: 'award', applicantKind: 'organisation' }],
              notAwarded: [{ applicationId: 'app-2', tier: 'nomination', applicantKind: 'individual', reason: 'objection-upheld' }],
            },
          },
        ]);
    });
  });

  describe('when approved', () => {
    const approved: TermEvent = {
      type: 'TermApproved',
      data: {
        termId: XZ,
        decisionDate: '2024-10-14',
        documentNo: '忻政〔2024〕8号',
        awarded: [{ applicationId: 'app-1', tier: 'award', applicantKind: 'organisation' }],
        notAwarded: [],
      },
    };
    const history = [opened, round1, listed(entry(1, 'award')), round2, approved];

    it('notes a revocation and releases the place', () => {
      const revoked: TermEvent = {
        type: 'AwardRevokedOnTerm',
        data: { termId: XZ, applicationId: 'app-1', tier: 'award', kind: 'organisation', ground: 'fraud' },
      };
      given(xinzhou, ...history).when({ type: 'NoteRevocation', data: { applicationId: 'app-1', ground: 'fraud' } }).then([revoked]);
      expect(placesHeld(foldTerm([...history, revoked]))).toEqual([]);
    });

    it('refuses a second approval and a new list', () => {
      given(xinzhou, ...history)
        .when({ type: 'ApproveTerm', data: { decisionDate: '2024-10-20', documentNo: 'x', occurredOn: '2024-10-20', now: '2024-10-20T01:00:00Z', standings: {} } })
        .thenThrows(IllegalTransitionError);
      given(xinzhou, ...history)
        .when({ type: 'RecordProposedList', data: { entries: [], replace: true, applications: {} } })
        .thenThrows(IllegalTransitionError);
      expect(termAcceptedCommands(foldTerm(history), xinzhou)).toEqual(['note-revocation']);
    });
  });
});
