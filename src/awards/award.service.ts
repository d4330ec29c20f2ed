/**
 * The award application service: framework-free (the Nest edge wraps it). Every command goes
 * through handleCommand (read, fold, decide, append once, atomically, with expected revisions).
 *
 * Consistency boundaries:
 * - a submission appends the application (no_stream) and the applicant's history (its revision):
 *   one application per term and the re-application bans hold under races (朝阳 第十七条(三));
 * - a term decision appends the term and every application it touches (and the applicants'
 *   histories on award) in one appendMultiple: the term's revision serialises proposals and
 *   approvals, so a quota (淄博 第四条, 济南 第二条, 忻州 第四条, 瀍河 第四条, 朝阳 第三条) can
 *   never be exceeded, not even by two decisions at the same moment.
 */
import type { Clock } from '../clock/clock.js';
import type { EventStore, StoredEvent } from '../event-store/event-store.port.js';
import { IllegalTransitionError, NotFoundError, RuleViolationError } from '../../workflows/errors.js';
import type { WorkingDayCalendar } from '../../workflows/calendar/working-days.js';
import type { PolicyRegistry } from '../../workflows/policy/registry.js';
import type { ApplicantKind, ChannelKind, ProgrammePolicy } from '../../workflows/policy/policy.types.js';
import { checkEligibility, type SubmissionInput } from '../../workflows/policy/eligibility.js';
import { checkInternalPublicity, type InternalPublicityDeclaration } from '../../workflows/policy/internal-publicity.js';
import { evaluateBans } from '../../workflows/policy/bans.js';
import { assertApplicantId } from '../../workflows/identifiers/index.js';
import {
  applicationStreamId,
  type ApplicationEvent,
  type ApplicationSubmitted,
  type Declaration,
} from '../../workflows/application/events.js';
import { evolveApplication, initialApplication } from '../../workflows/application/replay.js';
import { decide as decideApplication } from '../../workflows/application/decide.js';
import { acceptedCommands } from '../../workflows/application/accepted.js';
import type { ApiCommandType, ApplicationCommand } from '../../workflows/application/commands.js';
import {
  applicantStreamId,
  decideApply,
  type ApplicantAwarded,
  type ApplicantAwardRevoked,
  type ApplicantEvent,
} from '../../workflows/applicant/applicant.js';
import {
  programmeTermsStreamId,
  termIdFor,
  termStreamId,
  type TermEvent,
  type TermRegistered,
} from '../../workflows/term/events.js';
import { type ApplicationSummary, decideTerm, sortedRounds, termAcceptedCommands } from '../../workflows/term/decide.js';
import { foldProgrammeTerms, foldTerm, placesHeld, type OpenedTermState } from '../../workflows/term/term.js';
import { type CommandContext, deterministicUuid } from './command-context.js';
import { type CommandOutcome, type ReadStream, type StreamChange, handleCommand } from './command-handler.js';
import { type LoadedApplication, applicationView, foldApplication, publicityStanding } from './application-view.js';
import { FoldCache, StreamCache } from './stream-cache.js';
import { type Viewer, maskEvent } from '../read-models/objector-masking.js';

export interface AwardServiceDeps {
  store: EventStore;
  policies: PolicyRegistry;
  clock: Clock;
  calendar: WorkingDayCalendar;
  /** Re-decisions after a concurrent write (default 3). */
  maxRetries?: number;
  /** Streams (and application folds) kept in memory between requests (default 2000). */
  cachedStreams?: number;
}

export interface SubmitApplicationInput {
  termId: string;
  applicant: { kind: ApplicantKind; id: string; name: string };
  channel: { kind: ChannelKind; recommender: string | null };
  declaration: SubmissionInput['declaration'] & Record<string, unknown>;
}

