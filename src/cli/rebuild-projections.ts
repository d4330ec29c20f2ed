import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type AppConfig, ConfigError, loadConfig } from '../config/config.js';
import type { ProjectionStatus } from '../projections/projection-status.js';
import { REGISTERED_PROJECTIONS } from '../projections/registered-projections.js';
import { partitionProjections } from '../projections/rebuild-partition.js';
import { rebuildHere, rebuildInWorker } from '../projections/rebuild-worker.js';

/**
 * npm run projections:rebuild [-- name ...] [--workers N]: builds a new generation of each named
 * projection (all by default) from position 0 against the configured store, then switches to it.
 * Safe while the server runs: both processes use BEGIN IMMEDIATE and a busy timeout on the same
 * SQLite file, the server keeps answering from the old generation, and its follower moves to the
 * new one at the switch. A half-built generation left by a crash (of this CLI or the server) is
 * resumed.
 *
 * The projections are spread over worker threads (default: one per CPU, at most one per
 * projection; rebuild-partition.ts, rebuild-worker.ts), each with its own connections and one read
 * of the store for its projections, so a rebuild of all of them uses every core; the main thread
 * draws the progress. `--workers 1` builds them all in this thread.
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
  const outcomes = await Promise.all(groups.map((group) => inWorker(config, group.map((p) => p.name), progress)));
  return outcomes.every(Boolean) ? 0 : 1;
}

/** Builds `names` in a worker thread; its statuses feed `progress`. */
async function inWorker(config: AppConfig, names: string[], progress: Progress): Promise<boolean> {
  const { ok, error } = await rebuildInWorker(config, names, (statuses) => progress.update(statuses)).done;
  if (error !== undefined) process.stderr.write(`\n${names.join(', ')}: ${error}\n`);
  return ok;
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

main().then(finish, fail);
