import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { PROJECTION_NAME, type Projection } from '../../projections/projection.js';
import type { Clock } from '../clock/clock.js';
import type { EventStore } from '../event-store/event-store.port.js';
import type { Metrics } from '../observability/metrics.js';
import { type OffThreadBuilder, OffThreadBuilds } from './off-thread-builds.js';
import { CommitSignals } from './commit-signals.js';
import { StallWatch, rebuildProgress } from './lane-watch.js';
import { type FollowerLogger, ProjectionFollower } from './projection-follower.js';
import { ProjectionLane } from './projection-lane.js';
import type { GenerationState, GenerationStatus, ProjectionStore } from './projection-store.port.js';
import { type ProjectionStatus, UnknownProjectionError } from './projection-status.js';

const MiB = 2 ** 20;

/** DI token: the projections the runner keeps up to date (see registered-projections.ts). */
export const PROJECTIONS = Symbol.for('PROJECTIONS');

export interface ProjectionRunnerOptions {
  /** Events per transaction while following the live generations. */
  batchSize?: number;
  /** Events per batch while building new generations (larger: nobody reads them yet). */
  rebuildBatchSize?: number;
  /** While a follower catches up, how often it commits (ProjectionFollower's commitEvery). */
  commitEvery?: { events?: number; documents?: number; ms?: number };
  /** How long the live follower lets appends gather once caught up (ProjectionFollower's lingerMs; default 10 ms). */
  liveLingerMs?: number;
  /** JSON bytes of documents each live lane keeps in memory between batches. */
  liveCacheBytes?: number;
  /** The same for each generation being built. */
  rebuildCacheBytes?: number;
  watchdogIntervalMs?: number;
  /** A follower behind the head without progress for this long is restarted. */
  stallAfterMs?: number;
  /** false in the rebuild CLI: it builds new generations and leaves the live ones to the server. */
  followLive?: boolean;
  /** Rebuild at start a projection whose `version` differs from its active generation's. */
  autoRebuild?: boolean;
  /**
   * Builds new generations off this thread (the server's: worker threads, rebuild-worker.ts); this
   * runner then follows the generation the build activates. Without it, this thread builds them.
   */
  offThread?: OffThreadBuilder;
  logger?: FollowerLogger;
}

interface Entry {
  projection: Projection<unknown>;
  live?: ProjectionLane;
  building?: ProjectionLane;
  rebuildStartedAt?: { at: number; position: number };
  restarts: number;
  /** Mutations of the lanes run one at a time per projection. */
  queue: Promise<unknown>;
}

/**
 * Keeps every registered projection up to date: one lane per projection on its active generation,
 * and while a rebuild runs one more on the building generation; when that one reaches the head
 * it becomes active (one transaction) and the old generation is deleted. The live lanes share one
 * follower (one subscription, one transaction per batch for all of them), and so do the lanes
 * being built (rebuilding every projection reads the store once). A watchdog restarts lanes that
 * stop advancing while the head moves.
 *
 * Crash mid-rebuild: the building generation is kept, and resumed from its own checkpoint at the
 * next start (documents are committed with their checkpoint, so resuming is exact).
 */
export class ProjectionRunner {
  private readonly entries = new Map<string, Entry>();
  private readonly followers: Partial<Record<GenerationStatus, ProjectionFollower>> = {};
  private readonly signals = new CommitSignals();
  private readonly stalls: StallWatch;
  private readonly logger: FollowerLogger;
  private readonly batchSize: number;
  private readonly watchdogIntervalMs: number;
  private readonly followLive: boolean;
  private watchdog: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private running = false;
  private offThread: OffThreadBuilds | undefined;

  constructor(
    private readonly events: EventStore,
    private readonly store: ProjectionStore,
    projections: readonly Projection<any>[],
    private readonly clock: Clock,
    private readonly metrics?: Metrics,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.logger = options.logger ?? new Logger('Projections');
    this.batchSize = options.batchSize ?? 500;
    this.watchdogIntervalMs = options.watchdogIntervalMs ?? 5000;
    this.stalls = new StallWatch(options.stallAfterMs ?? 30_000, this.watchdogIntervalMs);
    this.followLive = options.followLive ?? true;
    for (const projection of projections) {
      if (!PROJECTION_NAME.test(projection.name)) throw new Error(`Invalid projection name: '${projection.name}'`);
      if (this.entries.has(projection.name)) throw new Error(`Projection '${projection.name}' is registered twice`);
      if (!Number.isInteger(projection.version) || projection.version < 1) {
        throw new Error(`Projection '${projection.name}': version must be a positive integer`);
      }
      this.entries.set(projection.name, { projection, restarts: 0, queue: Promise.resolve() });
    }
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const builder = this.options.offThread;
    this.offThread = builder && new OffThreadBuilds(builder, (name, ok) => this.builtElsewhere(name, ok), this.logger);
    await this.store.init();
    for (const entry of this.entries.values()) await this.serial(entry, () => this.reconcile(entry, true));
    this.watchdog = setInterval(() => void this.checkNow(), this.watchdogIntervalMs);
    this.watchdog.unref();
  }

