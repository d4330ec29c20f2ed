/**
 * Fires one due deadline: the command its action names, through the same command handler as the
 * API, with the deadline's event id as the id of the first event it appends. Safe to call any
 * number of times, from any number of processes:
 * - the deadline's event already stored → nothing to do;
 * - two writers racing → the store sees the same event id (and the same derived ids after it) and
 *   answers the second append as an idempotent replay, or the loser re-decides on the new state;
 * - the command's id derives from the deadline's too, so a retry is answered from the stream.
 * A decider that finds nothing left to do (evidence came in, report filed) appends nothing.
 */
import type { Actor, EventStore } from '../event-store/event-store.port.js';
import type { Clock } from '../clock/clock.js';
import { shanghaiDate } from '../clock/clock.js';
import type { AwardService } from '../awards/award.service.js';
import { type CommandContext, deterministicUuid } from '../awards/command-context.js';
import { handleCommand } from '../awards/command-handler.js';
import type { Deadline } from '../../projections/deadlines.js';
import type { PolicyRegistry } from '../../workflows/policy/registry.js';
import { termStreamId } from '../../workflows/term/events.js';
import { decideDissolution } from './supervision.js';

/** Recorded as the actor of every fire. Not a login role (the token roles stay office/auditor/supervisor/admin). */
export const SCHEDULER_ACTOR: Actor = { sub: 'system:scheduler', name: '期限调度', roles: [] };

export type FireOutcome = 'fired' | 'already-fired' | 'nothing-to-do';

export interface DeadlineFirerDeps {
  store: EventStore;
  clock: Clock;
  awards: Pick<AwardService, 'applicationCommand'>;
  policies: Pick<PolicyRegistry, 'get'>;
}

export class DeadlineFirer {
  constructor(private readonly deps: DeadlineFirerDeps) {}

  async fire(deadline: Deadline): Promise<FireOutcome> {
    const events = await this.deps.store.readStream(deadline.streamId);
    if (events.some((e) => e.id === deadline.eventId)) return 'already-fired';
    const ctx = this.context(deadline, events.at(-1)?.metadata.occurredAt);
    const before = events.at(-1)?.revision ?? -1;
    const revision = await this.run(deadline, ctx);
    return revision > before ? 'fired' : 'nothing-to-do';
  }

  private async run(deadline: Deadline, ctx: CommandContext): Promise<number> {
    const { action } = deadline;
    const applicationId = deadline.applicationId!;
    switch (action.command) {
      case 'close-publicity':
        return (await this.deps.awards.applicationCommand(applicationId, { type: 'close-publicity', round: action.round }, ctx)).revision;
      case 'evidence-deadline-missed':
        return (
          await this.deps.awards.applicationCommand(
            applicationId,
            { type: 'evidence-deadline-missed', objectionId: action.objectionId, deadlineId: action.deadlineId },
            ctx,
          )
        ).revision;
      case 'annual-report-overdue':
        return (await this.deps.awards.applicationCommand(applicationId, { type: 'annual-report-overdue', report: action.report }, ctx)).revision;
      case 'close-revocation-window':
        return (await this.deps.awards.applicationCommand(applicationId, { type: 'close-revocation-window', windowYears: action.windowYears }, ctx)).revision;
      case 'dissolve-supervision-group': {
        const policy = this.deps.policies.get(deadline.programmeId, (await this.termPolicyVersion(deadline.termId)) ?? '');
        const outcome = await handleCommand(this.deps, ctx, {
          name: 'dissolve-supervision-group',
          primaryStreamId: termStreamId(deadline.termId),
          decide: ({ primary, occurredAt, now }) => [{ streamId: primary.streamId, events: decideDissolution(primary.events, policy, occurredAt, now) }],
        });
        return outcome.revision;
      }
      default: {
        const _exhaustive: never = action;
        throw new Error(`Unknown deadline action ${JSON.stringify(_exhaustive)}`);
      }
    }
  }

  /**
   * The business date is the deadline's last day, or the stream's latest business date when the
   * stream moved on past it (a round held open by an objection closes when that is settled).
   * Never after today: a deadline fires only once its day has ended.
   */
  private context(deadline: Deadline, lastOccurredAt: string | undefined): CommandContext {
    const last = lastOccurredAt?.slice(0, 10);
    const today = shanghaiDate(this.deps.clock.now());
    let occurredAt = last && last > deadline.dueDate ? last : deadline.dueDate;
    if (occurredAt > today) occurredAt = today;
    const commandId = deterministicUuid(`deadline-command\u0000${deadline.id}`);
    return { actor: SCHEDULER_ACTOR, commandId, correlationId: commandId, occurredAt, primaryEventId: deadline.eventId };
  }

  private async termPolicyVersion(termId: string): Promise<string | undefined> {
    const [opened] = await this.deps.store.readStream(termStreamId(termId), { limit: 1 });
    return (opened?.data as { policyVersion?: string } | undefined)?.policyVersion;
  }
}
