/**
 * The award application service: framework-free (the Nest edge wraps it). Every command goes
 * through handleCommand (read, fold, decide, append once, atomically, with expected revisions).
 *
 * Consistency boundaries:
 * - a submission appends the application (no_stream) and the applicant's history (its revision):
 *   one application per term and the re-application bans hold under races (朝阳 第十七条(三));
 * - a term decision (term-decisions.ts) appends the term and every application it touches (and the
 *   applicants' histories on award) in one appendMultiple: the term's revision serialises proposals,
 *   approvals and supplementary decisions, so a quota (淄博 第四条, 济南 第二条, 忻州 第四条, 瀍河 第四条,
 *   朝阳 第三条) can never be exceeded, not even by two decisions at the same moment.
 * This file holds the application commands and the reads; award-core.ts what both halves share.
 */
import type { StoredEvent } from '../event-store/event-store.port.js';
import { NotFoundError, RuleViolationError } from '../../workflows/errors.js';
import type { ApplicantKind, ChannelKind, ProgrammePolicy } from '../../workflows/policy/policy.types.js';
import { checkEligibility, type SubmissionInput } from '../../workflows/policy/eligibility.js';
import { checkInternalPublicity, type InternalPublicityDeclaration } from '../../workflows/policy/internal-publicity.js';
import { evaluateBans } from '../../workflows/policy/bans.js';
import { assertApplicantId } from '../../workflows/identifiers/index.js';
import { applicationStreamId, type ApplicationSubmitted, type Declaration } from '../../workflows/application/events.js';
import { initialApplication } from '../../workflows/application/replay.js';
import { decide as decideApplication } from '../../workflows/application/decide.js';
import { acceptedCommands } from '../../workflows/application/accepted.js';
import type { ApiCommandType, ApplicationCommand } from '../../workflows/application/commands.js';
import { applicantStreamId, decideApply, type ApplicantAwardRevoked, type ApplicantEvent } from '../../workflows/applicant/applicant.js';
import { termStreamId } from '../../workflows/term/events.js';
import { decideTerm, termAcceptedCommands } from '../../workflows/term/decide.js';
import { placesHeld } from '../../workflows/term/term.js';
import { type CommandContext, deterministicUuid } from './command-context.js';
import type { StreamChange } from './command-handler.js';
import { applicationView } from './application-view.js';
import { AwardCore, type AwardServiceDeps, type CommandResult, type TermResult, toArray } from './award-core.js';
import { type SupplementaryApprovalInput, type SupplementaryApprovalResult, TermDecisions } from './term-decisions.js';
import { type Viewer, maskEvent } from '../read-models/objector-masking.js';

export type { AwardServiceDeps, CommandResult, TermResult } from './award-core.js';
export type { SupplementaryApprovalInput, SupplementaryApprovalResult } from './term-decisions.js';

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

export class AwardService {
  private readonly core: AwardCore;
  private readonly terms: TermDecisions;

  constructor(deps: AwardServiceDeps) {
    this.core = new AwardCore(deps);
    this.terms = new TermDecisions(this.core);
  }

  // --- terms (term-decisions.ts) ---------------------------------------------------------------------

  openTerm(programmeId: string, input: { year: number; noticeDate: string; applicationDeadline: string }, ctx: CommandContext): Promise<TermResult> {
    return this.terms.openTerm(programmeId, input, ctx);
  }

  recordProposedList(termId: string, entries: Array<{ applicationId: string; tier: string }>, ctx: CommandContext): Promise<TermResult> {
    return this.terms.recordProposedList(termId, entries, ctx);
  }

  startPublicity(termId: string, input: { startDate: string; round: number; candidates?: string[] }, ctx: CommandContext): Promise<TermResult> {
    return this.terms.startPublicity(termId, input, ctx);
  }

  approve(termId: string, input: { decisionDate: string; documentNo: string }, ctx: CommandContext): Promise<TermResult> {
    return this.terms.approve(termId, input, ctx);
  }

  supplementaryApproval(termId: string, input: SupplementaryApprovalInput, ctx: CommandContext): Promise<SupplementaryApprovalResult> {
    return this.terms.supplementaryApproval(termId, input, ctx);
  }

  // --- applications ------------------------------------------------------------------------------