  /** Stops every follower and timer; waits for commits in progress (not for hung subscriptions). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.watchdog);
    await this.ticking;
    await this.offThread?.stop();
    for (const entry of this.entries.values()) {
      await entry.queue.catch(() => undefined);
      await Promise.all([entry.live?.stop(), entry.building?.stop()]);
      // A later start() resumes from the stored checkpoints, builds included.
      entry.live = entry.building = undefined;
    }
    await Promise.all(Object.values(this.followers).map((follower) => follower.stop()));
    this.signals.wakeAll();
  }

  /** Starts building a new generation from position 0 (or resumes the one being built). */
  async rebuild(name: string): Promise<ProjectionStatus> {
    const entry = this.entry(name);
    if (!this.running) throw new Error('The projection runner is not running');
    await this.serial(entry, async () => {
      if (entry.building || this.offThread?.isBuilding(name)) return;
      const state = await this.store.state(name);
      const existing = state.generations.find(
        (g) => g.generation !== state.active && g.status === 'building' && g.version === entry.projection.version,
      );
      const generation = existing ?? (await this.store.createGeneration(name, entry.projection.version, this.now()));
      if (generation.status === 'live') return this.reconcile(entry, false); // the first one: it is the live one
      this.logger.log(`Projection ${name}: ${existing ? 'resuming' : 'building'} generation ${generation.generation}`);
      this.startBuild(entry, generation);
    });
    await this.maybeActivate(entry);
    return this.status(name);
  }

  /**
   * True once a live commit after `checkpoint` changed the projection's index (Projection.index),
   * false after `ms` without. A switch to a rebuilt generation counts as a change. For those who
   * only care about the index (the deadline scheduler): most commits leave it alone.
   */
  async indexChangedSince(name: string, checkpoint: number, ms: number): Promise<boolean> {
    this.entry(name);
    return this.signals.indexChangedSince(name, checkpoint, ms);
  }

  /** Resolves when `name` has no generation under construction by this process (in its thread or a worker). */
  async whenRebuilt(name: string, pollMs = 100): Promise<void> {
    const entry = this.entry(name);
    while ((entry.building || this.offThread?.isBuilding(name)) && this.running) await this.signals.nextCommit(name, pollMs);
  }

