/**
 * The statechart's pure step, without XState's per-call set-up.
 *
 * XState's public `transition(machine, snapshot, event)` and `initialTransition(machine)` build a
 * throwaway actor scope on every call, and building one computes the machine's initial snapshot
 * (`createActor` does so eagerly): measured here, three quarters of a step's cost. Every fold,
 * decision and audit entry pays it, once per event.
 *
 * The application statechart has no child actors and its only action is an `assign` (run inside
 * the step, never handed to the executor), so one inert scope per machine serves every step, and
 * its initial snapshot (immutable, like every snapshot) can be computed once. The step itself is
 * the machine's own `transition(snapshot, event, actorScope)` (XState's ActorLogic contract), so
 * the result is the public API's result: pure-transition.spec.ts checks it along the graph paths
 * of every policy.
 */
import { createActor, initialTransition, type AnyActorLogic, type AnyActorScope, type EventFromLogic, type SnapshotFrom } from 'xstate';

const scopes = new WeakMap<AnyActorLogic, AnyActorScope>();
const initials = new WeakMap<AnyActorLogic, unknown>();

/** Like XState's createInertActorScope: nothing it is given is ever run or delivered. */
function inertScope(machine: AnyActorLogic): AnyActorScope {
  let scope = scopes.get(machine);
  if (!scope) {
    const self = createActor(machine);
    scope = {
      self,
      id: '',
      sessionId: '',
      system: self.system,
      logger: () => undefined,
      defer: () => undefined,
      emit: () => undefined,
      stopChild: () => undefined,
      // Actions are not executed by a pure step (the public API returns them, our callers ignore them).
      actionExecutor: () => undefined,
    };
    scopes.set(machine, scope);
  }
  return scope;
}

/** The machine's initial snapshot (the same object every time: snapshots are never mutated). */
export function initialSnapshot<L extends AnyActorLogic>(machine: L): SnapshotFrom<L> {
  const cached = initials.get(machine) as SnapshotFrom<L> | undefined;
  if (cached !== undefined) return cached;
  // The statechart takes no input (its context comes from the policy).
  const [snapshot] = (initialTransition as (logic: AnyActorLogic) => [SnapshotFrom<L>, unknown])(machine);
  initials.set(machine, snapshot);
  return snapshot;
}

/** The snapshot after `event`, as `transition(machine, snapshot, event)[0]` gives it. */
export function nextSnapshot<L extends AnyActorLogic>(machine: L, snapshot: SnapshotFrom<L>, event: EventFromLogic<L>): SnapshotFrom<L> {
  return machine.transition(snapshot, event, inertScope(machine)) as SnapshotFrom<L>;
}
