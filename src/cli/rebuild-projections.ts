import { join } from 'node:path';
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
    for (const projection of projections) {
      const status = await runner.rebuild(projection.name);
      failed = !(await follow(runner, status)) || failed;
    }
  } finally {
    await runner.stop();
    await store.close();
    await events.close();
  }
  return failed ? 1 : 0;
}

/** Draws the progress bar until the switch; false if the build failed. */
async function follow(runner: ProjectionRunner, initial: ProjectionStatus): Promise<boolean> {
  const name = initial.name;
  let status = initial;
  while (status.rebuild) {
    const { rebuild } = status;
    if (rebuild.state === 'failed') {
      process.stderr.write(`\n${name}: failed at position ${rebuild.checkpoint}: ${rebuild.error}\n`);
      return false;
    }
    process.stderr.write(`\r${bar(name, rebuild.percent, rebuild.eventsPerSecond, rebuild.etaSeconds, rebuild.checkpoint, rebuild.head)}`);
    await Promise.race([runner.whenRebuilt(name), new Promise((resolve) => setTimeout(resolve, 250))]);
    status = await runner.status(name);
  }
  process.stderr.write(`\r${bar(name, 100, null, 0, status.checkpoint, status.head)}\n`);
  process.stderr.write(`${name}: generation ${status.generation} is active at position ${status.checkpoint}\n`);
  return true;
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
