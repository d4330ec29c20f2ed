/**
 * Drives random command sequences through the real AwardService: terms of several programmes,
 * year after year, each year in the order of the regulations (notice, submissions, review, the
 * candidate round where there is one, the proposed list, publicity with objections, approval,
 * revocations), with the manual clock moving forward. Every phase mixes in commands that the
 * domain refuses (wrong state, wrong input, quotas, late, stale business dates): refusals are
 * domain errors and are counted; anything else fails the run.
 */
import type { ApplicationCommandInput, AwardService } from '../../src/awards/award.service.js';
import { type CommandContext, deterministicUuid } from '../../src/awards/command-context.js';
import { declaration, organisationId, personId, policies } from '../../src/awards/test-support.js';
import { type ManualClock, shanghaiDate } from '../../src/clock/clock.js';
import { buildChain } from '../../workflows/application/chain.js';
import { API_COMMANDS, type ApiCommandType } from '../../workflows/application/commands.js';
import { addDays, toDayNumber } from '../../workflows/calendar/local-date.js';
import { DomainError } from '../../workflows/errors.js';
import type { ApplicantKind, ProgrammePolicy } from '../../workflows/policy/policy.types.js';
import type { CategoryScores } from '../../workflows/application/events.js';
import { SCORE_CATEGORIES } from '../../workflows/application/scoring.js';
import { sortedRounds } from '../../workflows/term/decide.js';
import { termIdFor } from '../../workflows/term/events.js';
import type { Random } from './seeded-random.js';

/** Ranges the driver scores in: the GB/T 19580 category points (the maxima only 瀍河 and 朝阳 enforce). */
const SCORE_RANGES: Readonly<CategoryScores> = { leadership: 110, strategy: 90, customersAndMarket: 90, resources: 130, processManagement: 100, measurementAnalysisImprovement: 80, results: 400 };

/** All five programmes; jinan-mayor's regulation is in force for the 2021 term only. */
export const PROGRAMMES = ['chaoyang-mayor', 'xinzhou-mayor', 'chanhe-district', 'zibo-leader', 'jinan-mayor'] as const;

export interface TermInfo {
  termId: string;
  programmeId: string;
  year: number;
  policy: ProgrammePolicy;
}

export interface AppInfo {
  id: string;
  term: TermInfo;
}

export interface DriverHooks {
  /** At the start of each phase (e.g. to force a rebuild while commands continue). */
  phaseStarted(year: number, phase: string): Promise<void>;
  /** After every command: lets the live projection runner take turns of the event loop. */
  afterCommand(): Promise<void>;
  /** After a proposal, an approval or a revocation (refused ones too): the term's places may have moved. */
  placesMayHaveChanged(term: TermInfo): Promise<void>;
}

export interface CommandStats {
  tried: number;
  succeeded: number;
  idempotentRetries: number;
  refusedByCode: Record<string, number>;
  /** `command:CODE` */
  refusedByCommand: Record<string, number>;
  succeededByCommand: Record<string, number>;
}

const REVIEW_COMMANDS = [
  'recommend',
  'qualification-review',
  'opinion-survey',
  'department-opinions',
  'materials-review',
  'shortlist',
  'on-site-review',
  'oral-defence',
  'candidate',
] as const satisfies readonly ApiCommandType[];

type Action = () => Promise<unknown>;
type Outcome = { idempotentReplay: boolean };

export class AwardDriver {
  readonly terms = new Map<string, TermInfo>();
  readonly apps: AppInfo[] = [];
  readonly stats: CommandStats = { tried: 0, succeeded: 0, idempotentRetries: 0, refusedByCode: {}, refusedByCommand: {}, succeededByCommand: {} };
  private issued = 0;
  /** State and accepted commands of every application, re-read after each command that may move it. */
  private readonly views = new Map<string, { state: string; acceptedCommands: string[] }>();
  private readonly termStatus = new Map<string, string>();

  constructor(
    private readonly service: AwardService,
    private readonly clock: ManualClock,
    private readonly rng: Random,
    private readonly seed: number,
    private readonly hooks: DriverHooks,
    /** Submissions per term and phase lengths scale with it. */
    private readonly scale = 1,
  ) {}

