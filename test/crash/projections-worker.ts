/**
 * Child process of projections-crash.spec.ts: runs the projection engine on a SQLite file like the
 * server does (mode 'live') or starts a rebuild like the CLI does (mode 'rebuild'), and reports
 * every committed batch on stdout (after the commit) until the parent SIGKILLs it. A delay before
 * each commit stretches the catch-up so the parent can kill it midway.
 *
 * Usage: node projections-worker.js <db file> <live|rebuild> <commit delay ms>
 */
import { sampleProjection } from '../../projections/testing/sample-projection.js';
import { SystemClock } from '../../src/clock/clock.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { ProjectionRunner } from '../../src/projections/projection-runner.js';
import { SqliteProjectionStore } from '../../src/projections/sqlite-projection-store.js';

export interface CommitLine {
  t: 'commit';
  generation: number;
  from: number;
  to: number;
}

const emit = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function main(): Promise<void> {
  const [filename, mode = 'live', delayArg = '2'] = process.argv.slice(2);
  if (!filename) throw new Error('usage: projections-worker <db file> <live|rebuild> <delay ms>');
  const delayMs = Number(delayArg);
  const events = new SqliteEventStore({ filename, busyTimeoutMs: 30_000 });
  const store = new SqliteProjectionStore(events.db);
  const commit = store.commit.bind(store);
  store.commit = async (batches) => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    await commit(batches);
    for (const batch of Array.isArray(batches) ? batches : [batches]) {
      emit({ t: 'commit', generation: batch.generation, from: batch.fromPosition, to: batch.toPosition } satisfies CommitLine);
    }
  };
  const quiet = { log: () => undefined, warn: (m: string) => console.error(m), error: (m: string) => console.error(m) };
  const runner = new ProjectionRunner(events, store, [sampleProjection], new SystemClock(), undefined, {
    batchSize: 25,
    rebuildBatchSize: 25,
    // A commit per batch, so that a kill lands between commits of a catch-up and of a rebuild.
    commitEvery: { events: 1 },
    logger: quiet,
    followLive: mode === 'live',
  });
  await runner.start();
  if (mode === 'rebuild') await runner.rebuild(sampleProjection.name);
  emit({ t: 'ready', state: await store.state(sampleProjection.name) });
  // Report when everything is applied on the active generation and no build is pending.
  for (;;) {
    const status = await runner.status(sampleProjection.name);
    if (status.rebuild === null && status.checkpoint === status.head) {
      emit({ t: 'settled', generation: status.generation, checkpoint: status.checkpoint });
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await new Promise(() => undefined); // until killed
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
