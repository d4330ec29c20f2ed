import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SystemClock } from '../clock/clock.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { EMBEDDED_EVENTS_FILE, createEventStore } from '../event-store/create-event-store.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { createProjectionStore } from '../projections/create-projection-store.js';
import { ProjectionRunner } from '../projections/projection-runner.js';
import type { ProjectionStatus } from '../projections/projection-status.js';
import { REGISTERED_PROJECTIONS } from '../projections/registered-projections.js';

/**
 * npm run projections:rebuild [-- name ...]: builds a new generation of each named projection (all
 * by default) from position 0 against the configured store, then switches to it. Safe while the
 * server runs: both processes use BEGIN IMMEDIATE and a busy timeout on the same SQLite file, the
 * server keeps answering from the old generation, and its follower moves to the new one at the
 * switch. A half-built generation left by a crash (of this CLI or the server) is resumed.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const known = REGISTERED_PROJECTIONS.map((p) => p.name);
  const unknown = wanted.filter((name) => !known.includes(name));
  if (unknown.length > 0 || process.argv.includes('--help')) {
    console.error(`usage: npm run projections:rebuild [-- <name> ...]\nregistered: ${known.join(', ') || '(none)'}`);
    return unknown.length > 0 ? 2 : 0;
  }
  const projections = REGISTERED_PROJECTIONS.filter((p) => wanted.length === 0 || wanted.includes(p.name));
  if (projections.length === 0) {
    console.error('No projection is registered: nothing to rebuild.');
    return 0;
  }
  // A long busy timeout: the server may hold the write lock for a batch.
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
  let failed = false;
  try {
    await runner.start();
    // Started together, the builds share one read of the store (one follower for every lane).
    await Promise.all(projections.map((projection) => runner.rebuild(projection.name)));
    failed = !(await follow(runner, projections.map((p) => p.name)));
  } finally {
    await runner.stop();
    await store.close();
    await events.close();
  }
  return failed ? 1 : 0;
}

/**
 * Draws one progress bar for the builds still running (the slowest one's position and rate) and a
 * line for each one that switched, until all have; false if one failed.
 */
async function follow(runner: ProjectionRunner, names: string[]): Promise<boolean> {
  const started = performance.now();
  const pending = new Set(names);
  let ok = true;
  while (pending.size > 0) {
    const statuses: ProjectionStatus[] = await Promise.all([...pending].map((name) => runner.status(name)));
    for (const status of statuses) {
      const { name, rebuild } = status;
      if (rebuild?.state === 'failed') {
        process.stderr.write(`\n${name}: failed at position ${rebuild.checkpoint}: ${rebuild.error}\n`);
        pending.delete(name);
        ok = false;
      } else if (!rebuild) {
        const seconds = (performance.now() - started) / 1000;
        process.stderr.write(`\r${' '.repeat(100)}\r${name}: generation ${status.generation} is active at position ${status.checkpoint} (${seconds.toFixed(1)} s)\n`);
        pending.delete(name);
      }
    }
    const building = statuses.filter((s) => s.rebuild && pending.has(s.name));
    if (building.length === 0) break;
    const slowest = building.reduce((a, b) => (b.rebuild!.checkpoint < a.rebuild!.checkpoint ? b : a)).rebuild!;
    const label = building.length === 1 ? building[0]!.name : `${building.length} projections`;
    process.stderr.write(`\r${bar(label, slowest.percent, slowest.eventsPerSecond, slowest.etaSeconds, slowest.checkpoint, slowest.head)}`);
    await Promise.race([Promise.all(building.map((s) => runner.whenRebuilt(s.name))), new Promise((resolve) => setTimeout(resolve, 250))]);
  }
  return ok;
}

function bar(name: string, percent: number, eventsPerSecond: number | null, etaSeconds: number | null, at: number, head: number): string {
  const width = 30;
  const filled = Math.round((percent / 100) * width);
  const rate = eventsPerSecond === null ? '' : ` ${eventsPerSecond} ev/s`;
  const eta = etaSeconds === null ? '' : ` ETA ${etaSeconds}s`;
  return `${name} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent.toFixed(1)}% ${at}/${head}${rate}${eta}   `;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
    process.exit(1);
  },
);
