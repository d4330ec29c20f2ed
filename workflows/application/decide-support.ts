/** What every decider shares: dates in order, required fields, and the statechart's consent. */
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { IllegalTransitionError, InvalidInputError, InvalidOccurredAtError, type RuleRef } from '../errors.js';
import { isLocalDate, shanghaiDate } from '../calendar/local-date.js';
import { acceptedCommands } from './accepted.js';
import type { ApplicationCommand } from './commands.js';
import type { ApplicationEvent } from './events.js';
import { createApplicationMachine } from './machine.js';
import { nextSnapshot } from './pure-transition.js';
import { stateName, type ReplayedApplication } from './replay.js';

export function ruleRef(policy: ProgrammePolicy, article: string): RuleRef {
  return { programme: policy.programmeId, version: policy.version, article };
}

export function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidInputError(`${field} is required`, field);
  return value;
}

export function requireDate(value: unknown, field: string): string {
  if (!isLocalDate(value)) throw new InvalidInputError(`${field} must be a date (YYYY-MM-DD)`, field);
  return value;
}

/**
 * A command's business date is a real date, not after today (Asia/Shanghai, from `now`) and not
 * before the stream's latest business date.
 */
export function checkOccurredOn(command: ApplicationCommand, state: ReplayedApplication): void {
  const { occurredOn, now } = command;
  if (!isLocalDate(occurredOn)) throw new InvalidInputError('occurredOn must be a date (YYYY-MM-DD)', 'occurredOn');
  let today: string;
  try {
    today = shanghaiDate(now);
  } catch {
    throw new InvalidInputError('now must be an ISO instant with offset', 'now');
  }
  if (occurredOn > today) {
    throw new InvalidOccurredAtError(`occurredOn ${occurredOn} is in the future`, { occurredOn, today });
  }
  const last = state.context.lastOccurredOn;
  if (last && occurredOn < last) {
    throw new InvalidOccurredAtError(`occurredOn ${occurredOn} is before the application's last event (${last})`, {
      occurredOn,
      lastOccurredOn: last,
    });
  }
}

/** Walks the events through the statechart; refuses the command where it does not accept one. */
export function acceptedBy(
  policy: ProgrammePolicy,
  command: ApplicationCommand,
  state: ReplayedApplication,
  events: ApplicationEvent[],
): ApplicationEvent[] {
  const machine = createApplicationMachine(policy);
  let snapshot = state.snapshot;
  for (const event of events) {
    if (!snapshot.can(event)) {
      throw new IllegalTransitionError(command.type, stateName(state.snapshot), acceptedCommands(policy, state.snapshot));
    }
    snapshot = nextSnapshot(machine, snapshot, event);
  }
  return events;
}

export function illegal(policy: ProgrammePolicy, command: ApplicationCommand, state: ReplayedApplication): IllegalTransitionError {
  return new IllegalTransitionError(command.type, state.state, acceptedCommands(policy, state.snapshot));
}

/** Compares ISO instants (with offsets) by the time they denote. */
export function instantBefore(a: string, b: string): boolean {
  return Date.parse(a) < Date.parse(b);
}
