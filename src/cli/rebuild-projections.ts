import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { SystemClock } from '../clock/clock.js';
import { type AppConfig, ConfigError, loadConfig } from '../config/config.js';
import { EMBEDDED_EVENTS_FILE, createEventStore } from '../event-store/create-event-store.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { createProjectionStore } from '../projections/create-projection-store.js';
import { ProjectionRunner } from '../projections/projection-runner.js';
import type { ProjectionStatus } from '../projections/projection-status.js';
import { REGISTERED_PROJECTIONS } from '../projections/registered-projections.js';
import { partitionProjections } from '../projections/rebuild-partition.js';

/**
 * npm run projections:rebuild [-- name ...] [--workers N]: builds a new generation of each named
 * projection (all by default) from position 0 against the configured store, then switches to it.
 * Safe while the server runs: both processes use BEGIN IMMEDIATE and a busy timeout on the same
 * SQLite file, the server keeps answering from the old generation, and its follower moves to the
 * new one at the switch. A half-built generation left by a crash (of this CLI or the server) is
 * resumed.
 *
 * The projections are spread over worker threads (default: one per CPU, at most one per
 * projection; rebuild-partition.ts), each with its own connections and one read of the store for
 * its projections, so a rebuild of all of them uses every core; the main thread draws the progress.
 * `--workers 1` builds them all in this thread.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  const known = REGISTERED_PROJECTIONS.map((p) => p.name);
  let args: { values: { workers?: string; help?: boolean }; positionals: string[] } | undefined;
  try {
    args = parseArgs({ options: { workers: { type: 'string' }, help: { type: 'boolean' } }, allowPositionals: true });
  } catch {
    // An unknown option: the usage below.
  }
  const { values, positionals } = args ?? { values: {}, positionals: [] };
  const unknown = positionals.filter((name) => !known.includes(name));
  const workers = values.workers === undefined ? availableParallelism() : Number(values.workers);
  if (args === undefined || unknown.length > 0 || values.help || !Number.isInteger(workers) || workers < 1) {
    console.error(`usage: npm run projections:rebuild [-- <name> ...] [--workers N]\nregistered: ${known.join(', ') || '(none)'}`);
    return values.help ? 0 : 2;
  }
  const projections = REGISTERED_PROJECTIONS.filter((p) => positionals.length === 0 || positionals.includes(p.name));
  if (projections.length === 0) {
    console.error('No projection is registered: nothing to rebuild.');
    return 0;
  }
  const groups = partitionProjections(projections, workers);
  const progress = new Progress(projections.map((p) => p.name));
  if (groups.length === 1) return (await rebuildHere(config, groups[0]!.map((p) => p.name), (statuses) => progress.update(statuses))) ? 0 : 1;
  const outcomes = await Promise.all(groups.map((group) => rebuildInWorker(group.map((p) => p.name), progress)));
  return outcomes.every(Boolean) ? 0 : 1;
}

/** Builds `names` in a worker thread running this module; its statuses feed `progress`. */
function rebuildInWorker(names: string[], progress: Progress): Promise<boolean> {
  return new Promise((resolve) => {
    let ok = false;
    const worker = new Worker(new URL(import.meta.url), { workerData: { names } satisfies WorkerInput });
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'status') progress.update(message.statuses);
      else ok = message.ok;
    });
    worker.on('error', (error) => {
      process.stderr.write(`\n${names.join(', ')}: ${error instanceof Error ? error.message : String(error)}\n`);
    });
    worker.on('exit', (code) => resolve(ok && code === 0));
  });
}

interface WorkerInput {
  names: string[];
}

type WorkerMessage = { type: 'status'; statuses: ProjectionStatus[] } | { type: 'done'; ok: boolean };

/**
 * Rebuilds `names` in this thread (started together, they share one read of the store), reporting
 * their statuses every 250 ms and when one switches; false if one failed.
 */