type WithoutBase<C> = C extends unknown ? Omit<C, 'now' | 'occurredOn'> : never;
/** An API command of the statechart; `now` and `occurredOn` come from the clock and ctx. */
export type ApplicationCommandInput = WithoutBase<Extract<ApplicationCommand, { type: ApiCommandType }>>;
/** The commands the deadline scheduler issues (src/deadlines). */
export type ScheduledCommandType = 'close-publicity' | 'evidence-deadline-missed' | 'annual-report-overdue' | 'close-revocation-window';
export type ScheduledCommandInput = WithoutBase<Extract<ApplicationCommand, { type: ScheduledCommandType }>>;

export interface CommandResult {
  id: string;
  state: string;
  revision: number;
  position: number;
  idempotentReplay: boolean;
}

export interface TermResult {
  termId: string;
  state: string;
  revision: number;
  position: number;
  idempotentReplay: boolean;
}

export class AwardService {
  private readonly streams: StreamCache;
  private readonly folds: FoldCache<LoadedApplication>;

  constructor(private readonly deps: AwardServiceDeps) {
    this.streams = new StreamCache(deps.store, deps.cachedStreams);
    this.folds = new FoldCache(deps.cachedStreams);
  }

  // --- terms -------------------------------------------------------------------------------------

  async openTerm(
    programmeId: string,
    input: { year: number; noticeDate: string; applicationDeadline: string },
    ctx: CommandContext,
  ): Promise<TermResult> {
    // A term is governed by the version in force on its notice date (NoPolicyVersionError otherwise).
    const policy = this.deps.policies.inForce(programmeId, input.noticeDate);
    const termId = termIdFor(programmeId, input.year);
    const outcome = await this.handle(ctx, 'open-term', termStreamId(termId), async ({ read, primary }) => {
      const register = await read(programmeTermsStreamId(programmeId));
      const existing = foldProgrammeTerms(register.events as unknown as TermRegistered[]);
      const [opened] = decideTerm(
        { type: 'OpenTerm', data: { programmeId, ...input, existingTerms: existing.terms } },
        foldTerm(primary.events as unknown as TermEvent[]),
        { policy },
      );
      if (opened?.type !== 'TermOpened') throw new Error('OpenTerm decides TermOpened');
      const registered: TermRegistered = {
        type: 'TermRegistered',
        data: { programmeId, termId, year: input.year, noticeDate: input.noticeDate, policyVersion: policy.version },
      };
      return [
        { streamId: primary.streamId, events: [opened] },
        { streamId: register.streamId, events: [registered] },
      ];
    });
    return this.termResult(termId, outcome);
  }

  async recordProposedList(
    termId: string,
    entries: Array<{ applicationId: string; tier: string }>,
    ctx: CommandContext,
  ): Promise<TermResult> {
    const outcome = await this.handle(ctx, 'record-proposed-list', termStreamId(termId), async ({ read, primary, occurredAt }) => {
      const { state, policy } = this.openedTerm(termId, primary.events);
      const apps = await this.loadApplications(read, entries.map((e) => e.applicationId));
      const proposedEvent = (app: LoadedApplication, tier: string): ApplicationEvent => ({
        type: 'ApplicationProposed',
        data: { applicationId: app.id, tier, proposedOn: occurredAt },
      });
      const summaries = summarise(apps, (app) => app.replayed.snapshot.can(proposedEvent(app, policy.tiers[0]!.id)));
      // The service only adds to the list: the statechart has no way back from 'proposed', so a
      // replacing list (supported by the decider) is not offered here.
      const [recorded] = decideTerm(
        { type: 'RecordProposedList', data: { entries, replace: false, applications: summaries } },
        state,
        { policy },
      );
      const changes: StreamChange[] = [{ streamId: primary.streamId, events: [recorded!] }];
      for (const entry of entries) {
        const app = apps.get(entry.applicationId)!;
        changes.push({ streamId: applicationStreamId(app.id), events: [accepted(app, proposedEvent(app, entry.tier))] });
      }
      return changes;
    });
    return this.termResult(termId, outcome);
  }