  /**
   * True once the active generation has applied `minPosition`; false when `timeoutMs` passed
   * first. Polls the store too, so a switch made by another process (the CLI) counts.
   */
  async waitFor(name: string, minPosition: number, timeoutMs: number): Promise<boolean> {
    this.entry(name);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const checkpoint = await this.store.activeCheckpoint(name);
      if ((checkpoint?.position ?? 0) >= minPosition) return true;
      const remaining = deadline - performance.now();
      if (remaining <= 0 || !this.running) return false;
      await this.signals.nextCommit(name, Math.min(remaining, 100));
    }
  }

  async statuses(): Promise<ProjectionStatus[]> {
    const head = await this.events.headPosition();
    const all: ProjectionStatus[] = [];
    for (const name of this.entries.keys()) all.push(await this.status(name, head));
    return all;
  }

  async status(name: string, knownHead?: number): Promise<ProjectionStatus> {
    const entry = this.entry(name);
    const head = knownHead ?? (await this.events.headPosition());
    const state = await this.store.state(name);
    const active = state.generations.find((g) => g.generation === state.active);
    const checkpoint = active?.position ?? 0;
    const lagEvents = Math.max(0, head - checkpoint);
    const lagSeconds = lagEvents > 0 ? await this.ageOfEventAfter(checkpoint) : 0;
    const building = state.generations.find((g) => g.generation !== state.active && g.status === 'building');
    const live = entry.live?.generation === state.active ? entry.live : undefined;
    const status: ProjectionStatus = {
      name,
      version: entry.projection.version,
      status: this.stalls.liveStatus(live, lagEvents),
      generation: state.active,
      activeVersion: active?.version ?? null,
      checkpoint,
      head,
      lagEvents,
      lagSeconds,
      lastEventRecordedAt: active?.lastEventRecordedAt ?? null,
      updatedAt: active?.updatedAt ?? null,
      restarts: entry.restarts,
      error: live?.error ?? null,
      rebuild: building
        ? rebuildProgress(building, head, {
            elsewhere: this.offThread?.stateOf(name, building.generation),
            mine: entry.building?.generation === building.generation ? entry.building : undefined,
            startedAt: entry.rebuildStartedAt,
          })
        : null,
    };
    this.metrics?.projectionCheckpoint.set({ projection: name }, checkpoint);
    this.metrics?.projectionLagEvents.set({ projection: name }, lagEvents);
    this.metrics?.projectionLagSeconds.set({ projection: name }, lagSeconds);
    return status;
  }

  /** One watchdog round (also run by the interval): resync, restart stalled followers, switch finished builds. */
  async checkNow(): Promise<void> {
    if (!this.running) return;
    if (this.ticking) return this.ticking;
    this.ticking = (async () => {
      try {
        const head = await this.events.headPosition();
        for (const entry of this.entries.values()) {
          if (!this.running) return;
          await this.serial(entry, () => this.reconcile(entry, false));
          for (const lane of [entry.live, entry.building]) {
            if (lane && this.stalls.isStalled(lane, head)) await this.serial(entry, () => this.restart(entry, lane, head));
          }
          await this.maybeActivate(entry);
          await this.status(entry.projection.name, head);
        }
      } catch (error) {
        if (this.running) this.logger.warn(`Projection watchdog round failed: ${(error as Error).message}`);
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  // --- internals -------------------------------------------------------------------------------

  /** Makes the followers match the stored generations. `initial`: also resume builds and check versions. */
  private async reconcile(entry: Entry, initial: boolean): Promise<void> {
    if (!this.running) return;
    const { name, version } = entry.projection;
    let state = await this.store.state(name);
    if (state.active === null) {
      await this.store.createGeneration(name, version, this.now());
      state = await this.store.state(name);
    }
    const active = state.generations.find((g) => g.generation === state.active)!;
    // A generation built by another version of the projection is answered from but not followed:
    // only the code that built it could evolve its documents. Its replacement is being built.
    const followable = active.version === version;
    if (!followable && entry.live) {
      const frozen = entry.live;
      entry.live = undefined;
      await frozen.stop();
    }
    if (this.followLive && followable && (!entry.live || entry.live.generation !== active.generation || entry.live.state === 'conflict')) {
      const old = entry.live;
      entry.live = entry.building?.generation === active.generation ? entry.building : this.follow(entry, active, 'live');
      if (entry.live === entry.building) entry.building = undefined;
      await old?.stop();
    }
    let building = state.generations.find((g) => g.generation !== state.active && g.status === 'building');
    if (building && building.version !== version) {
      this.logger.warn(`Projection ${name}: dropping generation ${building.generation}, built for version ${building.version}`);
      await entry.building?.stop();
      entry.building = undefined;
      await this.store.dropGeneration(name, building.generation);
      building = undefined;
    }
    if (entry.building && (entry.building.generation !== building?.generation || entry.building.state === 'conflict')) {
      const old = entry.building;
      entry.building = building && old.generation === building.generation ? this.follow(entry, building, 'building') : undefined;
      await old.stop();
    }
    if (initial && building && !entry.building) {
      this.logger.log(`Projection ${name}: resuming generation ${building.generation} from position ${building.position}`);
      this.startBuild(entry, building);
    }
    if (initial && !building && active.version !== version && (this.options.autoRebuild ?? true)) {
      const created = await this.store.createGeneration(name, version, this.now());
      this.logger.log(
        `Projection ${name}: version ${version} differs from the active generation's ${active.version}; rebuilding as generation ` +
          `${created.generation} (queries answer from generation ${active.generation}, no longer followed, until the switch)`,
      );
      this.startBuild(entry, created);
    }
  }

  /** Builds `generation` (status building in the store): off this thread when there is a builder, else here. */
  private startBuild(entry: Entry, generation: GenerationState): void {
    entry.rebuildStartedAt = { at: performance.now(), position: generation.position };
    if (this.offThread) this.offThread.start(entry.projection, generation.generation);
    else entry.building = this.follow(entry, generation, 'building');
  }

  /** A build off this thread ended: follow what it activated (or, if it failed, keep the old generation). */
  private async builtElsewhere(name: string, ok: boolean): Promise<void> {
    const entry = this.entry(name);
    if (ok) entry.rebuildStartedAt = undefined;
    await this.serial(entry, () => this.reconcile(entry, false));
    if (ok) {
      // A switch to a rebuilt generation counts as an index change (indexChangedSince).
      this.signals.indexChanged(name, (await this.store.activeCheckpoint(name))?.position ?? 0);
    }
    this.signals.committed(name);
  }

  /** A lane on `generation`, attached to the follower of its role (`restart`: start its subscription over). */
  private follow(entry: Entry, generation: GenerationState, role: GenerationStatus, restart = false): ProjectionLane {
    const name = entry.projection.name;
    const lane = new ProjectionLane({
      projection: entry.projection,
      generation: generation.generation,
      role,
      fromPosition: generation.position,
      store: this.store,
      cacheBytes: role === 'live' ? (this.options.liveCacheBytes ?? 4 * MiB) : (this.options.rebuildCacheBytes ?? 16 * MiB),
      onCommit: async (committed) => {
        if (committed.role === 'live') {
          this.metrics?.projectionCheckpoint.set({ projection: name }, committed.checkpoint);
          if (committed.lastCommitChangedIndex) this.signals.indexChanged(name, committed.checkpoint);
          this.signals.committed(name);
        } else await this.maybeActivate(entry);
      },
      // A conflict means another writer moved on (or switched generations): resync now.
      onExit: (exited) => {
        if (exited.state === 'conflict' && this.running) void this.serial(entry, () => this.reconcile(entry, false));
      },
    });
    this.followerFor(role).attach(lane, restart);
    return lane;
  }

  private followerFor(role: GenerationStatus): ProjectionFollower {
    let follower = this.followers[role];
    if (!follower || follower.stopped) {
      follower = new ProjectionFollower({
        events: this.events,
        store: this.store,
        clock: this.clock,
        batchSize: role === 'live' ? this.batchSize : (this.options.rebuildBatchSize ?? 2000),
        commitEvery: this.options.commitEvery,
        lingerMs: role === 'live' ? (this.options.liveLingerMs ?? 10) : 0,
        logger: this.logger,
      });
      this.followers[role] = follower;
    }
    return follower;
  }

  /** Switches to the building generation once it has applied everything up to the head. */
  private async maybeActivate(entry: Entry): Promise<void> {
    const building = entry.building;
    if (!building || building.state !== 'running') return;
    if (building.checkpoint < (await this.events.headPosition())) return;
    await this.serial(entry, async () => {
      if (entry.building !== building || building.state !== 'running') return;
      const name = entry.projection.name;
      // The old generation's lane stops first: its next batch would find the generation deleted.
      const old = entry.live;
      entry.live = undefined;
      await old?.stop();
      await this.store.activate(name, building.generation);
      entry.building = undefined;
      entry.rebuildStartedAt = undefined;
      await building.follower?.detach(building);
      building.role = 'live';
      if (this.followLive) {
        entry.live = building;
        this.followerFor('live').attach(building);
      } else building.state = 'stopped';
      this.logger.log(`Projection ${name}: generation ${building.generation} is active (applied up to ${building.checkpoint})`);
      this.signals.indexChanged(name, building.checkpoint);
      this.signals.committed(name);
    });
  }

  private async restart(entry: Entry, lane: ProjectionLane, head: number): Promise<void> {
    if (entry.live !== lane && entry.building !== lane) return;
    const name = entry.projection.name;
    const since = this.stalls.stuckSince(lane) ?? lane.lastProgressAt;
    this.logger.warn(
      `Projection ${name} generation ${lane.generation}: no progress for ${Math.round((performance.now() - since) / 1000)} s ` +
        `at position ${lane.checkpoint} while the head is ${head} (${lane.state}${lane.error ? `: ${lane.error}` : ''}); restarting its subscription`,
    );
    entry.restarts += 1;
    this.metrics?.projectionRestarts.inc({ projection: name });
    await lane.stop();
    const stored = (await this.store.state(name)).generations.find((g) => g.generation === lane.generation);
    const next = stored ? this.follow(entry, stored, lane.role, true) : undefined;
    if (entry.live === lane) entry.live = next;
    else entry.building = next;
    if (!next) await this.reconcile(entry, false);
  }

  private async ageOfEventAfter(checkpoint: number): Promise<number> {
    const [next] = await this.events.readAll({ fromPosition: checkpoint + 1, limit: 1 });
    const recordedAt = Date.parse(String(next?.metadata?.recordedAt ?? ''));
    if (Number.isNaN(recordedAt)) return 0;
    return Math.max(0, (this.clock.now().getTime() - recordedAt) / 1000);
  }

  private serial<T>(entry: Entry, task: () => Promise<T>): Promise<T> {
    const run = entry.queue.catch(() => undefined).then(task);
    entry.queue = run.catch(() => undefined);
    return run;
  }

  private entry(name: string): Entry {
    const entry = this.entries.get(name);
    if (!entry) throw new UnknownProjectionError(name);
    return entry;
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}
