/**
 * The term's decisions (届): opening, the committee's proposed list, publicity rounds, the
 * government's approval and its supplementary decisions. Each is one atomic appendMultiple of the
 * term stream and every application (and applicant history) it touches, with the revisions read:
 * the term stream's revision serialises every quota decision of the term (淄博 第四条, 济南 第二条,
 * 忻州 第四条, 瀍河 第四条, 朝阳 第三条), so two decisions racing for the last places cannot both commit.
 */
import type { ApplicationEvent } from '../../workflows/application/events.js';
import { applicationStreamId } from '../../workflows/application/events.js';
import { evolveApplication, type ReplayedApplication } from '../../workflows/application/replay.js';
import { decide as decideApplication } from '../../workflows/application/decide.js';
import { applicantStreamId, type ApplicantAwarded } from '../../workflows/applicant/applicant.js';
import {
  programmeTermsStreamId,
  termIdFor,
  termStreamId,
  type TermEvent,
  type TermRegistered,
} from '../../workflows/term/events.js';
import { decideTerm, sortedRounds } from '../../workflows/term/decide.js';
import { foldProgrammeTerms, foldTerm, type OpenedTermState } from '../../workflows/term/term.js';
import type { CommandContext } from './command-context.js';
import type { ReadStream, StreamChange } from './command-handler.js';
import { type LoadedApplication, publicityStanding } from './application-view.js';
import { type AwardCore, type TermResult, accepted, summarise } from './award-core.js';

/** The supplementary decision's input (POST /api/terms/{termId}/supplementary-approval). */
export interface SupplementaryApprovalInput {
  applicationId: string;
  decision: 'award' | 'not-award';
  decisionDate: string;
  documentNo: string;
  reason?: string;
}

export interface SupplementaryApprovalResult extends TermResult {
  decision: { applicationId: string; outcome: 'awarded' | 'not-awarded'; tier: string; decisionDate: string; documentNo: string };
}

export class TermDecisions {
  constructor(private readonly core: AwardCore) {}