  async startPublicity(
    termId: string,
    input: { startDate: string; round: number; candidates?: string[] },
    ctx: CommandContext,
  ): Promise<TermResult> {
    const outcome = await this.handle(ctx, 'start-publicity', termStreamId(termId), async ({ read, primary }) => {
      const { state, policy } = this.openedTerm(termId, primary.events);
      const roundPolicy = sortedRounds(policy).find((r) => r.round === input.round);
      const ids = roundPolicy?.list === 'proposed' ? state.proposed.map((p) => p.applicationId) : input.candidates ?? [];
      const apps = await this.loadApplications(read, ids);
      const startEvent = (app: LoadedApplication, data: { startDate: string; endDate: string; endsAt: string }): ApplicationEvent => ({
        type: 'PublicityStarted',
        data: { applicationId: app.id, round: input.round, list: roundPolicy?.list ?? 'candidate', ...data },
      });
      const probe = { startDate: input.startDate, endDate: input.startDate, endsAt: input.startDate };
      const summaries = summarise(apps, (app) => app.replayed.snapshot.can(startEvent(app, probe)));
      const [started] = decideTerm(
        { type: 'StartPublicity', data: { ...input, applications: summaries } },
        state,
        { policy, calendar: this.deps.calendar },
      );
      if (started?.type !== 'PublicityStarted') throw new Error('StartPublicity decides PublicityStarted');
      const { startDate, endDate, endsAt } = started.data;
      const changes: StreamChange[] = [{ streamId: primary.streamId, events: [started] }];
      for (const id of started.data.applicationIds) {
        const app = apps.get(id)!;
        changes.push({ streamId: applicationStreamId(id), events: [accepted(app, startEvent(app, { startDate, endDate, endsAt }))] });
      }
      return changes;
    });
    return this.termResult(termId, outcome);
  }

  /**
   * The government's decision. Awards every proposed application whose last publicity ended with
   * no objection open or upheld; an ended round no scheduler has closed yet is closed in the same
   * append. An application with an objection still open stays as it is (the statechart does not
   * let it leave an open objection) and is listed in `notAwarded` with 'objection-pending';
   * disqualified or withdrawn ones already left and are listed with their reason.
   */
  async approve(termId: string, input: { decisionDate: string; documentNo: string }, ctx: CommandContext): Promise<TermResult> {
    const outcome = await this.handle(ctx, 'approve', termStreamId(termId), async ({ read, primary, now, occurredAt }) => {
      const { state, policy } = this.openedTerm(termId, primary.events);
      const apps = await this.loadApplications(read, state.proposed.map((p) => p.applicationId));
      const standings = Object.fromEntries([...apps.values()].map((app) => [app.id, publicityStanding(app)]));
      const [approved] = decideTerm(
        { type: 'ApproveTerm', data: { ...input, now: now.toISOString(), standings } },
        state,
        { policy },
      );
      if (approved?.type !== 'TermApproved') throw new Error('ApproveTerm decides TermApproved');
      const changes: StreamChange[] = [{ streamId: primary.streamId, events: [approved] }];
      for (const place of approved.data.awarded) {
        const app = apps.get(place.applicationId)!;
        const events: ApplicationEvent[] = [];
        let replayed = app.replayed;
        if (replayed.state === 'publicized') {
          const round = replayed.context.publicity.current!;
          events.push({ type: 'PublicityClosed', data: { applicationId: app.id, round, closedOn: occurredAt } });
          replayed = evolveApplication(app.policy, replayed, events[0]!);
        }
        const award: ApplicationEvent = {
          type: 'ApplicationAwarded',
          data: { applicationId: app.id, tier: place.tier, decisionDate: input.decisionDate, documentNo: input.documentNo },
        };
        if (!replayed.snapshot.can(award)) throw illegal('approve', app);
        events.push(award);
        changes.push({ streamId: applicationStreamId(app.id), events });
        const history = await read(applicantStreamId(policy.programmeId, app.submitted.applicant.id));
        const awarded: ApplicantAwarded = {
          type: 'ApplicantAwarded',
          data: { applicationId: app.id, termId, termYear: state.year, tier: place.tier, date: input.decisionDate },
        };
        changes.push({ streamId: history.streamId, events: [awarded] });
      }
      return changes;
    });
    return this.termResult(termId, outcome);
  }