  /** One year of every programme, from the notice (05-05) to the end of December. */
  async runYear(year: number): Promise<void> {
    const d = (monthDay: string) => `${year}-${monthDay}`;
    await this.phase(year, 'notice', d('05-05'), d('05-05'), 1, () => () => this.openTerms(year));
    const terms = () => [...this.terms.values()].filter((t) => t.year === year);
    const apps = () => this.apps.filter((a) => a.term.year === year);
    const anyTerm = () => (terms().length > 0 ? this.rng.pick(terms()) : undefined);
    const anyApp = () => (apps().length > 0 ? this.rng.pick(apps()) : undefined);
    const on = <T>(target: T | undefined, act: (t: T) => Promise<unknown>): Action | undefined =>
      target === undefined ? undefined : () => act(target);
    const n = (perUnit: number, units: number) => Math.ceil(perUnit * units * this.scale);

    // 朝阳 第十七条(一)(二) etc.: submissions within the notice period; the last days are late.
    await this.phase(year, 'submissions', d('05-06'), d('07-03'), n(12, terms().length), () =>
      this.rng.weighted<Action | undefined>([
        [0.62, on(anyTerm(), (t) => this.submit(t, 'valid'))],
        [0.23, on(anyTerm(), (t) => this.submit(t, 'invalid'))],
        [0.05, on(anyApp(), (a) => this.command(a, { type: 'withdraw', reason: '企业主动撤回申报' }))],
        [0.05, on(anyApp(), (a) => this.anyCommand(a))],
        [0.05, on(anyApp(), (a) => this.review(a, '2020-01-01'))],
      ]),
    );
    await this.phase(year, 'review', d('07-04'), d('08-28'), n(11, apps().length), () =>
      this.rng.weighted<Action | undefined>([
        [0.85, on(this.pickApp(apps(), ...REVIEW_COMMANDS), (a) => this.review(a))],
        [0.01, on(anyApp(), (a) => this.command(a, { type: 'eliminate', reason: '材料评审未达到分数线' }))],
        [0.01, on(anyApp(), (a) => this.command(a, { type: 'withdraw', reason: '企业主动撤回申报' }))],
        [0.05, on(anyApp(), (a) => this.anyCommand(a))],
        [0.02, on(anyTerm(), (t) => this.propose(t))],
        [0.02, on(anyTerm(), (t) => this.approve(t))],
        [0.02, on(anyApp(), (a) => this.review(a, addDays(this.today(), 2)))],
      ]),
    );
    // 忻州 第十八条: the candidate list is publicised before the proposed list is formed.
    await this.phase(year, 'candidate-round', d('09-01'), d('09-02'), terms().length + 1, () =>
      this.rng.weighted<Action | undefined>([
        [0.8, on(anyTerm(), (t) => this.candidateRound(t))],
        [0.2, on(this.pickApp(apps(), ...REVIEW_COMMANDS), (a) => this.review(a))],
      ]),
    );
    await this.phase(year, 'candidate-publicity', d('09-03'), d('09-18'), n(2.5, apps().length / 4), () =>
      this.rng.weighted<Action | undefined>([
        [0.3, on(this.pickApp(apps(), 'object'), (a) => this.object(a))],
        [0.3, on(this.pickApp(apps(), 'objection-decision'), (a) => this.decideObjection(a))],
        [0.2, on(this.pickApp(apps(), 'close-publicity'), (a) => this.command(a, { type: 'close-publicity' }))],
        [0.2, on(this.pickApp(apps(), ...REVIEW_COMMANDS), (a) => this.review(a))],
      ]),
    );
    await this.phase(year, 'proposed-list', d('09-19'), d('09-30'), n(1, apps().length) + 4 * terms().length, () =>
      this.rng.weighted<Action | undefined>([
        [0.4, on(this.pickApp(apps(), 'close-publicity'), (a) => this.command(a, { type: 'close-publicity' }))],
        [0.4, on(anyTerm(), (t) => this.propose(t))],
        [0.1, on(this.pickApp(apps(), 'objection-decision'), (a) => this.decideObjection(a))],
        [0.1, on(anyApp(), (a) => this.anyCommand(a))],
      ]),
    );
    await this.phase(year, 'proposed-publicity', d('10-08'), d('10-10'), 2 * terms().length, () =>
      this.rng.weighted<Action | undefined>([
        [0.75, on(this.pickTerm(terms(), 'open', 'publicity'), (t) => this.startProposedPublicity(t))],
        [0.15, on(anyTerm(), (t) => this.propose(t))],
        [0.1, on(anyTerm(), (t) => this.approve(t))],
      ]),
    );
    await this.phase(year, 'objections', d('10-10'), d('10-31'), n(3, apps().length), () =>
      this.rng.weighted<Action | undefined>([
        [0.33, on(this.pickApp(apps(), 'object'), (a) => this.object(a))],
        [0.35, on(this.pickApp(apps(), 'objection-decision'), (a) => this.decideObjection(a))],
        [0.07, on(this.pickTerm(terms(), 'publicity'), (t) => this.approve(t))],
        [0.1, on(this.pickApp(apps(), 'close-publicity'), (a) => this.command(a, { type: 'close-publicity' }))],
        [0.05, on(anyTerm(), (t) => this.propose(t))],
        [0.05, on(anyApp(), (a) => this.command(a, { type: 'withdraw', reason: '企业主动撤回申报' }))],
        [0.05, on(anyApp(), (a) => this.anyCommand(a))],
      ]),
    );
    await this.phase(year, 'approval', d('11-01'), d('11-30'), n(1, apps().length) + 3 * terms().length, () =>
      this.rng.weighted<Action | undefined>([
        [0.3, on(this.pickApp(apps(), 'objection-decision'), (a) => this.decideObjection(a))],
        [0.2, on(this.pickApp(apps(), 'close-publicity'), (a) => this.command(a, { type: 'close-publicity' }))],
        [0.3, on(this.pickTerm(terms(), 'publicity'), (t) => this.approve(t))],
        [0.1, on(anyApp(), (a) => this.object(a))],
        [0.1, on(this.pickApp(this.apps, 'revoke'), (a) => this.revoke(a))],
        [0.1, on(this.pickTerm(terms(), 'approved'), (t) => this.supplementary(t))],
      ]),
    );
    // Revocations reach back to earlier terms (朝阳 第三十六条: within 3 years of the award).
    await this.phase(year, 'after-award', d('12-01'), d('12-31'), Math.max(6, Math.ceil(this.apps.length / 6)), () =>
      this.rng.weighted<Action | undefined>([
        [0.5, on(this.pickApp(this.apps, 'revoke'), (a) => this.revoke(a))],
        [0.2, on(this.pickApp(this.apps, 'file-annual-report'), (a) => this.command(a, { type: 'file-annual-report', year: this.rng.int(year - 1, year + 1) }))],
        [0.2, on(this.apps.length > 0 ? this.rng.pick(this.apps) : undefined, (a) => this.anyCommand(a))],
        [0.1, on(this.apps.length > 0 ? this.rng.pick(this.apps) : undefined, (a) => this.command(a, { type: 'withdraw', reason: '撤回' }))],
        [0.15, on(this.pickTerm(terms(), 'approved'), (t) => this.supplementary(t))],
      ]),
    );
  }

