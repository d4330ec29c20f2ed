/**
 * Folds an application's stream into its state with the statechart's pure initial snapshot and step
 * (pure-transition.ts: no actor, no side effects). A stored event the statechart does not accept
 * means a corrupt history (or a stream replayed with the wrong policy): refused, never skipped.
 */
import type { SnapshotFrom } from 'xstate';
import type { ProgrammePolicy } from '../policy/policy.types.js';
import type { ApplicationContext } from './context.js';
import { isApplicationEventType, type ApplicationEvent } from './events.js';
import { createApplicationMachine, type ApplicationMachine } from './machine.js';
import { initialSnapshot, nextSnapshot } from './pure-transition.js';

export type ApplicationSnapshot = SnapshotFrom<ApplicationMachine>;

/** The part of a StoredEvent replay needs (a NewEvent or a plain {type, data} also fits). */
export interface EventLike {
  type: string;
  data: unknown;
  revision?: number;
}

export interface ReplayedApplication {
  snapshot: ApplicationSnapshot;
  /** Public state name (see stateName). */
  state: string;
  context: ApplicationContext;
  /** Revision of the last event folded, -1 for an empty stream (= expected revision 'no_stream'). */
  revision: number;
}

export class CorruptStreamError extends Error {
  readonly code = 'CORRUPT_STREAM';
  constructor(
    readonly eventType: string,
    readonly revision: number,
    readonly state: string,
    message?: string,
  ) {
    super(message ?? `Stored event ${eventType} (revision ${revision}) is not accepted in state '${state}'`);
    this.name = 'CorruptStreamError';
  }
}

/**
 * The public state name: the leaf of the state value, so a publicity round reads 'publicized' or
 * 'objected' (the round is in context.publicity.current).
 */
export function stateName(snapshot: { value: unknown }): string {
  let value = snapshot.value;
  while (value && typeof value === 'object') {
    const [child] = Object.values(value as Record<string, unknown>);
    value = child;
  }
  return String(value);
}

/** Strips store fields so that the machine (and the context) only see the domain event. */
export function toDomainEvent(event: EventLike, revision: number, state: string): ApplicationEvent {
  if (!isApplicationEventType(event.type) || event.data === null || typeof event.data !== 'object') {
    throw new CorruptStreamError(event.type, revision, state, `Unknown or malformed event '${event.type}' at revision ${revision}`);
  }
  return { type: event.type, data: event.data } as ApplicationEvent;
}

export function initialApplication(policy: ProgrammePolicy): ReplayedApplication {
  const snapshot = initialSnapshot(createApplicationMachine(policy));
  return { snapshot, state: stateName(snapshot), context: snapshot.context, revision: -1 };
}

/** One step of the fold: the next stored event. */
export function evolveApplication(
  policy: ProgrammePolicy,
  current: ReplayedApplication,
  event: EventLike,
): ReplayedApplication {
  const revision = event.revision ?? current.revision + 1;
  const domainEvent = toDomainEvent(event, revision, current.state);
  if (!current.snapshot.can(domainEvent)) {
    throw new CorruptStreamError(event.type, revision, current.state);
  }
  const snapshot = nextSnapshot(createApplicationMachine(policy), current.snapshot, domainEvent);
  return { snapshot, state: stateName(snapshot), context: snapshot.context, revision };
}

export function replayApplication(policy: ProgrammePolicy, events: readonly EventLike[]): ReplayedApplication {
  return events.reduce((state, event) => evolveApplication(policy, state, event), initialApplication(policy));
}
