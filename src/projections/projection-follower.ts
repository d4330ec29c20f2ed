import { performance } from 'node:perf_hooks';
import type { Projection } from '../../projections/projection.js';
import type { Clock } from '../clock/clock.js';
import type { EventStore, StoredEvent, Subscription } from '../event-store/event-store.port.js';
import { EventBatches } from './event-batches.js';
import { CheckpointConflictError, type GenerationStatus, type ProjectionStore } from './projection-store.port.js';

export interface FollowerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface FollowerOptions {
  projection: Projection<unknown>;
  generation: number;
  role: GenerationStatus;
  /** The generation's stored checkpoint: the subscription starts after it. */
  fromPosition: number;
  events: EventStore;
  store: ProjectionStore;
  clock: Clock;
  batchSize: number;
  logger: FollowerLogger;
  /** After each committed batch; awaited, so the next batch waits for it (e.g. an activation). */
  onCommit(follower: ProjectionFollower): Promise<void>;
  /** When the loop ended on its own: a conflict or a failure (not after stop()). */
  onExit(follower: ProjectionFollower): void;
}

export type FollowerState = 'running' | 'conflict' | 'failed' | 'stopped';

/** How long stop() waits for a subscription that no longer answers before abandoning it. */
const ABANDON_AFTER_MS = 1000;

/**
 * Applies one generation of one projection: subscription → batches → one commit per batch
 * (documents and checkpoint together). It never retries by itself: on a conflict or a failure it
 * stops and tells the runner, which decides (resync, or restart after the watchdog's delay).
 */
export class ProjectionFollower {
  checkpoint: number;
  lastEventRecordedAt: string | null = null;
  /** performance.now() of the last commit (monotonic: the injected clock may be a manual one). */
  lastProgressAt = performance.now();
  state: FollowerState = 'running';
  error: string | undefined;
  role: GenerationStatus;
  private subscription: Subscription | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly handles: ReadonlySet<string>;

  constructor(private readonly options: FollowerOptions) {
    this.checkpoint = options.fromPosition;
    this.role = options.role;
    this.handles = new Set(options.projection.handles);
    void this.run();
  }

  get name(): string {
    return this.options.projection.name;
  }

  get generation(): number {
    return this.options.generation;
  }

  /** Stops delivery; waits for a commit in progress, not for a subscription that hangs. */
  async stop(): Promise<void> {
    if (this.state === 'running') this.state = 'stopped';
    if (this.subscription) await withinMs(this.subscription.unsubscribe().catch(() => undefined), ABANDON_AFTER_MS);
    await this.inFlight?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { events, batchSize } = this.options;
    let subscription: Subscription;
    try {
      // Exclusive: delivers events after the checkpoint.
      subscription = events.subscribeToAll({ fromPosition: this.checkpoint, batchSize });
    } catch (error) {
      return this.fail(error);
    }
    this.subscription = subscription;
    const batches = new EventBatches(subscription[Symbol.asyncIterator](), batchSize);
    try {
      while (this.state === 'running') {
        const batch = await batches.next();
        if (this.state !== 'running' || batch === null) break;
        this.inFlight = this.apply(batch);
        await this.inFlight;
        if (this.state !== 'running') break;
        await this.options.onCommit(this);
      }
    } catch (error) {
      if (this.state !== 'running') return;
      if (error instanceof CheckpointConflictError) {
        this.state = 'conflict';
        this.error = error.message;
        this.options.onExit(this);
      } else this.fail(error);
    } finally {
      if (this.state !== 'stopped') void subscription.unsubscribe().catch(() => undefined);
    }
  }

  private async apply(batch: StoredEvent[]): Promise<void> {
    const { projection, store, clock, generation } = this.options;
    // The guard: a restarted or overlapping subscription may repeat events already applied.
    const fresh = batch.filter((event) => event.position > this.checkpoint);
    if (fresh.length === 0) return;
    const touched = fresh
      .filter((event) => this.handles.has(event.type))
      .map((event) => ({ event, keys: [...new Set(projection.keys(event))] }));
    const documents = await store.load(projection.name, generation, [...new Set(touched.flatMap((t) => t.keys))]);
    const changes = new Map<string, unknown>();
    for (const { event, keys } of touched) {
      for (const key of keys) {
        const current = changes.has(key) ? changes.get(key) : (documents.get(key) ?? null);
        changes.set(key, projection.evolve(current ?? null, event, key));
      }
    }
    const last = fresh.at(-1)!;
    const lastEventRecordedAt = typeof last.metadata?.recordedAt === 'string' ? last.metadata.recordedAt : null;
    await store.commit({
      projection: projection.name,
      generation,
      fromPosition: this.checkpoint,
      toPosition: last.position,
      lastEventRecordedAt,
      updatedAt: clock.now().toISOString(),
      changes,
    });
    this.checkpoint = last.position;
    this.lastEventRecordedAt = lastEventRecordedAt;
    this.lastProgressAt = performance.now();
  }

  private fail(error: unknown): void {
    if (this.state !== 'running') return;
    this.state = 'failed';
    this.error = error instanceof Error ? error.message : String(error);
    this.options.logger.error(
      `Projection ${this.name} (generation ${this.generation}) stopped after position ${this.checkpoint}: ${this.error}`,
    );
    this.options.onExit(this);
  }
}

/** Resolves with the promise or after `ms`, whichever comes first; clears its timer. */
export function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