  async submitApplication(input: SubmitApplicationInput, ctx: CommandContext): Promise<CommandResult> {
    const id = deterministicUuid(`application\u0000${ctx.commandId}`);
    const outcome = await this.core.handle(ctx, 'submit', applicationStreamId(id), async ({ read, primary, occurredAt }) => {
      const term = await read(termStreamId(input.termId));
      const { state, policy } = this.core.openedTerm(input.termId, term.events);
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
        this.core.deps.calendar,
      );
      const history = await read(applicantStreamId(policy.programmeId, applicantId));
      const applied = decideApply(
        { applicationId: id, termId: state.termId, termYear: state.year, policyVersion: policy.version, date: occurredAt },
        history.events as unknown as ApplicantEvent[],
        policy,
        (facts) =>
          evaluateBans((p, v) => this.core.deps.policies.get(p, v), facts, {
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
    return this.core.applicationResult(id, outcome);
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
    const outcome = await this.core.handle(ctx, command.type, applicationStreamId(applicationId), async ({ read, primary, occurredAt, now }) => {
      const app = this.core.foldApp(applicationId, primary.events);
      const full = this.withDefaultDeadline({ ...command, now: now.toISOString(), occurredOn: occurredAt } as ApplicationCommand, app.policy);
      const events = toArray(decideApplication(full, app.replayed, app.policy));
      const changes: StreamChange[] = [{ streamId: primary.streamId, events }];
      const revoked = events.find((e) => e.type === 'ApplicationRevoked');
      if (revoked && revoked.type === 'ApplicationRevoked') {
        const award = app.replayed.context.award!;
        const term = await read(termStreamId(app.submitted.termId));
        const { state, policy } = this.core.openedTerm(app.submitted.termId, term.events);
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
    return this.core.applicationResult(applicationId, outcome);
  }

  // --- reads -------------------------------------------------------------------------------------

  async getApplication(id: string) {
    const app = this.core.foldApp(id, (await this.core.streams.read(applicationStreamId(id))).events);
    return applicationView(app, acceptedCommands(app.policy, app.replayed.snapshot));
  }

  /** `viewer`: whose roles decide whether objector identities are shown (none: masked unless consented). */
  async getApplicationEvents(id: string, viewer: Viewer = { roles: [] }) {
    const { events } = await this.core.streams.read(applicationStreamId(id));
    const first = events[0];
    if (!first || first.type !== 'ApplicationSubmitted') throw new NotFoundError(`Application ${id} not found`, { applicationId: id });
    // No replay: the events stay readable even when the statechart would refuse one of them.
    const { programmeId, policyVersion } = first.data as { programmeId: string; policyVersion: string };
    // Objector identities stay confidential but to the handler (朝阳 第二十五条, 忻州 第二十七条).
    const rule = this.core.deps.policies.get(programmeId, policyVersion).objections;
    return events.map((e) => maskEvent(e, viewer, rule));
  }

  async getTerm(termId: string) {
    const { events } = await this.core.streams.read(termStreamId(termId));
    const { state, policy } = this.core.openedTerm(termId, events);
    const { status, ...facts } = state;
    return {
      ...facts,
      status,
      revision: events.at(-1)!.revision,
      acceptedCommands: termAcceptedCommands(state, policy),
      placesHeld: placesHeld(state),
    };
  }

  /** The programme and term an application belongs to (for access checks). */
  async scopeOfApplication(id: string): Promise<{ programmeId: string; termId: string }> {
    // A stream's first event never changes: a held copy answers without a read.
    const streamId = applicationStreamId(id);
    return applicationScope(id, (this.core.streams.held(streamId) ?? (await this.core.streams.read(streamId))).events);
  }

  /** The programme of a term, with the term (for access checks). */
  async scopeOfTerm(termId: string): Promise<{ programmeId: string; termId: string }> {
    const streamId = termStreamId(termId);
    const [first] = (this.core.streams.held(streamId) ?? (await this.core.streams.read(streamId))).events;
    if (!first || first.type !== 'TermOpened') throw new NotFoundError(`Term ${termId} not found`, { termId });
    return { programmeId: (first.data as { programmeId: string }).programmeId, termId };
  }

  /**
   * The dissolution of a term's supervision group, if it has been recorded (济南 第九条, 淄博
   * 第十二条: appointed per term, its work ends with the term). Read fresh: an access check.
   */
  async supervisionDissolution(termId: string): Promise<{ dissolvedOn: string; article: string } | null> {
    const { events } = await this.core.streams.read(termStreamId(termId));
    const dissolved = events.find((e) => e.type === 'SupervisionGroupDissolved');
    if (!dissolved) return null;
    const { dissolvedOn, article } = dissolved.data as { dissolvedOn: string; article: string };
    return { dissolvedOn, article };
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
    return { ...command, deadline: this.core.deps.calendar.addWorkingDays(command.occurredOn, defaults[command.from]) };
  }
}

/**
 * The programme and term of an application, from its stream as read (its first event, the
 * submission): for a caller that reads the stream anyway. NotFoundError when there is none.
 */
export function applicationScope(id: string, events: readonly StoredEvent[]): { programmeId: string; termId: string } {
  const [first] = events;
  if (!first || first.type !== 'ApplicationSubmitted') throw new NotFoundError(`Application ${id} not found`, { applicationId: id });
  const { programmeId, termId } = first.data as { programmeId: string; termId: string };
  return { programmeId, termId };
}
