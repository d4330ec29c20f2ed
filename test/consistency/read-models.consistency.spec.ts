/**
 * Issue "Projections": after random command sequences over several programmes and terms, every
 * read model equals one recomputed from scratch, and the quota read model never shows more than
 * the policy allows.
 *
 * Per seed and store: the real AwardService, with a ManualClock, on a SQLite event store file (read
 * models in it, as the server keeps them) or on the KurrentDB adapter over an emulated server
 * (test/contract/kurrentdb-emulator.ts: $all positions with gaps, read models in projections.db), runs the terms
 * of the five programmes from 2021 to 2026 (award-driver.ts), refused commands included. The live
 * ProjectionRunner follows along on the same file, as the server runs it (watchdog rounds between
 * commands; one forced rebuild of every projection while commands continue, in half the runs with
 * a restart of the runner in the middle of it). At every year's end and right after the rebuild it
 * is waited for, and every registered projection's live documents must deep-equal those of a fresh
 * engine rebuilt from position 0 (random batch size) and those of the in-memory fold over readAll.
 * After every proposal, approval and revocation, and at every comparison, the quota read model is
 * read through ProjectionReader and checked against the policy and the term aggregate.
 *
 *   SEED=123 …jest test/consistency --selectProjects consistency    reproduce one run
 *   CONSISTENCY_RUNS=20 CONSISTENCY_SCALE=2 …                        more and longer runs
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_PROJECTION, type AuditHistoryDoc, auditKey, historyEntries } from '../../projections/audit.js';
import { AwardService } from '../../src/awards/award.service.js';
import { calendar, policies } from '../../src/awards/test-support.js';
import { ManualClock } from '../../src/clock/clock.js';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { KurrentDbEventStore } from '../../src/event-store/kurrentdb/kurrentdb-event-store.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { createProjectionStore } from '../../src/projections/create-projection-store.js';
import { ProjectionReader } from '../../src/projections/projection-reader.js';
import { ProjectionRunner } from '../../src/projections/projection-runner.js';
import { REGISTERED_PROJECTIONS } from '../../src/projections/registered-projections.js';
import { applicationStreamId } from '../../workflows/application/events.js';
import { AwardDriver, type TermInfo } from './award-driver.js';
import { QUIET, activeDocuments, checkQuota, engineFromScratch, expectSameDocuments, foldFromScratch } from './read-model-checks.js';
import { EmulatedKurrentDb } from '../contract/kurrentdb-emulator.js';
import { seededRandom } from './seeded-random.js';

const RUNS = Number(process.env.CONSISTENCY_RUNS ?? 3);
const SCALE = Number(process.env.CONSISTENCY_SCALE ?? 1);
const SEEDS = process.env.SEED ? [Number(process.env.SEED)] : Array.from({ length: RUNS }, () => Math.floor(Math.random() * 2 ** 31));
const YEARS = [2021, 2022, 2023, 2024, 2025, 2026];
const STORES = ['sqlite', 'kurrentdb-emulated'] as const;
type StoreKind = (typeof STORES)[number];
// A real file, on tmpfs where there is one: every commit is fsynced (synchronous = FULL), and
// durability is not what this run is about.
const TMP = process.env.CONSISTENCY_TMPDIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());

interface RunReport {
  seed: number;
  commandsTried: number;
  commandsSucceeded: number;
  /** The store's head: the event count on SQLite, a log offset on KurrentDB. */
  headPosition: number;
  documentsCompared: number;
  comparisons: number;
  quotaChecks: number;
  rebuiltGenerations: number;
  restarts: number;
}