  // --- commands ------------------------------------------------------------------------------------

  private async openTerms(year: number): Promise<void> {
    for (const programmeId of PROGRAMMES) {
      const opened = await this.attempt('open-term', (ctx) =>
        this.service.openTerm(programmeId, { year, noticeDate: this.today(), applicationDeadline: `${year}-06-30` }, ctx),
      );
      if (opened) await this.register(programmeId, year);
    }
    // Refused: a second term in a year, a term within the cycle, a deadline before the notice.
    const programmeId = this.rng.pick(PROGRAMMES);
    await this.attempt('open-term', (ctx) =>
      this.service.openTerm(programmeId, { year, noticeDate: this.today(), applicationDeadline: `${year}-06-30` }, ctx),
    );
    await this.attempt('open-term', (ctx) =>
      this.service.openTerm(programmeId, { year, noticeDate: this.today(), applicationDeadline: `${year}-01-01` }, ctx),
    );
    // A term of an earlier year: refused within the cycle (or without a regulation in force), else a term.
    const earlier = year - this.rng.int(1, 2);
    if (
      await this.attempt('open-term', (ctx) =>
        this.service.openTerm(programmeId, { year: earlier, noticeDate: `${earlier}-05-05`, applicationDeadline: `${earlier}-06-30` }, ctx),
      )
    ) {
      await this.register(programmeId, earlier);
    }
  }

