/**
 * The scheduler's view of the deadlines projection: catching up with the store's head, the
 * fireable deadlines in order of dueAt, and a wake-up when the projection commits.
 */
import type { EventStore } from '../event-store/event-store.port.js';
import type { ProjectionRunner } from '../projections/projection-runner.js';
import type { ProjectionStore } from '../projections/projection-store.port.js';
import { DEADLINES_PROJECTION, type Deadline, type DeadlineStreamDoc, isFireable } from '../../projections/deadlines.js';

export interface DeadlineIndex {
  /** Resolves true once the index has applied every event stored when it was called (false: not within `ms`). */
  catchUp(ms: number): Promise<boolean>;
  /** Fireable deadlines due at `now` (dueAt <= now), earliest first, and the next dueAt after now. */
  due(now: Date): Promise<{ due: Deadline[]; next: string | null; checkpoint: number }>;
  /** Resolves true when, after `checkpoint`, a deadline became fireable, stopped being, or moved; false after `ms` without. */
  changedSince(checkpoint: number, ms: number): Promise<boolean>;
}

/** Due deadlines read per round; the loop comes back for the rest. */
const PAGE = 200;

export class ProjectionDeadlineIndex implements DeadlineIndex {
  constructor(
    private readonly events: EventStore,
    private readonly runner: ProjectionRunner,
    private readonly store: ProjectionStore,
  ) {}

  async catchUp(ms: number): Promise<boolean> {
    const head = await this.events.headPosition();
    return this.runner.waitFor(DEADLINES_PROJECTION, head, ms);
  }

  async due(now: Date): Promise<{ due: Deadline[]; next: string | null; checkpoint: number }> {
    const checkpoint = (await this.store.activeCheckpoint(DEADLINES_PROJECTION))?.position ?? 0;
    // The streams with a fireable deadline, earliest next dueAt first (the projection's index).
    const docs = await this.store.list(DEADLINES_PROJECTION, { index: {}, limit: PAGE });
    return { ...dueIn(docs.map((d) => d.doc as DeadlineStreamDoc), now), checkpoint };
  }

  changedSince(checkpoint: number, ms: number): Promise<boolean> {
    // Only commits that change the index (next fireable dueAt) can change what the scheduler does.
    return this.runner.indexChangedSince(DEADLINES_PROJECTION, checkpoint, ms);
  }
}

/** Pure: which deadlines of these documents are due at `now`, and the earliest one after it. */
export function dueIn(docs: readonly DeadlineStreamDoc[], now: Date): { due: Deadline[]; next: string | null } {
  const at = now.getTime();
  const due: Deadline[] = [];
  let next: string | null = null;
  for (const doc of docs) {
    for (const deadline of doc.deadlines) {
      if (!isFireable(deadline)) continue;
      if (Date.parse(deadline.dueAt) <= at) due.push(deadline);
      else if (next === null || deadline.dueAt < next) next = deadline.dueAt;
    }
  }
  due.sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { due, next };
}
