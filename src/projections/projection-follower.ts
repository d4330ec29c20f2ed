import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock/clock.js';
import type { EventStore, Subscription } from '../event-store/event-store.port.js';
import { EventBatches, type EventBatch } from './event-batches.js';
import type { PreparedBatch, ProjectionLane } from './projection-lane.js';
import { CheckpointConflictError, type ProjectionStore } from './projection-store.port.js';

export interface FollowerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface FollowerOptions {
  events: EventStore;
  store: ProjectionStore;
  clock: Clock;
  /** Events per batch (and per page of the subscription). */
  batchSize: number;
  /**
   * While catching up (batches come full), commit once this many events were applied, or this many
   * documents are dirty across the lanes, or this long passed, whichever comes first. A batch that
   * is not full (the head is reached) is always committed.
   */
  commitEvery?: { events?: number; documents?: number; ms?: number };
  /**
   * Once caught up, how long to let appends gather before reading the next batch: a live follower
   * then reads and commits a few commands' events at once instead of each on its own, at the cost
   * of that much staleness (a first event after a quiet spell is read at once).
   */
  lingerMs?: number;
  logger: FollowerLogger;
}

/** Longest run of batches between two turns of the event loop. */
const YIELD_EVERY_MS = 20;

/** How long stop() waits for a subscription that no longer answers before abandoning it. */
const ABANDON_AFTER_MS = 1000;

/**
 * Feeds several lanes (projections, or generations of them) from one subscription: each batch is
 * read once, filtered to the event types some lane handles, turned into each lane's documents and
 * committed for all of them in one transaction. It never retries by itself: a lane whose commit
 * conflicts or whose evolve throws leaves (the runner decides what next), the others go on.
 *
 * The subscription starts after the lowest checkpoint of its lanes; a lane is only given a batch
 * that starts at or before its checkpoint, so none can miss an event. A lane attached behind what
 * was already read, or handling a type the subscription does not deliver, makes it start over.
 */
export class ProjectionFollower {
  private readonly lanes = new Set<ProjectionLane>();
  private subscription: Subscription | undefined;
  private types = new Set<string>();
  /** Everything up to here was delivered by the current subscription. */
  private position = 0;
  private running = false;
  private restartRequested = false;
  private applying: Promise<unknown> | undefined;
  stopped = false;

  constructor(private readonly options: FollowerOptions) {}

  /** Adds a lane; `restart`: start the subscription over (a watchdog restart). */
  attach(lane: ProjectionLane, restart = false): void {
    if (this.stopped) throw new Error('This follower was stopped');
    lane.follower = this;
    this.lanes.add(lane);
    if (!this.running) return this.start();
    const newType = [...lane.handles].some((type) => !this.types.has(type));
    if (restart || newType || lane.applied < this.position) this.restart();
  }

  /** Takes a lane off (after the batch in progress, if any); the last one out stops the follower. */
  async detach(lane: ProjectionLane): Promise<void> {
    if (lane.follower === this) lane.follower = undefined;
    if (!this.lanes.delete(lane)) return;
    await this.applying?.catch(() => undefined);
    if (this.lanes.size === 0) await this.stop();
  }

  get size(): number {
    return this.lanes.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const subscription = this.subscription;
    if (subscription) await withinMs(subscription.unsubscribe().catch(() => undefined), ABANDON_AFTER_MS);
    await this.applying?.catch(() => undefined);
  }

  private start(): void {
    const lanes = [...this.lanes];
    if (this.stopped || lanes.length === 0) return;
    const from = Math.min(...lanes.map((lane) => lane.applied));
    this.types = new Set(lanes.flatMap((lane) => [...lane.handles]));
    this.position = from;
    this.running = true;
    let batches: EventBatches | undefined;
    let subscription: Subscription;
    try {
      // Exclusive: delivers events after `from`.
      subscription = this.options.events.subscribeToAll({
        fromPosition: from,
        batchSize: this.options.batchSize,
        filter: { eventTypes: [...this.types], checkpointReached: (position) => batches?.checkpoint(position) },
      });
    } catch (error) {
      this.running = false;
      for (const lane of lanes) lane.fail(error);
      return;
    }
    this.subscription = subscription;
    batches = new EventBatches(subscription[Symbol.asyncIterator](), this.options.batchSize, from);
    void this.run(subscription, batches);
  }

  /** Ends the current subscription; run() then starts a new one from the lanes' checkpoints. */
  private restart(): void {
    this.restartRequested = true;
    void this.subscription?.unsubscribe().catch(() => undefined);
  }