  private async register(programmeId: string, year: number): Promise<void> {
    const term = await this.service.getTerm(termIdFor(programmeId, year));
    this.terms.set(term.termId, { termId: term.termId, programmeId, year, policy: policies.get(programmeId, term.policyVersion) });
    this.termStatus.set(term.termId, term.status);
  }

  private async submit(term: TermInfo, variant: 'valid' | 'invalid'): Promise<void> {
    const { policy } = term;
    // A small pool of applicants per programme: they come back in later terms, so the bans apply.
    const n = this.rng.int(1, Math.ceil(12 * this.scale));
    let kind: string = this.rng.pick(policy.applicantKinds.kinds);
    let channel: string = this.rng.pick(policy.channels.kinds);
    let id = kind === 'organisation' ? organisationId(n) : personId(n);
    let termId = term.termId;
    let occurredAt: string | undefined;
    const decl: Record<string, unknown> = declaration(policy);
    if (variant === 'invalid') {
      switch (this.rng.int(0, 6)) {
        case 0:
          kind = policy.applicantKinds.kinds.includes('individual') ? 'collective' : 'individual';
          break;
        case 1:
          channel = policy.channels.kinds.includes('direct') ? 'television' : 'direct';
          break;
        case 2:
          id = `${id.slice(0, -1)}${id.endsWith('0') ? '1' : '0'}`; // wrong check character
          break;
        case 3: {
          const exclusion = policy.eligibility.exclusions[0];
          if (exclusion) decl.exclusions = { ...(decl.exclusions as object), [exclusion.code]: true };
          break;
        }
        case 4:
          decl.operatingSince = this.today();
          decl.qualityWorkSince = this.today();
          break;
        case 5:
          termId = termIdFor(term.programmeId, term.year + 1);
          break;
        default:
          occurredAt = addDays(this.today(), 1);
      }
    }
    const input = {
      termId,
      applicant: { kind: kind as ApplicantKind, id, name: `申报者${n}` },
      channel: { kind: channel as never, recommender: channel === 'direct' ? null : '市场监督管理局' },
      declaration: decl as never,
    };
    let applicationId: string | undefined;
    await this.attempt(
      'submit',
      async (ctx) => {
        const result = await this.service.submitApplication(input, ctx);
        applicationId = result.id;
        return result;
      },
      occurredAt,
    );
    if (applicationId && !this.apps.some((a) => a.id === applicationId)) {
      const app = { id: applicationId, term };
      this.apps.push(app);
      await this.refresh([app]);
    }
  }

  /** The next review step the application accepts, with a random outcome; otherwise any command. */
  private async review(app: AppInfo, occurredAt?: string): Promise<void> {
    const acceptedNow = this.views.get(app.id)?.acceptedCommands ?? [];
    const accepted = REVIEW_COMMANDS.filter((c) => acceptedNow.includes(c));
    if (accepted.length === 0) return this.anyCommand(app);
    await this.command(app, this.build(this.rng.pick(accepted)), occurredAt);
  }

  /** Any API command, whatever the state: most are refused. */
  private async anyCommand(app: AppInfo): Promise<void> {
    await this.command(app, this.build(this.rng.pick(API_COMMANDS)));
  }

  private async object(app: AppInfo): Promise<void> {
    const anonymous = this.rng.chance(0.3);
    await this.command(app, {
      type: 'object',
      objectionId: `objection-${this.seed}-${this.issued}`,
      objector: anonymous
        ? { anonymous: true, consentToDisclose: false }
        : { anonymous: false, name: '王某', contact: '13800000000', consentToDisclose: this.rng.chance(0.3) },
      grounds: '申报材料中的获奖情况与事实不符',
      evidenceProvided: this.rng.chance(0.7),
    });
  }

