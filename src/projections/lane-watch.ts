/**
 * How the runner judges its lanes: stalled (behind the head without applying anything for a
 * while: the watchdog restarts it), the status GET /api/projections shows for the live one, and
 * where a rebuild stands (checkpoint, rate, ETA), whether this thread or a worker builds it.
 */
import { performance } from 'node:perf_hooks';
import type { OffThreadState } from './off-thread-builds.js';
import type { ProjectionLane } from './projection-lane.js';
import type { GenerationState } from './projection-store.port.js';
import type { ProjectionStatus, RebuildProgress } from './projection-status.js';

export class StallWatch {
  /** Per lane: the position it had applied when the watchdog first saw it behind, and when. */
  private readonly watched = new WeakMap<ProjectionLane, { checkpoint: number; since: number }>();

  constructor(
    private readonly stallAfterMs: number,
    private readonly watchdogIntervalMs: number,
  ) {}

  /** Behind the head without applying anything since the watchdog first saw it behind, for stallAfterMs. */
  isStalled(lane: ProjectionLane, head: number): boolean {
    const now = performance.now();
    if (lane.state === 'running' && lane.checkpoint >= head) {
      this.watched.delete(lane);
      return false;
    }
    const seen = this.watched.get(lane);
    if (!seen || seen.checkpoint !== lane.applied) {
      this.watched.set(lane, { checkpoint: lane.applied, since: now });
      return false;
    }
    return now - seen.since >= this.stallAfterMs;
  }

  /** Since when (performance.now()) the lane has been seen behind without progress, if it has. */
  stuckSince(lane: ProjectionLane): number | undefined {
    return this.watched.get(lane)?.since;
  }

  liveStatus(live: ProjectionLane | undefined, lagEvents: number): ProjectionStatus['status'] {
    if (!live) return 'idle';
    if (live.state === 'failed') return 'failed';
    const seen = this.watched.get(live);
    if (lagEvents > 0 && seen && performance.now() - seen.since >= this.watchdogIntervalMs) return 'stalled';
    return lagEvents === 0 ? 'live' : 'catching-up';
  }
}

/**
 * Where the build of `building` stands: from a worker's last report when a worker of this process
 * builds it (`elsewhere`), from the lane in memory when this thread does (`mine`, with the rate
 * since `startedAt`), or only its stored checkpoint when another process does.
 */
export function rebuildProgress(
  building: GenerationState,
  head: number,
  how: { elsewhere?: Readonly<OffThreadState>; mine?: ProjectionLane; startedAt?: { at: number; position: number } },
): RebuildProgress {
  const at = (checkpoint: number, rest: Pick<RebuildProgress, 'eventsPerSecond' | 'etaSeconds' | 'state' | 'error'>): RebuildProgress => ({
    generation: building.generation,
    version: building.version,
    checkpoint,
    head,
    percent: head > 0 ? Math.min(100, Math.floor((checkpoint / head) * 1000) / 10) : 100,
    ...rest,
  });
  const { elsewhere, mine, startedAt } = how;
  if (elsewhere) {
    // Built by a worker of this process: its last report (its checkpoint in memory, rate, ETA).
    const reported = elsewhere.progress;
    return at(Math.max(reported?.checkpoint ?? 0, building.position), {
      eventsPerSecond: elsewhere.running ? (reported?.eventsPerSecond ?? null) : null,
      etaSeconds: elsewhere.running ? (reported?.etaSeconds ?? null) : null,
      state: elsewhere.running ? 'running' : 'failed',
      error: elsewhere.error ?? null,
    });
  }
  // Where the build stands in memory (commits come every so many events while it catches up).
  const checkpoint = mine?.applied ?? building.position;
  let eventsPerSecond: number | null = null;
  let etaSeconds: number | null = null;
  if (mine && startedAt) {
    const seconds = (performance.now() - startedAt.at) / 1000;
    eventsPerSecond = seconds > 0 ? Math.round((checkpoint - startedAt.position) / seconds) : null;
    etaSeconds = eventsPerSecond ? Math.ceil(Math.max(0, head - checkpoint) / eventsPerSecond) : null;
  }
  return at(checkpoint, {
    eventsPerSecond,
    etaSeconds,
    state: !mine ? 'elsewhere' : mine.state === 'failed' ? 'failed' : 'running',
    error: mine?.error ?? null,
  });
}