async function run(seed: number, store: StoreKind): Promise<RunReport> {
  const rng = seededRandom(seed);
  const dir = mkdtempSync(join(TMP, 'read-models-consistency-'));
  const clock = new ManualClock('2021-05-05T02:00:00Z');
  const events: EventStore =
    store === 'sqlite' ? new SqliteEventStore({ filename: join(dir, 'events.db') }) : new KurrentDbEventStore(new EmulatedKurrentDb().client());
  const service = new AwardService({ store: events, policies, clock, calendar });
  // As the server does it: with SQLite the read models in events.db, on the event store's
  // connection; with KurrentDB alone in DATA_DIR/projections.db.
  const eventStore = store === 'sqlite' ? 'sqlite' : 'kurrentdb';
  const projectionStore = createProjectionStore(events, { dataDir: dir, eventStore, databaseUrl: undefined, databaseSchema: 'public' });
  const runner = new ProjectionRunner(events, projectionStore, REGISTERED_PROJECTIONS, clock, undefined, { logger: QUIET });
  const reader = new ProjectionReader(runner, projectionStore);
  const report: RunReport = { seed, commandsTried: 0, commandsSucceeded: 0, headPosition: 0, documentsCompared: 0, comparisons: 0, quotaChecks: 0, rebuiltGenerations: 0, restarts: 0 };

  // One forced rebuild of every projection per run, started at a random phase while commands continue.
  const rebuildAt = { year: rng.pick([2022, 2024]), phase: rng.pick(['review', 'proposed-list', 'objections']) };
  const rebuilding = new Map<string, number>();
  let compareAtNextPhase = false;
  // In some runs the server restarts a few commands into the rebuild: the build resumes from its checkpoint.
  let restartAfter: number | undefined;

  const quota = async (term: TermInfo) => {
    await checkQuota(reader, events, service, term);
    report.quotaChecks += 1;
  };

  /** Waits for the live runner (and a rebuild in progress), then compares every projection. */
  const compareAll = async (label: string) => {
    for (const [name, before] of rebuilding) {
      await runner.whenRebuilt(name);
      const status = await runner.status(name);
      if (!(status.generation! > before)) throw new Error(`${label}: ${name} is still on generation ${status.generation} after its rebuild`);
      report.rebuiltGenerations += 1;
    }
    rebuilding.clear();
    const head = await events.headPosition();
    for (const { name } of REGISTERED_PROJECTIONS) {
      if (!(await runner.waitFor(name, head, 30_000))) throw new Error(`${label}: the live ${name} did not reach ${head}`);
    }
    const engine = await engineFromScratch(events, REGISTERED_PROJECTIONS, clock, rng.pick([1, 7, 64, 500]));
    const folded = await foldFromScratch(events, REGISTERED_PROJECTIONS);
    for (const { name } of REGISTERED_PROJECTIONS) {
      const live = await activeDocuments(projectionStore, name);
      report.documentsCompared += expectSameDocuments(`${label}, ${name}: live vs fresh engine`, live, engine.get(name)!);
      expectSameDocuments(`${label}, ${name}: live vs in-memory fold`, live, folded.get(name)!);
    }
    for (const term of driver.terms.values()) await quota(term);
    report.comparisons += 1;
  };

  const driver = new AwardDriver(
    service,
    clock,
    rng,
    seed,
    {
      async phaseStarted(year, phase) {
        if (compareAtNextPhase) {
          compareAtNextPhase = false;
          await compareAll(`${year} ${phase}, after the forced rebuild`);
        }
        if (year !== rebuildAt.year || phase !== rebuildAt.phase) return;
        for (const { name } of REGISTERED_PROJECTIONS) {
          rebuilding.set(name, (await runner.status(name)).generation!);
          await runner.rebuild(name);
        }
        compareAtNextPhase = true;
        if (rng.chance(0.5)) restartAfter = rng.int(1, 25);
      },
      async afterCommand() {
        // Turns of the event loop now and then: the live runner commits batches of varying size.
        if (rng.chance(0.3)) await new Promise((resolve) => setImmediate(resolve));
        // A watchdog round (every 5 s in the server) between two commands.
        if (rng.chance(0.02)) await runner.checkNow();
        if (restartAfter !== undefined && --restartAfter === 0) {
          restartAfter = undefined;
          await runner.stop();
          await runner.start();
          report.restarts += 1;
        }
      },
      placesMayHaveChanged: quota,
    },
    SCALE,
  );

  try {
    await runner.start();
    for (const year of YEARS) {
      await driver.runYear(year);
      await compareAll(`end of ${year}`);
    }
    // The audit history agrees with the application streams and the service's own state.
    for (const app of driver.apps) {
      const doc = (await projectionStore.get(AUDIT_PROJECTION, auditKey(app.id))) as AuditHistoryDoc;
      const stream = await events.readStream(applicationStreamId(app.id));
      const view = await service.getApplication(app.id);
      const shown = historyEntries(doc, stream, (programmeId, version) => policies.get(programmeId, version));
      expect({ app: app.id, entries: shown.length, state: shown.at(-1)?.stateAfter }).toEqual({
        app: app.id,
        entries: stream.length,
        state: view.state,
      });
    }

    const { stats } = driver;
    Object.assign(report, { commandsTried: stats.tried, commandsSucceeded: stats.succeeded, headPosition: await events.headPosition() });
    const programmes = new Set([...driver.terms.values()].map((t) => t.programmeId));
    const summary = { store, ...report, terms: driver.terms.size, applications: driver.apps.length, ...stats };
    console.log(`read-model consistency ${JSON.stringify(summary)}`);
    // Not vacuous: whole terms ran, with refusals of every kind along the way.
    expect([...programmes]).toEqual(expect.arrayContaining(['chaoyang-mayor', 'xinzhou-mayor']));
    expect(programmes.size).toBeGreaterThanOrEqual(3);
    expect(driver.terms.size).toBeGreaterThanOrEqual(8);
    expect(stats.succeeded).toBeGreaterThanOrEqual(Math.floor(400 * SCALE));
    expect(stats.tried - stats.succeeded).toBeGreaterThanOrEqual(100);
    expect(stats.succeededByCommand['approve'] ?? 0).toBeGreaterThanOrEqual(3);
    expect(stats.succeededByCommand['record-proposed-list'] ?? 0).toBeGreaterThanOrEqual(3);
    expect(report.rebuiltGenerations).toBe(REGISTERED_PROJECTIONS.length);
    return report;
  } finally {
    await runner.stop();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('read models after random command sequences over several programmes and terms', () => {
  it.each(SEEDS.flatMap((seed) => STORES.map((store) => [seed, store] as const)))(
    'seed %i on %s: every live read model equals one rebuilt from scratch, and no quota line exceeds the policy',
    async (seed, store) => {
      try {
        await run(seed, store);
      } catch (error) {
        if (error instanceof Error) error.message = `[seed ${seed} on ${store}: reproduce with SEED=${seed}] ${error.message}`;
        throw error;
      }
    },
    300_000,
  );
});