  private async run(subscription: Subscription, batches: EventBatches): Promise<void> {
    // The documents bound caps the memory of what is not committed yet. It is counted across the
    // lanes, and a rebuild of every projection dirties about three documents per event: at 20,000
    // it committed every 7,000 events, rewriting each application's documents several times (an
    // application's events span ~42,000 positions of a large store); 954,149 document writes for a
    // million events instead of 745,160, and 35,000 events/s instead of 42,000-45,000.
    const every = { events: 100_000, documents: 100_000, ms: 5000, ...this.options.commitEvery };
    let applied = 0;
    let since = performance.now();
    let yielded = performance.now();
    const commit = async () => {
      applied = 0;
      since = performance.now();
      const committed = await this.exclusively(() => this.commit());
      for (const lane of committed) if (lane.state === 'running') await lane.options.onCommit(lane);
    };
    try {
      while (!this.stopped) {
        const from = this.position;
        const next = batches.next();
        // Caught up (no batch ready within this turn of the event loop): commit what was applied.
        if (this.uncommitted() && !(await readyThisTurn(next))) await commit();
        const batch = await next;
        if (this.stopped || this.restartRequested || batch === null) break;
        // Catching up, every read and write may settle as a microtask (better-sqlite3 is
        // synchronous), so without this the loop would hold the thread until the head: no timer,
        // no request, no progress report between two commits 100,000 events apart.
        if (performance.now() - yielded >= YIELD_EVERY_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          yielded = performance.now();
          if (this.stopped || this.restartRequested) break;
        }
        this.position = batch.position;
        await this.exclusively(() => this.apply(batch, from));
        applied += batch.events.length;
        const dirty = [...this.lanes].reduce((n, lane) => n + lane.dirtyDocuments, 0);
        if (applied >= every.events || dirty >= every.documents || performance.now() - since >= every.ms) await commit();
        const linger = this.options.lingerMs ?? 0;
        if (linger > 0 && batch.events.length < this.options.batchSize) {
          if (this.uncommitted()) await commit();
          await new Promise((resolve) => setTimeout(resolve, linger));
        }
      }
    } catch (error) {
      // The subscription failed: every lane stops; the runner's watchdog restarts them.
      if (!this.stopped && !this.restartRequested) for (const lane of [...this.lanes]) lane.fail(error);
    } finally {
      if (this.subscription === subscription) this.subscription = undefined;
      void subscription.unsubscribe().catch(() => undefined);
    }
    this.running = false;
    if (this.restartRequested && !this.stopped) {
      this.restartRequested = false;
      this.start();
    }
  }

  /** Runs `work` as the follower's batch in progress (detach and stop wait for it). */
  private async exclusively<T>(work: () => Promise<T>): Promise<T> {
    const running = work();
    this.applying = running;
    try {
      return await running;
    } finally {
      this.applying = undefined;
    }
  }

  private uncommitted(): boolean {
    for (const lane of this.lanes) if (lane.state === 'running' && lane.applied > lane.checkpoint) return true;
    return false;
  }

  /** Evolves the batch in every lane it is for; a lane whose evolve throws leaves. */
  private async apply(batch: EventBatch, from: number): Promise<void> {
    for (const lane of this.lanes) {
      // A lane behind `from` waits for the restart its attach asked for.
      if (lane.state !== 'running' || lane.applied < from || lane.applied >= batch.position) continue;
      try {
        await lane.apply(batch);
      } catch (error) {
        this.failLane(lane, error);
      }
    }
  }

  /** Commits what every lane applied, in one transaction; the lanes committed. */
  private async commit(): Promise<ProjectionLane[]> {
    const updatedAt = this.options.clock.now().toISOString();
    let prepared: PreparedBatch[] = [];
    for (const lane of this.lanes) {
      if (lane.state !== 'running') continue;
      try {
        const ready = lane.prepare(updatedAt);
        if (ready) prepared.push(ready);
      } catch (error) {
        this.failLane(lane, error);
      }
    }
    while (prepared.length > 0) {
      try {
        await this.options.store.commit(prepared.map((p) => p.batch));
        break;
      } catch (error) {
        const conflicted = error instanceof CheckpointConflictError
          ? prepared.find((p) => p.lane.name === error.projection && p.lane.generation === error.generation)
          : undefined;
        if (!conflicted) {
          for (const { lane } of prepared) this.failLane(lane, error);
          return [];
        }
        // That lane's generation moved on elsewhere: it leaves, the others commit without it.
        conflicted.lane.conflict(error as Error);
        prepared = prepared.filter((p) => p !== conflicted);
      }
    }
    for (const ready of prepared) ready.lane.committed(ready);
    return prepared.map((p) => p.lane);
  }

  private failLane(lane: ProjectionLane, error: unknown): void {
    this.options.logger.error(`Projection ${lane.name} (generation ${lane.generation}) stopped after position ${lane.checkpoint}: ${errorMessage(error)}`);
    lane.fail(error);
  }
}

/** True when `promise` settles before the event loop's next turn (a page already read), false otherwise. */
function readyThisTurn(promise: Promise<unknown>): Promise<boolean> {
  let handle: NodeJS.Immediate | undefined;
  const turn = new Promise<boolean>((resolve) => {
    handle = setImmediate(() => resolve(false));
  });
  return Promise.race([promise.then(() => true, () => true), turn]).finally(() => clearImmediate(handle));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Resolves with the promise or after `ms`, whichever comes first; clears its timer. */
export function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
