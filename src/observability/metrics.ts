import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WalCheckpointStats } from '../event-store/sqlite/wal-checkpointer.js';

export const METRICS = Symbol.for('METRICS');

/** One registry per app instance (tests start several apps in one process). */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly appends = new Counter({
    name: 'event_store_appends_total',
    help: 'Appends through the event-store port by outcome',
    labelNames: ['store', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly appendedEvents = new Counter({
    name: 'event_store_appended_events_total',
    help: 'Events written (idempotent replays excluded)',
    labelNames: ['store'] as const,
    registers: [this.registry],
  });
  readonly appendDuration = new Histogram({
    name: 'event_store_append_duration_seconds',
    help: 'Append latency, durable commit included',
    labelNames: ['store'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  readonly storeErrors = new Counter({
    name: 'event_store_errors_total',
    help: 'Event-store failures (not concurrency refusals) by operation',
    labelNames: ['store', 'operation'] as const,
    registers: [this.registry],
  });
  readonly storeHead = new Gauge({
    name: 'event_store_head_position',
    help: 'Global position of the last stored event',
    labelNames: ['store'] as const,
    registers: [this.registry],
  });

  readonly projectionCheckpoint = new Gauge({
    name: 'projection_checkpoint_position',
    help: "Global position the projection's active generation has applied",
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  readonly projectionLagEvents = new Gauge({
    name: 'projection_lag_events',
    help: 'Events stored but not yet applied by the active generation',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  readonly projectionLagSeconds = new Gauge({
    name: 'projection_lag_seconds',
    help: 'Age of the oldest event not yet applied (0 when caught up)',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  readonly projectionRestarts = new Counter({
    name: 'projection_restarts_total',
    help: 'Subscriptions the projection watchdog restarted (stalled or failed)',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly walFsyncDuration = new Histogram({
    name: 'sqlite_wal_fsync_duration_seconds',
    help: "fsyncs of a SQLite file's write-ahead log done off the event loop (group commit), from their start until the event loop hears they ended: the disk's part of an append's latency, with the thread pool's and the event loop's delays",
    labelNames: ['file'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  readonly walFsyncCommits = new Counter({
    name: 'sqlite_wal_fsync_commits_total',
    help: 'Commits acknowledged by those fsyncs (divided by their count: commits per fsync)',
    labelNames: ['file'] as const,
    registers: [this.registry],
  });
  private readonly walSources = new Map<string, () => WalCheckpointStats | undefined>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // One gauge per figure of the background checkpointers, labelled by file, read at each scrape.
    const gauges: Array<[name: string, help: string, read: (stats: WalCheckpointStats) => number]> = [
      [
        'sqlite_wal_checkpointer_up',
        'Whether the worker thread that checkpoints this SQLite file is running (0: checkpoints back in commits)',
        (stats) => (stats.running ? 1 : 0),
      ],
      ['sqlite_wal_checkpoints', 'Background checkpoints that copied frames into the database file, since start', (stats) => stats.checkpoints],
      ['sqlite_wal_checkpoint_seconds', 'Time the background checkpoints took in their worker thread, since start', (stats) => stats.totalMs / 1000],
      ['sqlite_wal_log_frames', "Frames in the write-ahead log at the background checkpointer's last checkpoint", (stats) => stats.logFrames],
    ];
    const sources = this.walSources;
    for (const [name, help, read] of gauges) {
      new Gauge({
        name,
        help,
        labelNames: ['file'] as const,
        registers: [this.registry],
        collect(this: Gauge<'file'>) {
          this.reset();
          for (const [file, source] of sources) {
            const stats = source();
            if (stats) this.set({ file }, read(stats));
          }
        },
      });
    }
  }

  /** Observes a SQLite file's off-loop WAL fsyncs (wal-sync.ts), given how to subscribe to them. */
  watchWalFsyncs(file: string, subscribe: (listener: (seconds: number, commits: number) => void) => () => void): () => void {
    return subscribe((seconds, commits) => {
      this.walFsyncDuration.observe({ file }, seconds);
      this.walFsyncCommits.inc({ file }, commits);
    });
  }

  /** Reports a SQLite file's background checkpoints (wal-checkpointer.ts) at each scrape. */
  watchWalCheckpoints(file: string, stats: () => WalCheckpointStats | undefined): void {
    this.walSources.set(file, stats);
  }
}