  private async decideObjection(app: AppInfo): Promise<void> {
    const view = await this.service.getApplication(app.id);
    const objection = view.objections.length > 0 ? this.rng.pick(view.objections) : undefined;
    const objectionId = objection?.objectionId ?? 'no-such-objection';
    const decision = this.rng.chance(0.1)
      ? this.rng.pick(['accept', 'refuse', 'request-evidence', 'record-evidence', 'uphold', 'dismiss'] as const)
      : objection?.status === 'received'
        ? this.rng.weighted([[0.6, 'accept'], [0.4, 'refuse']] as const)
        : this.rng.weighted([[0.3, 'request-evidence'], [0.2, 'record-evidence'], [0.2, 'uphold'], [0.3, 'dismiss']] as const);
    const pending = objection?.evidenceRequests.filter((r) => r.status === 'pending') ?? [];
    const from =
      decision === 'record-evidence' && pending.length > 0 && this.rng.chance(0.9)
        ? (this.rng.pick(pending).from as 'applicant')
        : this.rng.pick(['recommender', 'applicant', 'objector'] as const);
    await this.command(app, {
      type: 'objection-decision',
      objectionId,
      decision,
      from,
      deadline: addDays(this.today(), this.rng.int(-1, 10)),
      reason: '经核查',
    });
  }

  private async revoke(app: AppInfo): Promise<void> {
    const grounds = app.term.policy.revocation.grounds.map((g) => g.code);
    const incidentOn = this.rng.weighted<string | undefined>([
      [0.4, undefined],
      [0.4, addDays(this.today(), -this.rng.int(0, 400))],
      [0.2, addDays(this.today(), -this.rng.int(400, 2000))],
    ]);
    await this.command(app, {
      type: 'revoke',
      ground: this.rng.chance(0.1) ? 'no-such-ground' : this.rng.pick(grounds),
      ...(incidentOn ? { incidentOn } : {}),
    });
    await this.hooks.placesMayHaveChanged(app.term);
  }

  private async candidateRound(term: TermInfo): Promise<void> {
    const chain = buildChain(term.policy);
    const index = chain.steps.findIndex((s) => s.kind === 'publicity' && s.round.list === 'candidate');
    const candidateStep = chain.steps[index];
    if (!candidateStep || candidateStep.kind !== 'publicity') return;
    const waiting = this.appsIn(term, chain.steps[index - 1]!.after);
    const others = this.apps.filter((a) => a.term === term && !waiting.includes(a));
    const candidates = waiting.map((a) => a.id);
    if (others.length > 0 && this.rng.chance(0.15)) candidates.push(this.rng.pick(others).id);
    if (
      await this.attempt('start-publicity', (ctx) =>
        this.service.startPublicity(term.termId, { round: candidateStep.round.round, startDate: this.today(), candidates }, ctx),
      )
    ) {
      await this.refreshTerm(term);
    }
  }

  private async propose(term: TermInfo): Promise<void> {
    const { policy } = term;
    const chain = buildChain(policy);
    const eligible = this.appsIn(term, chain.steps[chain.proposedIndex - 1]!.after);
    const others = this.apps.filter((a) => a.term === term && !eligible.includes(a));
    const tier = () =>
      this.rng.weighted([
        [0.6, policy.tiers[0]!.id],
        [0.37, this.rng.pick(policy.tiers).id],
        [0.03, 'platinum'],
      ]);
    // Sometimes the whole list in the top tier: over the quota where there are enough candidates.
    const everyone = this.rng.chance(0.2);
    const chosen = everyone ? eligible : this.rng.subset(eligible, this.rng.int(1, Math.max(1, eligible.length)));
    const entries = chosen.map((a) => ({ applicationId: a.id, tier: everyone ? policy.tiers[0]!.id : tier() }));
    if (others.length > 0 && (entries.length === 0 || this.rng.chance(0.1))) entries.push({ applicationId: this.rng.pick(others).id, tier: tier() });
    if (await this.attempt('record-proposed-list', (ctx) => this.service.recordProposedList(term.termId, entries, ctx))) await this.refreshTerm(term);
    await this.hooks.placesMayHaveChanged(term);
  }

  private async startProposedPublicity(term: TermInfo): Promise<void> {
    const rounds = sortedRounds(term.policy);
    const round = this.rng.chance(0.9) ? rounds.at(-1)!.round : rounds.at(-1)!.round + 1;
    if (await this.attempt('start-publicity', (ctx) => this.service.startPublicity(term.termId, { round, startDate: this.today() }, ctx))) {
      await this.refreshTerm(term);
    }
  }

