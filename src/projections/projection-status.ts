/** What GET /api/projections and the CLI's progress bar show for one projection. */
export interface ProjectionStatus {
  name: string;
  version: number;
  /**
   * Of the active generation: 'live' (caught up), 'catching-up' (behind and moving), 'stalled'
   * (behind without progress for a watchdog interval; the watchdog restarts it), 'failed' (evolve
   * or the store threw; retried by the watchdog), 'idle' (not followed by this process: the CLI).
   */
  status: 'live' | 'catching-up' | 'stalled' | 'failed' | 'idle';
  generation: number | null;
  /** Version the active generation was built with; differs from `version` until a rebuild switches. */
  activeVersion: number | null;
  checkpoint: number;
  head: number;
  lagEvents: number;
  /** Clock time since the oldest unapplied event was recorded; 0 when caught up. */
  lagSeconds: number;
  lastEventRecordedAt: string | null;
  updatedAt: string | null;
  restarts: number;
  error: string | null;
  rebuild: RebuildProgress | null;
}

export interface RebuildProgress {
  generation: number;
  version: number;
  checkpoint: number;
  head: number;
  percent: number;
  /** Measured by the process that builds it; null when another process (the CLI, or the server) does. */
  eventsPerSecond: number | null;
  etaSeconds: number | null;
  state: 'running' | 'failed' | 'elsewhere';
  error: string | null;
}

/** Thrown for a name no registered projection has; the problem filter renders it as 404. */
export class UnknownProjectionError extends Error {
  readonly code = 'PROJECTION_NOT_FOUND';
  readonly status = 404;
  constructor(readonly projection: string) {
    super(`No projection is registered as '${projection}'`);
    this.name = 'UnknownProjectionError';
  }
}