async function rebuildHere(config: AppConfig, names: string[], report: (statuses: ProjectionStatus[]) => void): Promise<boolean> {
  const projections = REGISTERED_PROJECTIONS.filter((p) => names.includes(p.name));
  // A long busy timeout: the server (or another worker) may hold the write lock for a batch.
  const events: EventStore =
    config.eventStore === 'sqlite'
      ? new SqliteEventStore({ filename: join(config.dataDir, EMBEDDED_EVENTS_FILE), busyTimeoutMs: 30_000 })
      : await createEventStore(config);
  const store = createProjectionStore(events, config);
  const runner = new ProjectionRunner(events, store, projections, new SystemClock(), undefined, {
    followLive: false,
    autoRebuild: false,
    watchdogIntervalMs: 1000,
    stallAfterMs: 10_000,
    logger: { log: () => undefined, warn: (m) => console.error(`\nwarning: ${m}`), error: (m) => console.error(`\nerror: ${m}`) },
  });
  try {
    await runner.start();
    await Promise.all(names.map((name) => runner.rebuild(name)));
    const pending = new Set(names);
    let ok = true;
    while (pending.size > 0) {
      const statuses = await Promise.all([...pending].map((name) => runner.status(name)));
      report(statuses);
      for (const status of statuses) {
        if (status.rebuild?.state === 'failed') ok = false;
        if (!status.rebuild || status.rebuild.state === 'failed') pending.delete(status.name);
      }
      if (pending.size === 0) break;
      await Promise.race([Promise.all([...pending].map((name) => runner.whenRebuilt(name))), new Promise((resolve) => setTimeout(resolve, 250))]);
    }
    return ok;
  } finally {
    await runner.stop();
    await store.close();
    await events.close();
  }
}

/**
 * One progress bar for the builds still running (the slowest one's position and rate; the rate of
 * the whole rebuild is the slowest's) and a line for each one that switched or failed.
 */
class Progress {
  private readonly started = performance.now();
  private readonly pending: Set<string>;
  private readonly latest = new Map<string, ProjectionStatus>();

  constructor(names: string[]) {
    this.pending = new Set(names);
  }

  update(statuses: ProjectionStatus[]): void {
    for (const status of statuses) {
      if (!this.pending.has(status.name)) continue;
      const { name, rebuild } = status;
      if (rebuild?.state === 'failed') {
        process.stderr.write(`\n${name}: failed at position ${rebuild.checkpoint}: ${rebuild.error}\n`);
        this.pending.delete(name);
      } else if (!rebuild) {
        const seconds = (performance.now() - this.started) / 1000;
        process.stderr.write(`\r${' '.repeat(100)}\r${name}: generation ${status.generation} is active at position ${status.checkpoint} (${seconds.toFixed(1)} s)\n`);
        this.pending.delete(name);
      } else {
        this.latest.set(name, status);
      }
    }
    const building = [...this.pending].map((name) => this.latest.get(name)).filter((s): s is ProjectionStatus => s?.rebuild != null);
    if (building.length === 0) return;
    const slowest = building.reduce((a, b) => (b.rebuild!.checkpoint < a.rebuild!.checkpoint ? b : a)).rebuild!;
    const label = building.length === 1 ? building[0]!.name : `${building.length} projections`;
    process.stderr.write(`\r${bar(label, slowest.percent, slowest.eventsPerSecond, slowest.etaSeconds, slowest.checkpoint, slowest.head)}`);
  }
}

function bar(name: string, percent: number, eventsPerSecond: number | null, etaSeconds: number | null, at: number, head: number): string {
  const width = 30;
  const filled = Math.round((percent / 100) * width);
  const rate = eventsPerSecond === null ? '' : ` ${eventsPerSecond} ev/s`;
  const eta = etaSeconds === null ? '' : ` ETA ${etaSeconds}s`;
  return `${name} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent.toFixed(1)}% ${at}/${head}${rate}${eta}   `;
}

const finish = (code: number) => process.exit(code);
const fail = (error: unknown) => {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
  process.exit(1);
};

if (isMainThread) {
  main().then(finish, fail);
} else {
  const { names } = workerData as WorkerInput;
  // A worker ends by itself (process.exit here would end the whole CLI).
  rebuildHere(loadConfig(), names, (statuses) => parentPort!.postMessage({ type: 'status', statuses } satisfies WorkerMessage)).then(
    (ok) => parentPort!.postMessage({ type: 'done', ok } satisfies WorkerMessage),
    (error: unknown) => {
      console.error(error);
      parentPort!.postMessage({ type: 'done', ok: false } satisfies WorkerMessage);
    },
  );
}