  private async approve(term: TermInfo): Promise<void> {
    const documentNo = this.rng.chance(0.05) ? ' ' : `${term.programmeId}〔${term.year}〕${this.issued}号`;
    if (await this.attempt('approve', (ctx) => this.service.approve(term.termId, { decisionDate: this.today(), documentNo }, ctx))) {
      await this.refreshTerm(term);
    }
    await this.hooks.placesMayHaveChanged(term);
  }

  /**
   * A supplementary decision on an application the approval left out with an open objection (its
   * objection may still be open or upheld: refused), or now and then on one it awarded (refused).
   */
  private async supplementary(term: TermInfo): Promise<void> {
    const view = await this.service.getTerm(term.termId);
    const left = view.status === 'approved' ? (view as unknown as { approval: { notAwarded: Array<{ applicationId: string }> } }).approval.notAwarded : [];
    const others = this.apps.filter((a) => a.term === term);
    const target = left.length > 0 && this.rng.chance(0.9) ? this.rng.pick(left).applicationId : others.length > 0 ? this.rng.pick(others).id : undefined;
    if (!target) return;
    const decision = this.rng.chance(0.75) ? ('award' as const) : ('not-award' as const);
    const input = { applicationId: target, decision, decisionDate: this.today(), documentNo: `${term.programmeId}〔${term.year}〕补${this.issued}号`, ...(decision === 'not-award' ? { reason: '不予表彰' } : {}) };
    if (await this.attempt(`supplementary-approval/${decision}`, (ctx) => this.service.supplementaryApproval(term.termId, input, ctx))) await this.refreshTerm(term);
    await this.hooks.placesMayHaveChanged(term);
  }

  private async command(app: AppInfo, command: ApplicationCommandInput, occurredAt?: string): Promise<boolean> {
    const name = command.type === 'objection-decision' ? `objection-decision/${command.decision}` : command.type;
    const done = await this.attempt(name, (ctx) => this.service.applicationCommand(app.id, command, ctx), occurredAt);
    if (done) await this.refresh([app]);
    return done;
  }

  private build(type: ApiCommandType): ApplicationCommandInput {
    const reviews = () => [
      {
        reviewerId: 'expert-1',
        recused: false,
        // Now and then above a GB/T 19580 category maximum: refused where the policy lists categories (瀍河, 朝阳).
        scores: Object.fromEntries(
          SCORE_CATEGORIES.map((c) => [c, this.rng.int(Math.floor(SCORE_RANGES[c] * 0.4), SCORE_RANGES[c] + (this.rng.chance(0.02) ? 5 : 0))]),
        ) as unknown as CategoryScores,
      },
    ];
    switch (type) {
      case 'recommend':
        return { type, opinion: '同意推荐' };
      case 'qualification-review':
        return this.rng.chance(0.9) ? { type, outcome: 'accepted' } : { type, outcome: 'rejected', reason: '不符合申报条件' };
      case 'opinion-survey':
        return { type, findings: '无不良舆情', adverse: this.rng.chance(0.1) };
      case 'department-opinions':
        return { type, opinions: [{ department: '公安局', opinion: '无异常', adverse: this.rng.chance(0.1) }] };
      case 'materials-review':
      case 'on-site-review':
        return { type, reviews: reviews() } as ApplicationCommandInput;
      case 'oral-defence':
        return { type, outcome: 'passed' };
      case 'shortlist':
      case 'candidate':
      case 'close-publicity':
        return { type };
      case 'eliminate':
        return { type, reason: '评审未通过' };
      case 'withdraw':
        return { type, reason: '主动撤回' };
      case 'revoke':
        return { type, ground: 'fraud' };
      case 'object':
        return {
          type,
          objectionId: `objection-${this.seed}-${this.issued}`,
          objector: { anonymous: true, consentToDisclose: false },
          grounds: '质疑',
          evidenceProvided: false,
        };
      case 'objection-decision':
        return { type, objectionId: 'no-such-objection', decision: 'accept' };
      case 'file-annual-report':
        return { type, year: Number(this.today().slice(0, 4)) };
      default: {
        const _exhaustive: never = type;
        throw new Error(`No builder for ${String(_exhaustive)}`);
      }
    }
  }

  // --- plumbing ------------------------------------------------------------------------------------

