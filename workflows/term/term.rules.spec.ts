/**
 * Term rules of every seed programme on the real policy data (docs/rules-coverage.md): the cycle
 * (每N年一届), the publicity period's length and unit, and approval only after the publicity.
 * Expected lengths, units and articles are copied from the seeds.
 */
import { RuleViolationError } from '../errors.js';
import { WorkingDayCalendar } from '../calendar/working-days.js';
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { PolicyRegistry } from '../policy/registry.js';
import type { TermEvent, TermRegistered } from './events.js';
import { decideTerm, type TermCommand } from './decide.js';
import { foldTerm } from './term.js';

const registry = PolicyRegistry.fromDirectories();
const calendar = WorkingDayCalendar.fromPackage();

function run(policy: ProgrammePolicy, events: TermEvent[], command: TermCommand): TermEvent[] {
  return decideTerm(command, foldTerm(events), { policy, calendar });
}

function refusal(fn: () => unknown): RuleViolationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RuleViolationError) return e;
    throw e;
  }
  throw new Error('expected a RuleViolationError');
}

const opened = (policy: ProgrammePolicy, year: number): TermEvent => ({
  type: 'TermOpened',
  data: {
    termId: `${policy.programmeId}-${year}`,
    programmeId: policy.programmeId,
    policyVersion: policy.version,
    year,
    noticeDate: `${year}-03-01`,
    applicationDeadline: `${year}-04-30`,
    cycleYears: policy.cycle.years,
  },
});

const listed = (policy: ProgrammePolicy, year: number): TermEvent => ({
  type: 'ProposedListRecorded',
  data: {
    termId: `${policy.programmeId}-${year}`,
    entries: [{ applicationId: 'app-1', applicantId: 'applicant-1', applicantKind: 'organisation', tier: policy.tiers[0]!.id }],
    replaces: false,
  },
});

describe('cycle: a term follows the previous one by the cycle of the regulation', () => {
  it.each([
    ['淄博 第四条 每两年', 'zibo-leader', '2021', 2, '第四条'],
    ['济南 第二条 每2年1届', 'jinan-mayor', '2018', 2, '第二条'],
    ['忻州 第四条 每3年评选一届', 'xinzhou-mayor', '2021', 3, '第四条'],
    ['瀍河 第四条 每2年评选一届', 'chanhe-district', '2021', 2, '第四条'],
    ['朝阳 第三条 每两年评定一届', 'chaoyang-mayor', '2022', 2, '第三条'],
  ])('%s', (_name, programmeId, version, cycle, article) => {
    const policy = registry.get(programmeId, version);
    const previous: TermRegistered['data'] = { programmeId, termId: `${programmeId}-2022`, year: 2022, noticeDate: '2022-06-01', policyVersion: version };
    const open = (year: number): TermCommand => ({
      type: 'OpenTerm',
      data: { programmeId, year, noticeDate: `${year}-06-01`, applicationDeadline: `${year}-08-31`, existingTerms: [previous] },
    });
    const e = refusal(() => run(policy, [], open(2022 + cycle - 1)));
    expect(e.rule).toEqual({ programme: programmeId, version, article });
    expect(run(policy, [], open(2022 + cycle))[0]).toMatchObject({ type: 'TermOpened', data: { year: 2022 + cycle, cycleYears: cycle } });
  });
});