  // --- applications ------------------------------------------------------------------------------

  async submitApplication(input: SubmitApplicationInput, ctx: CommandContext): Promise<CommandResult> {
    const id = deterministicUuid(`application\u0000${ctx.commandId}`);
    const outcome = await this.handle(ctx, 'submit', applicationStreamId(id), async ({ read, primary, occurredAt }) => {
      const term = await read(termStreamId(input.termId));
      const { state, policy } = this.openedTerm(input.termId, term.events);
      const rule = (article: string) => ({ programme: policy.programmeId, version: policy.version, article });
      const noticeArticle = policy.notice?.article ?? policy.stages[0]?.article ?? policy.validity.article;
      // Submissions within the notice's period (淄博 第十四条, 济南 第十三条, 瀍河 第十五条, 朝阳 第十七条(一)(二)).
      if (state.status !== 'open' || occurredAt < state.noticeDate || occurredAt > state.applicationDeadline) {
        throw new RuleViolationError(
          `Term ${input.termId} accepts applications from ${state.noticeDate} to ${state.applicationDeadline}`,
          rule(noticeArticle),
          'submittedOn',
          { submittedOn: occurredAt },
        );
      }
      if (!policy.applicantKinds.kinds.includes(input.applicant.kind)) {
        throw new RuleViolationError(`${policy.name} is not open to ${input.applicant.kind}s`, rule(policy.applicantKinds.article), 'applicant.kind');
      }
      if (!policy.channels.kinds.includes(input.channel.kind)) {
        throw new RuleViolationError(`Channel '${input.channel.kind}' is not a channel of ${policy.name}`, rule(policy.channels.article), 'channel.kind');
      }
      // 统一社会信用代码 (GB 32100-2015) for organisations, 公民身份号码 (GB 11643-1999) for individuals.
      const applicantId = assertApplicantId(input.applicant.kind, input.applicant.id, 'applicant.id');
      const applicant = { ...input.applicant, id: applicantId };
      checkEligibility(
        policy,
        { applicant, channel: { kind: input.channel.kind, recommender: input.channel.recommender ?? '' }, declaration: input.declaration },
        state.noticeDate,
      );
      // 忻州 第十四条: publicised inside the applicant's organisation first (working days: the calendar).
      checkInternalPublicity(
        policy,
        (input.declaration as { internalPublicity?: InternalPublicityDeclaration }).internalPublicity,
        occurredAt,
        this.deps.calendar,
      );
      const history = await read(applicantStreamId(policy.programmeId, applicantId));
      const applied = decideApply(
        { applicationId: id, termId: state.termId, termYear: state.year, policyVersion: policy.version, date: occurredAt },
        history.events as unknown as ApplicantEvent[],
        policy,
        (facts) =>
          evaluateBans((p, v) => this.deps.policies.get(p, v), facts, {
            programmeId: policy.programmeId,
            termYear: state.year,
            date: occurredAt,
          }),
      );
      const submitted: ApplicationSubmitted = {
        type: 'ApplicationSubmitted',
        data: {
          applicationId: id,
          termId: state.termId,
          programmeId: policy.programmeId,
          policyVersion: policy.version,
          applicant,
          channel: { kind: input.channel.kind, recommender: input.channel.recommender },
          declaration: input.declaration as unknown as Declaration,
          submittedOn: occurredAt,
        },
      };
      if (!initialApplication(policy).snapshot.can(submitted)) throw new Error('The statechart refuses the submission');
      return [
        { streamId: primary.streamId, events: [submitted] },
        { streamId: history.streamId, events: [applied] },
      ];
    });
    return this.applicationResult(id, outcome);
  }