  /**
   * Runs one command with a fresh command id. A domain error is a refusal (counted); any other
   * error fails the run. Now and then a success is retried with the same context, as a client
   * would after a lost answer: it must be an idempotent replay.
   */
  private async attempt(name: string, run: (ctx: CommandContext) => Promise<Outcome>, occurredAt?: string): Promise<boolean> {
    this.issued += 1;
    const commandId = deterministicUuid(`consistency\u0000${this.seed}\u0000${this.issued}`);
    const ctx: CommandContext = {
      actor: { sub: 'office-1', name: '评定办', roles: ['office'] },
      commandId,
      correlationId: commandId,
      ...(occurredAt ? { occurredAt } : {}),
    };
    this.stats.tried += 1;
    try {
      await run(ctx);
    } catch (error) {
      if (!(error instanceof DomainError)) {
        throw new Error(`${name} on ${this.today()} failed with a non-domain error: ${(error as Error).stack ?? String(error)}`);
      }
      this.stats.refusedByCode[error.code] = (this.stats.refusedByCode[error.code] ?? 0) + 1;
      const key = `${name}:${error.code}`;
      this.stats.refusedByCommand[key] = (this.stats.refusedByCommand[key] ?? 0) + 1;
      await this.hooks.afterCommand();
      return false;
    }
    this.stats.succeeded += 1;
    this.stats.succeededByCommand[name] = (this.stats.succeededByCommand[name] ?? 0) + 1;
    if (this.rng.chance(0.03)) {
      const again = await run(ctx);
      if (!again.idempotentReplay) throw new Error(`${name}: a retry with the same command id wrote again`);
      this.stats.idempotentRetries += 1;
    }
    await this.hooks.afterCommand();
    return true;
  }

  private async phase(year: number, name: string, from: string, to: string, steps: number, choose: () => Action | undefined): Promise<void> {
    await this.hooks.phaseStarted(year, name);
    const span = toDayNumber(to) - toDayNumber(from);
    for (let i = 0; i < steps; i++) {
      this.moveTo(addDays(from, Math.floor((span * i) / Math.max(1, steps))));
      await choose()?.();
    }
    this.moveTo(to);
  }

  /** Applications of the term whose public state is `state`. */
  private appsIn(term: TermInfo, state: string): AppInfo[] {
    return this.apps.filter((a) => a.term === term && this.views.get(a.id)?.state === state);
  }

  /** Mostly an application that accepts `command` now, else any: the refusals are part of the run. */
  private pickApp(apps: readonly AppInfo[], ...commands: ApiCommandType[]): AppInfo | undefined {
    if (apps.length === 0) return undefined;
    const wanted = apps.filter((a) => this.views.get(a.id)?.acceptedCommands.some((c) => commands.includes(c as ApiCommandType)));
    if (wanted.length > 0) return this.rng.chance(0.9) ? this.rng.pick(wanted) : this.rng.pick(apps);
    return this.rng.chance(0.2) ? this.rng.pick(apps) : undefined;
  }

  private async refreshTerm(term: TermInfo): Promise<void> {
    this.termStatus.set(term.termId, (await this.service.getTerm(term.termId)).status);
    await this.refresh(this.apps.filter((a) => a.term === term));
  }

  /** Mostly a term in one of `statuses`, else any. */
  private pickTerm(terms: readonly TermInfo[], ...statuses: string[]): TermInfo | undefined {
    const wanted = terms.filter((t) => statuses.includes(this.termStatus.get(t.termId)!));
    if (wanted.length > 0 && this.rng.chance(0.85)) return this.rng.pick(wanted);
    return terms.length > 0 && this.rng.chance(0.3) ? this.rng.pick(terms) : undefined;
  }

  /** Re-reads the applications a successful command may have moved. */
  private async refresh(apps: readonly AppInfo[]): Promise<void> {
    for (const app of apps) {
      const { state, acceptedCommands } = await this.service.getApplication(app.id);
      this.views.set(app.id, { state, acceptedCommands });
    }
  }

  private today(): string {
    return shanghaiDate(this.clock.now());
  }

  private moveTo(date: string): void {
    const at = new Date(`${date}T02:00:00Z`);
    if (at > this.clock.now()) this.clock.set(at);
  }
}
