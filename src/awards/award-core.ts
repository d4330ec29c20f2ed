/**
 * What the award service's two halves share (term decisions, term-decisions.ts; application
 * commands and reads, award.service.ts): the store with its stream and fold caches, the command
 * handler, and the folds of terms and applications. Framework-free, like the service.
 */
import type { Clock } from '../clock/clock.js';
import type { EventStore, StoredEvent } from '../event-store/event-store.port.js';
import { IllegalTransitionError, NotFoundError } from '../../workflows/errors.js';
import type { WorkingDayCalendar } from '../../workflows/calendar/working-days.js';
import type { PolicyRegistry } from '../../workflows/policy/registry.js';
import type { ProgrammePolicy } from '../../workflows/policy/policy.types.js';
import { applicationStreamId, type ApplicationEvent } from '../../workflows/application/events.js';
import { evolveApplication } from '../../workflows/application/replay.js';
import { acceptedCommands } from '../../workflows/application/accepted.js';
import { termStreamId, type TermEvent } from '../../workflows/term/events.js';
import type { ApplicationSummary } from '../../workflows/term/decide.js';
import { foldTerm, type OpenedTermState } from '../../workflows/term/term.js';
import type { CommandContext } from './command-context.js';
import { type CommandOutcome, type ReadStream, handleCommand } from './command-handler.js';
import { type LoadedApplication, foldApplication } from './application-view.js';
import { FoldCache, StreamCache } from './stream-cache.js';

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

export class AwardCore {
  readonly streams: StreamCache;
  private readonly folds: FoldCache<LoadedApplication>;

  constructor(readonly deps: AwardServiceDeps) {
    this.streams = new StreamCache(deps.store, deps.cachedStreams);
    this.folds = new FoldCache(deps.cachedStreams);
  }

  handle(
    ctx: CommandContext,
    name: string,
    primaryStreamId: string,
    decide: Parameters<typeof handleCommand>[2]['decide'],
  ): Promise<CommandOutcome> {
    return handleCommand(
      { ...this.deps, readStream: (streamId, fresh) => this.streams.read(streamId, fresh), appended: (results) => this.streams.appended(results) },
      ctx,
      { name, primaryStreamId, decide },
    );
  }

  openedTerm(termId: string, events: readonly { type: string; data: unknown }[]): { state: OpenedTermState; policy: ProgrammePolicy } {
    const state = foldTerm(events as unknown as TermEvent[]);
    if (state.status === 'not-opened') throw new NotFoundError(`Term ${termId} not found`, { termId });
    return { state, policy: this.deps.policies.get(state.programmeId, state.policyVersion) };
  }

  /** The application's fold, continued from the last fold of the same stream (FoldCache). */
  foldApp(id: string, events: StoredEvent[]): LoadedApplication {
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

  async loadApplications(read: ReadStream, ids: readonly string[]): Promise<Map<string, LoadedApplication>> {
    const apps = new Map<string, LoadedApplication>();
    for (const id of new Set(ids)) {
      const { events } = await read(applicationStreamId(id));
      if (events.length === 0) continue; // the decider answers "not in this term"
      apps.set(id, this.foldApp(id, events));
    }
    return apps;
  }

  async termResult(termId: string, outcome: CommandOutcome): Promise<TermResult> {
    const { events } = await this.streams.read(termStreamId(termId), false);
    return {
      termId,
      state: foldTerm(events as unknown as TermEvent[]).status,
      revision: outcome.revision,
      position: outcome.position,
      idempotentReplay: outcome.idempotentReplay,
    };
  }

  /**
   * The application's state after the command: when it appended, its held stream has just grown by
   * what it appended; a replay or a decision that appended nothing to it reads the stream.
   */
  async applicationResult(id: string, outcome: CommandOutcome): Promise<CommandResult> {
    const streamId = applicationStreamId(id);
    const appended = outcome.results.some((r) => r.streamId === streamId && !r.idempotentReplay);
    const { events } = await this.streams.read(streamId, !appended);
    const state = this.foldApp(id, events).replayed.state;
    return { id, state, revision: outcome.revision, position: outcome.position, idempotentReplay: outcome.idempotentReplay };
  }
}

export function summarise(apps: Map<string, LoadedApplication>, isCandidate: (app: LoadedApplication) => boolean): Record<string, ApplicationSummary> {
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
export function accepted(app: LoadedApplication, event: ApplicationEvent): ApplicationEvent {
  if (!app.replayed.snapshot.can(event)) throw illegal(event.type, app);
  return event;
}

export function illegal(command: string, app: LoadedApplication): IllegalTransitionError {
  return new IllegalTransitionError(command, app.replayed.state, acceptedCommands(app.policy, app.replayed.snapshot));
}

export function toArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