  /**
   * Any command of the application's statechart ('recommend', …, 'object', 'objection-decision',
   * 'close-publicity', 'revoke'). A revocation also appends ApplicantAwardRevoked to the
   * applicant's history (the bans rest on it) and AwardRevokedOnTerm to the term, atomically.
   */
  async applicationCommand(
    applicationId: string,
    command: ApplicationCommandInput | ScheduledCommandInput,
    ctx: CommandContext,
  ): Promise<CommandResult> {
    const outcome = await this.handle(ctx, command.type, applicationStreamId(applicationId), async ({ read, primary, occurredAt, now }) => {
      const app = this.foldApp(applicationId, primary.events);
      const full = this.withDefaultDeadline({ ...command, now: now.toISOString(), occurredOn: occurredAt } as ApplicationCommand, app.policy);
      const events = toArray(decideApplication(full, app.replayed, app.policy));
      const changes: StreamChange[] = [{ streamId: primary.streamId, events }];
      const revoked = events.find((e) => e.type === 'ApplicationRevoked');
      if (revoked && revoked.type === 'ApplicationRevoked') {
        const award = app.replayed.context.award!;
        const term = await read(termStreamId(app.submitted.termId));
        const { state, policy } = this.openedTerm(app.submitted.termId, term.events);
        const [noted] = decideTerm(
          { type: 'NoteRevocation', data: { applicationId, ground: revoked.data.ground } },
          state,
          { policy },
        );
        const history = await read(applicantStreamId(app.submitted.programmeId, app.submitted.applicant.id));
        const applicantRevoked: ApplicantAwardRevoked = {
          type: 'ApplicantAwardRevoked',
          data: {
            applicationId,
            termId: state.termId,
            termYear: state.year,
            tier: award.tier,
            ground: revoked.data.ground,
            date: revoked.data.revokedOn,
            awardedOn: award.decisionDate,
          },
        };
        changes.push({ streamId: term.streamId, events: [noted!] }, { streamId: history.streamId, events: [applicantRevoked] });
      }
      return changes;
    });
    return this.applicationResult(applicationId, outcome);
  }

  // --- reads -------------------------------------------------------------------------------------

  async getApplication(id: string) {
    const app = this.foldApp(id, (await this.streams.read(applicationStreamId(id))).events);
    return applicationView(app, acceptedCommands(app.policy, app.replayed.snapshot));
  }

  /** `viewer`: whose roles decide whether objector identities are shown (none: masked unless consented). */
  async getApplicationEvents(id: string, viewer: Viewer = { roles: [] }) {
    const { events } = await this.streams.read(applicationStreamId(id));
    const first = events[0];
    if (!first || first.type !== 'ApplicationSubmitted') throw new NotFoundError(`Application ${id} not found`, { applicationId: id });
    // No replay: the events stay readable even when the statechart would refuse one of them.
    const { programmeId, policyVersion } = first.data as { programmeId: string; policyVersion: string };
    // Objector identities stay confidential but to the handler (朝阳 第二十五条, 忻州 第二十七条).
    const rule = this.deps.policies.get(programmeId, policyVersion).objections;
    return events.map((e) => maskEvent(e, viewer, rule));
  }

  async getTerm(termId: string) {
    const { events } = await this.streams.read(termStreamId(termId));
    const { state, policy } = this.openedTerm(termId, events);
    const { status, ...facts } = state;
    return {
      ...facts,
      status,
      revision: events.at(-1)!.revision,
      acceptedCommands: termAcceptedCommands(state, policy),
      placesHeld: placesHeld(state),
    };
  }

  async programmeOfApplication(id: string): Promise<string> {
    const [first] = (await this.streams.read(applicationStreamId(id))).events;
    if (!first || first.type !== 'ApplicationSubmitted') throw new NotFoundError(`Application ${id} not found`, { applicationId: id });
    return (first.data as { programmeId: string }).programmeId;
  }

  async programmeOfTerm(termId: string): Promise<string> {
    const [first] = (await this.streams.read(termStreamId(termId))).events;
    if (!first || first.type !== 'TermOpened') throw new NotFoundError(`Term ${termId} not found`, { termId });
    return (first.data as { programmeId: string }).programmeId;
  }

  // --- helpers -----------------------------------------------------------------------------------