describe('publicity: length and unit of the period, then approval only after it', () => {
  it.each([
    // 淄博 第十八条: 公示期为5个工作日 — a plain week
    ['淄博 第十八条 5个工作日', '2025-06-09', '2025-06-13', 'zibo-leader', '2021', 2025, '第十八条', '第十九条'],
    // 济南 第十七条: 公示期为5个工作日 — National Day 2020 (10-01..10-08 off, Saturday 10-10 worked)
    ['济南 第十七条 5个工作日', '2020-10-09', '2020-10-14', 'jinan-mayor', '2018', 2020, '第十七条', '第十八条'],
    // 瀍河 第十九条: 公示期7天 — calendar days, National Day included
    ['瀍河 第十九条 7天', '2025-09-29', '2025-10-05', 'chanhe-district', '2021', 2025, '第十九条', '第十九条'],
    // 朝阳 第十七条(八): 为期7天社会公示
    ['朝阳 第十七条(八) 为期7天', '2025-10-08', '2025-10-14', 'chaoyang-mayor', '2022', 2025, '第十七条(八)', '第十七条(九)'],
  ] as const)('%s: from %s the last day is %s; approval is refused before 24:00 of it', (_name, start, lastDay, programmeId, version, year, article, approvalArticle) => {
    // The refusal cites the approval article (淄博 第十九条, 济南 第十八条, 瀍河 第十九条, 朝阳 第十七条(九):
    // the list that passed its publicity is approved) and names the publicity article in its details.
    const policy = registry.get(programmeId, version);
    const history = [opened(policy, year), listed(policy, year)];
    const [started] = run(policy, history, { type: 'StartPublicity', data: { round: 1, startDate: start, occurredOn: start, applications: {} } });
    expect(started).toMatchObject({ type: 'PublicityStarted', data: { round: 1, list: 'proposed', startDate: start, endDate: lastDay } });

    const after = [...history, started!];
    const approve = (decisionDate: string, now: string): TermCommand => ({
      type: 'ApproveTerm',
      data: { decisionDate, documentNo: '政〔2025〕1号', occurredOn: decisionDate, now, standings: { 'app-1': 'clear' } },
    });
    // 23:59:59 Shanghai of the last day: still running.
    const endsAt = Date.parse((started as Extract<TermEvent, { type: 'PublicityStarted' }>).data.endsAt);
    const e = refusal(() => run(policy, after, approve(lastDay, new Date(endsAt - 1000).toISOString())));
    expect(e.rule).toEqual({ programme: programmeId, version, article: approvalArticle });
    expect(e.details).toMatchObject({ publicityArticle: article });
    // A decision dated the last day is refused even when recorded later.
    expect(refusal(() => run(policy, after, approve(lastDay, new Date(endsAt + 86_400_000).toISOString()))).rule.article).toBe(approvalArticle);
    // The day after, at 00:00 Shanghai: approved.
    const dayAfter = new Date(endsAt + 8 * 3_600_000).toISOString().slice(0, 10);
    expect(run(policy, after, approve(dayAfter, new Date(endsAt).toISOString()))[0]).toMatchObject({
      type: 'TermApproved',
      data: { awarded: [{ applicationId: 'app-1' }] },
    });
  });

  it('忻州 第十八、十九条: the proposed list is publicised city-wide for 不少于5个工作日 after the candidate round', () => {
    const policy = registry.get('xinzhou-mayor', '2021');
    const round1: TermEvent = {
      type: 'PublicityStarted',
      data: { termId: 'xinzhou-mayor-2025', round: 1, list: 'candidate', startDate: '2025-06-02', endDate: '2025-06-06', endsAt: '2025-06-06T16:00:00.000Z', applicationIds: ['app-1'] },
    };
    const history = [opened(policy, 2025), round1, listed(policy, 2025)];
    // National Day/Mid-Autumn 2025: 10-01..10-08 off, Saturday 10-11 worked: 09-29, 09-30, 10-09, 10-10, 10-11.
    const [round2] = run(policy, history, { type: 'StartPublicity', data: { round: 2, startDate: '2025-09-29', occurredOn: '2025-09-29', applications: {} } });
    expect(round2).toMatchObject({ data: { round: 2, list: 'proposed', startDate: '2025-09-29', endDate: '2025-10-11' } });
    const e = refusal(() =>
      run(policy, [...history, round2!], { type: 'ApproveTerm', data: { decisionDate: '2025-10-11', documentNo: '忻政〔2025〕1号', occurredOn: '2025-10-11', now: '2025-10-11T10:00:00.000Z', standings: {} } }),
    );
    // 忻州 第二十条: the proposed list is approved after its city-wide publicity (第十九条).
    expect(e.rule.article).toBe('第二十条');
    expect(e.details).toMatchObject({ publicityArticle: '第十九条' });
  });
});