  async openTerm(
    programmeId: string,
    input: { year: number; noticeDate: string; applicationDeadline: string },
    ctx: CommandContext,
  ): Promise<TermResult> {
    // A term is governed by the version in force on its notice date (NoPolicyVersionError otherwise).
    const policy = this.core.deps.policies.inForce(programmeId, input.noticeDate);
    const termId = termIdFor(programmeId, input.year);
    const outcome = await this.core.handle(ctx, 'open-term', termStreamId(termId), async ({ read, primary }) => {
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
    return this.core.termResult(termId, outcome);
  }

  async recordProposedList(
    termId: string,
    entries: Array<{ applicationId: string; tier: string }>,
    ctx: CommandContext,
  ): Promise<TermResult> {
    const outcome = await this.core.handle(ctx, 'record-proposed-list', termStreamId(termId), async ({ read, primary, occurredAt }) => {
      const { state, policy } = this.core.openedTerm(termId, primary.events);
      const apps = await this.core.loadApplications(read, entries.map((e) => e.applicationId));
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
    return this.core.termResult(termId, outcome);
  }

  async startPublicity(
    termId: string,
    input: { startDate: string; round: number; candidates?: string[] },
    ctx: CommandContext,
  ): Promise<TermResult> {
    const outcome = await this.core.handle(ctx, 'start-publicity', termStreamId(termId), async ({ read, primary, occurredAt }) => {
      const { state, policy } = this.core.openedTerm(termId, primary.events);
      const roundPolicy = sortedRounds(policy).find((r) => r.round === input.round);
      const ids = roundPolicy?.list === 'proposed' ? state.proposed.map((p) => p.applicationId) : input.candidates ?? [];
      const apps = await this.core.loadApplications(read, ids);
      const startEvent = (app: LoadedApplication, data: { startDate: string; endDate: string; endsAt: string }): ApplicationEvent => ({
        type: 'PublicityStarted',
        data: { applicationId: app.id, round: input.round, list: roundPolicy?.list ?? 'candidate', ...data },
      });
      const probe = { startDate: input.startDate, endDate: input.startDate, endsAt: input.startDate };
      const summaries = summarise(apps, (app) => app.replayed.snapshot.can(startEvent(app, probe)));
      const [started] = decideTerm(
        { type: 'StartPublicity', data: { ...input, occurredOn: occurredAt, applications: summaries } },
        state,
        { policy, calendar: this.core.deps.calendar },
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
    return this.core.termResult(termId, outcome);
  }

  /**
   * The government's decision. Awards every proposed application whose last publicity ended with
   * no objection open or upheld; an ended round no scheduler has closed yet is closed in the same
   * append. An application with an objection still open stays as it is (the statechart does not
   * let it leave an open objection) and is listed in `notAwarded` with 'objection-pending';
   * disqualified or withdrawn ones already left and are listed with their reason.
   */
  async approve(termId: string, input: { decisionDate: string; documentNo: string }, ctx: CommandContext): Promise<TermResult> {
    const outcome = await this.core.handle(ctx, 'approve', termStreamId(termId), async ({ read, primary, now, occurredAt }) => {
      const { state, policy } = this.core.openedTerm(termId, primary.events);
      const apps = await this.core.loadApplications(read, state.proposed.map((p) => p.applicationId));
      const standings = Object.fromEntries([...apps.values()].map((app) => [app.id, publicityStanding(app)]));
      const [approved] = decideTerm(
        { type: 'ApproveTerm', data: { ...input, occurredOn: occurredAt, now: now.toISOString(), standings } },
        state,
        { policy },
      );
      if (approved?.type !== 'TermApproved') throw new Error('ApproveTerm decides TermApproved');
      const changes: StreamChange[] = [{ streamId: primary.streamId, events: [approved] }];
      for (const place of approved.data.awarded) {
        const app = apps.get(place.applicationId)!;
        changes.push(...(await this.awardChanges(read, app, state, place.tier, input, now, occurredAt)));
      }
      return changes;
    });
    return this.core.termResult(termId, outcome);
  }

  /**
   * The government's later decision on an application the approval left out with an objection
   * still open, once it is settled (淄博 第十九条, 济南 第十八条, 忻州 第二十条, 瀍河 第十九条, 朝阳
   * 第十七条(九)): awarded in the tier proposed, within the quotas, or not awarded. An ended round
   * no scheduler has closed yet is closed in the same append; an award goes through the
   * application's decider (prize recorded) and into the applicant's history (bans), as at approval.
   */
  async supplementaryApproval(termId: string, input: SupplementaryApprovalInput, ctx: CommandContext): Promise<SupplementaryApprovalResult> {
    let decided: Extract<TermEvent, { type: 'SupplementaryDecisionRecorded' }> | undefined;
    const outcome = await this.core.handle(ctx, 'supplementary-approval', termStreamId(termId), async ({ read, primary, now, occurredAt }) => {
      const { state, policy } = this.core.openedTerm(termId, primary.events);
      const app = (await this.core.loadApplications(read, [input.applicationId])).get(input.applicationId);
      const [event] = decideTerm(
        {
          type: 'DecideSupplementary',
          data: {
            ...input,
            occurredOn: occurredAt,
            standing: app ? publicityStanding(app) : 'left-the-procedure',
            settledOn: app?.replayed.context.lastOccurredOn ?? null,
          },
        },
        state,
        { policy },
      );
      if (event?.type !== 'SupplementaryDecisionRecorded') throw new Error('DecideSupplementary decides SupplementaryDecisionRecorded');
      decided = event;
      const changes: StreamChange[] = [{ streamId: primary.streamId, events: [event] }];
      if (event.data.outcome === 'awarded') {
        changes.push(...(await this.awardChanges(read, app!, state, event.data.tier, input, now, occurredAt)));
      } else {
        const { events, replayed } = closeEndedRound(app!, occurredAt);
        const notAwarded = decideApplication({ type: 'not-award', reason: event.data.reason!, now: now.toISOString(), occurredOn: occurredAt }, replayed, app!.policy);
        changes.push({ streamId: applicationStreamId(app!.id), events: [...events, ...notAwarded] });
      }
      return changes;
    });
    const result = await this.core.termResult(termId, outcome);
    // On an idempotent replay the decision is the one stored for the application.
    const stored = decided ?? (await this.storedDecision(termId, input.applicationId));
    const { applicationId, outcome: decision, tier, decisionDate, documentNo } = stored.data;
    return { ...result, decision: { applicationId, outcome: decision, tier, decisionDate, documentNo } };
  }

  private async storedDecision(termId: string, applicationId: string): Promise<Extract<TermEvent, { type: 'SupplementaryDecisionRecorded' }>> {
    const { events } = await this.core.streams.read(termStreamId(termId));
    const found = (events as unknown as TermEvent[]).filter((e) => e.type === 'SupplementaryDecisionRecorded' && e.data.applicationId === applicationId).at(-1);
    if (found?.type !== 'SupplementaryDecisionRecorded') throw new Error(`No supplementary decision on ${applicationId} in ${termId}`);
    return found;
  }

  /**
   * An award to one application: the ended round closed if no one has yet, ApplicationAwarded from
   * the application's decider (with the prize in force, 忻州 第二十一条, 瀍河 第二十条, 朝阳 第十八条),
   * and ApplicantAwarded in the applicant's history, which the re-application bans rest on.
   */
  private async awardChanges(
    read: ReadStream,
    app: LoadedApplication,
    term: OpenedTermState,
    tier: string,
    input: { decisionDate: string; documentNo: string },
    now: Date,
    occurredAt: string,
  ): Promise<StreamChange[]> {
    const { events, replayed } = closeEndedRound(app, occurredAt);
    const award = decideApplication(
      { type: 'award', tier, decisionDate: input.decisionDate, documentNo: input.documentNo, now: now.toISOString(), occurredOn: occurredAt },
      replayed,
      app.policy,
    );
    const history = await read(applicantStreamId(app.policy.programmeId, app.submitted.applicant.id));
    const awarded: ApplicantAwarded = {
      type: 'ApplicantAwarded',
      data: { applicationId: app.id, termId: term.termId, termYear: term.year, tier, date: input.decisionDate },
    };
    return [
      { streamId: applicationStreamId(app.id), events: [...events, ...award] },
      { streamId: history.streamId, events: [awarded] },
    ];
  }
}

/** The ended round of an application still 'publicized' (no scheduler closed it yet), closed on the decision's business date. */
function closeEndedRound(app: LoadedApplication, occurredAt: string): { events: ApplicationEvent[]; replayed: ReplayedApplication } {
  if (app.replayed.state !== 'publicized') return { events: [], replayed: app.replayed };
  const closed: ApplicationEvent = { type: 'PublicityClosed', data: { applicationId: app.id, round: app.replayed.context.publicity.current!, closedOn: occurredAt } };
  return { events: [accepted(app, closed)], replayed: evolveApplication(app.policy, app.replayed, closed) };
}
