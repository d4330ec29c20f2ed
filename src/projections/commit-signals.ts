/**
 * Who waits for what a projection's lanes commit: the next commit or switch of a projection (a
 * query's `?minPosition=`, the end of a rebuild), and the next live commit that changed its index
 * (the deadline scheduler, which only cares about the index). The runner signals; waiters wake.
 */
import { withinMs } from './projection-follower.js';

export class CommitSignals {
  private readonly commitListeners = new Map<string, Set<() => void>>();
  /** Per projection: the checkpoint of the last commit that changed its index, and who waits for the next. */
  private readonly indexChanges = new Map<string, { at: number; waiting: Set<() => void> }>();

  /** A commit or a switch of `name`: wakes everyone waiting in nextCommit. */
  committed(name: string): void {
    const listeners = this.commitListeners.get(name);
    if (!listeners) return;
    this.commitListeners.delete(name);
    for (const wake of listeners) wake();
  }

  /** A commit up to `checkpoint` changed the index of `name` (a switch of generations counts). */
  indexChanged(name: string, checkpoint: number): void {
    const changes = this.indexChangesOf(name);
    changes.at = Math.max(changes.at, checkpoint);
    const waiting = [...changes.waiting];
    changes.waiting.clear();
    for (const wake of waiting) wake();
  }

  /** Resolves at the next commit or switch of `name`, or after `ms`. */
  nextCommit(name: string, ms: number): Promise<void> {
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const listeners = this.commitListeners.get(name) ?? new Set();
    listeners.add(wake);
    this.commitListeners.set(name, listeners);
    return withinMs(woken, ms).then(() => {
      this.commitListeners.get(name)?.delete(wake);
    });
  }

  /** True once a commit after `checkpoint` changed the index of `name`, false after `ms` without. */
  async indexChangedSince(name: string, checkpoint: number, ms: number): Promise<boolean> {
    const changes = this.indexChangesOf(name);
    if (changes.at > checkpoint) return true;
    let wake!: () => void;
    const woken = new Promise<boolean>((resolve) => (wake = () => resolve(true)));
    changes.waiting.add(wake);
    const changed = await withinMs(woken, ms);
    changes.waiting.delete(wake);
    return changed === true;
  }

  /** Wakes every waiter at once (the runner stops), so that none waits out its time. */
  wakeAll(): void {
    for (const name of [...this.commitListeners.keys()]) this.committed(name);
    for (const changes of this.indexChanges.values()) for (const wake of [...changes.waiting]) wake();
  }

  private indexChangesOf(name: string): { at: number; waiting: Set<() => void> } {
    let changes = this.indexChanges.get(name);
    if (!changes) this.indexChanges.set(name, (changes = { at: 0, waiting: new Set() }));
    return changes;
  }
}
