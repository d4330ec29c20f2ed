import type { Projection } from '../../projections/projection.js';
import type { FollowerLogger } from './projection-follower.js';
import type { ProjectionStatus, RebuildProgress } from './projection-status.js';
import { partitionProjections } from './rebuild-partition.js';

/** A build running elsewhere (a worker thread: rebuild-worker.ts). */
export interface OffThreadBuild {
  /** Settles when the build ended: ok false when a projection's build failed or the worker died. */
  done: Promise<{ ok: boolean; error?: string }>;
  /** Asks it to stop at its next batch, and waits (what it built is resumed by the next build). */
  stop(): Promise<void>;
}

/** How a ProjectionRunner builds generations off its own thread. */
export interface OffThreadBuilder {
  /** Builds and activates the building generations of `names` (they exist in the store); statuses as they come. */
  build(names: string[], onStatus: (statuses: ProjectionStatus[]) => void): OffThreadBuild;
  /** How many builds may run side by side: projections asked for together are spread over them. */
  parallelism: number;
}

export interface OffThreadState {
  generation: number;
  running: boolean;
  progress?: RebuildProgress;
  error?: string;
}

/** Builds asked for within this long of the first (an admin's requests for several, the start's) go together. */
const GATHER_MS = 100;

/**
 * A runner's builds off its thread. Projections asked for within GATHER_MS of one another (a
 * rebuild of several, or of those whose version changed at start) are spread over the builder's
 * parallelism (rebuild-partition.ts), each group one build reading the store once.
 */
export class OffThreadBuilds {
  private readonly states = new Map<string, OffThreadState>();
  private queued: Array<Projection<unknown>> = [];
  private readonly builds = new Set<OffThreadBuild>();
  private stopped = false;

  constructor(
    private readonly builder: OffThreadBuilder,
    /** After a build ended (ok or not), for each of its projections. */
    private readonly ended: (name: string, ok: boolean) => Promise<void>,
    private readonly logger: FollowerLogger,
  ) {}

  /** Whether a build of `name` is queued or running here. */
  isBuilding(name: string): boolean {
    return this.states.get(name)?.running === true;
  }

  /** Queues the build of `generation` of `projection` (it exists in the store, status building). */
  start(projection: Projection<unknown>, generation: number): void {
    if (this.stopped || this.isBuilding(projection.name)) return;
    this.states.set(projection.name, { generation, running: true });
    this.queued.push(projection);
    if (this.queued.length === 1) setTimeout(() => this.flush(), GATHER_MS).unref();
  }

  /** What a build of `generation` reported last, if this runner started it. */
  stateOf(name: string, generation: number): Readonly<OffThreadState> | undefined {
    const state = this.states.get(name);
    return state?.generation === generation ? state : undefined;
  }

  /** Stops every build (each at its next batch) and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queued = [];
    await Promise.all([...this.builds].map((build) => build.stop()));
  }

  private flush(): void {
    const projections = this.queued;
    this.queued = [];
    if (this.stopped || projections.length === 0) return;
    for (const group of partitionProjections(projections, this.builder.parallelism)) {
      const names = group.map((p) => p.name);
      this.logger.log(`Projections ${names.join(', ')}: building in a worker thread`);
      const build = this.builder.build(names, (statuses) => {
        for (const status of statuses) {
          const state = this.states.get(status.name);
          if (state?.running && status.rebuild?.generation === state.generation) state.progress = status.rebuild;
        }
      });
      this.builds.add(build);
      void build.done.then(async ({ ok, error }) => {
        this.builds.delete(build);
        for (const name of names) {
          const state = this.states.get(name);
          if (!state) continue;
          state.running = false;
          if (ok) this.states.delete(name);
          else if (!this.stopped) {
            state.error = error ?? 'the build failed';
            this.logger.error(`Projection ${name}: the build of generation ${state.generation} in a worker thread failed: ${state.error}`);
          }
          if (!this.stopped) await this.ended(name, ok).catch((e: unknown) => this.logger.warn(`Projection ${name}: ${(e as Error).message}`));
        }
      });
    }
  }
}