  /**
   * 朝阳 第二十二、二十三条: a request for evidence without a deadline gets the policy's default.
   * The decider counts calendar days itself; working days need the calendar, so they are counted
   * here (the request day does not count, working-days.ts addWorkingDays).
   */
  private withDefaultDeadline(command: ApplicationCommand, policy: ProgrammePolicy): ApplicationCommand {
    const defaults = policy.objections.defaultDeadlines;
    if (command.type !== 'objection-decision' || command.decision !== 'request-evidence' || command.deadline !== undefined) return command;
    if (defaults?.unit !== 'working' || !command.from || !(command.from in defaults)) return command;
    return { ...command, deadline: this.deps.calendar.addWorkingDays(command.occurredOn, defaults[command.from]) };
  }

  private handle(
    ctx: CommandContext,
    name: string,
    primaryStreamId: string,
    decide: Parameters<typeof handleCommand>[2]['decide'],
  ): Promise<CommandOutcome> {
    return handleCommand({ ...this.deps, readStream: (streamId) => this.streams.read(streamId) }, ctx, { name, primaryStreamId, decide });
  }

  private openedTerm(termId: string, events: readonly { type: string; data: unknown }[]): { state: OpenedTermState; policy: ProgrammePolicy } {
    const state = foldTerm(events as unknown as TermEvent[]);
    if (state.status === 'not-opened') throw new NotFoundError(`Term ${termId} not found`, { termId });
    return { state, policy: this.deps.policies.get(state.programmeId, state.policyVersion) };
  }

  /** The application's fold, continued from the last fold of the same stream (FoldCache). */
  private foldApp(id: string, events: StoredEvent[]): LoadedApplication {
    return this.folds.fold(
      applicationStreamId(id),
      events,
      (all) => foldApplication(id, all, (p, v) => this.deps.policies.get(p, v)),
      (known, all) => ({
        ...known,
        events: all,
        replayed: all.slice(known.events.length).reduce((state, event) => evolveApplication(known.policy, state, event), known.replayed),
      }),
    );
  }

  private async loadApplications(read: ReadStream, ids: readonly string[]): Promise<Map<string, LoadedApplication>> {
    const apps = new Map<string, LoadedApplication>();
    for (const id of new Set(ids)) {
      const { events } = await read(applicationStreamId(id));
      if (events.length === 0) continue; // the decider answers "not in this term"
      apps.set(id, this.foldApp(id, events));
    }
    return apps;
  }

  private async termResult(termId: string, outcome: CommandOutcome): Promise<TermResult> {
    const { events } = await this.streams.read(termStreamId(termId));
    return {
      termId,
      state: foldTerm(events as unknown as TermEvent[]).status,
      revision: outcome.revision,
      position: outcome.position,
      idempotentReplay: outcome.idempotentReplay,
    };
  }

  private async applicationResult(id: string, outcome: CommandOutcome): Promise<CommandResult> {
    const app = this.foldApp(id, (await this.streams.read(applicationStreamId(id))).events);
    return { id, state: app.replayed.state, revision: outcome.revision, position: outcome.position, idempotentReplay: outcome.idempotentReplay };
  }
}

function summarise(apps: Map<string, LoadedApplication>, isCandidate: (app: LoadedApplication) => boolean): Record<string, ApplicationSummary> {
  return Object.fromEntries(
    [...apps.values()].map((app) => [
      app.id,
      {
        applicationId: app.id,
        termId: app.submitted.termId,
        applicantId: app.submitted.applicant.id,
        applicantKind: app.submitted.applicant.kind,
        isCandidate: isCandidate(app),
      },
    ]),
  );
}

/** An application event a term decision appends, checked against the application's statechart. */
function accepted(app: LoadedApplication, event: ApplicationEvent): ApplicationEvent {
  if (!app.replayed.snapshot.can(event)) throw illegal(event.type, app);
  return event;
}

function illegal(command: string, app: LoadedApplication): IllegalTransitionError {
  return new IllegalTransitionError(command, app.replayed.state, acceptedCommands(app.policy, app.replayed.snapshot));
}

function toArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}
