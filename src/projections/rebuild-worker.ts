import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { SystemClock } from '../clock/clock.js';
import type { AppConfig } from '../config/config.js';
import { EMBEDDED_EVENTS_FILE, createEventStore } from '../event-store/create-event-store.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { BACKGROUND_AUTOCHECKPOINT_PAGES } from '../event-store/sqlite/wal-checkpointer.js';
import type { Projection } from '../../projections/projection.js';
import { createProjectionStore } from './create-projection-store.js';
import { SqliteProjectionStore } from './sqlite-projection-store.js';
import type { OffThreadBuild, OffThreadBuilder } from './off-thread-builds.js';
import { ProjectionRunner } from './projection-runner.js';
import type { ProjectionStatus } from './projection-status.js';
import { REGISTERED_PROJECTIONS } from './registered-projections.js';

/**
 * Rebuilds of registered projections in worker threads: the rebuild CLI's, and the server's (its
 * runner's `offThread` builder: POST /api/projections/{name}/rebuild and the rebuild at start of a
 * projection whose version changed). A worker opens its own connections to the configured stores
 * and runs a ProjectionRunner that only builds (followLive false). The generation it completes
 * becomes active in the store, where the runner of the process that asked sees it and follows it;
 * a worker stopped or killed halfway leaves a generation that the next rebuild resumes from its
 * checkpoint. So a rebuild uses other cores than the one that answers requests.
 */

interface WorkerInput {
  kind: 'projection-rebuild';
  config: AppConfig;
  names: string[];
}

type FromWorker = { type: 'status'; statuses: ProjectionStatus[] } | { type: 'done'; ok: boolean; error?: string };
type ToWorker = { type: 'stop' };

/** How long stop() waits for a worker to end its batch before terminating it. */
const STOP_GRACE_MS = 10_000;

/**
 * Whether this module can be a worker's script: compiled JavaScript can, TypeScript run through a
 * test transformer cannot (a worker thread has no transformer), and there the runner builds in
 * its own thread.
 */
export const canBuildInWorkers = import.meta.url.endsWith('.js');

/**
 * Young generation of a rebuild worker (MiB): a rebuild allocates a parsed event, a document copy
 * and a statechart snapshot per event, nearly all short-lived, and V8's default (16 MiB
 * semi-spaces) scavenges them every few thousand events. 192 MiB is three 64 MiB semi-spaces, what
 * `npm run projections:rebuild` has long given its workers with --max-semi-space-size=64; the
 * server's workers (started without that flag) now get it too. Measured on the 1,000,079-event
 * bench store, the CLI without the flag: 49,724 and 52,889 events/s; with this limit: 55,857 and
 * 57,037 (2026-11-30, interleaved). Only while a rebuild runs.
 */
const REBUILD_YOUNG_GENERATION_MB = 192;

/** Builds `names` in a new worker thread; its statuses go to `onStatus` every 250 ms and at each switch. */
export function rebuildInWorker(config: AppConfig, names: string[], onStatus: (statuses: ProjectionStatus[]) => void): OffThreadBuild {
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { kind: 'projection-rebuild', config, names } satisfies WorkerInput,
    resourceLimits: { maxYoungGenerationSizeMb: REBUILD_YOUNG_GENERATION_MB },
  });
  let outcome: { ok: boolean; error?: string } = { ok: false, error: 'the worker ended without a result' };
  let ended = false;
  const done = new Promise<{ ok: boolean; error?: string }>((resolve) => {
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'status') onStatus(message.statuses);
      else outcome = message.error === undefined ? { ok: message.ok } : { ok: message.ok, error: message.error };
    });
    worker.on('error', (error) => {
      outcome = { ok: false, error: error instanceof Error ? error.message : String(error) };
    });
    worker.on('exit', (code) => {
      ended = true;
      resolve(code === 0 || outcome.ok === false ? outcome : { ok: false, error: `the worker exited with code ${code}` });
    });
  });
  return {
    done,
    async stop() {
      if (ended) return;
      worker.postMessage({ type: 'stop' } satisfies ToWorker);
      const timer = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
      await done;
      clearTimeout(timer);
    },
  };
}

/**
 * The server runner's builder: config.rebuildWorkers worker threads at most. None (the runner
 * builds in its own thread) when workers cannot run here (canBuildInWorkers), are not wanted
 * (REBUILD_WORKERS=0), or the runner has projections of its own (a worker builds the registered
 * ones, by name).
 */
export function workerBuilder(config: AppConfig, projections: readonly Projection<unknown>[]): OffThreadBuilder | undefined {
  if (!canBuildInWorkers || config.rebuildWorkers < 1) return undefined;
  if (projections.some((p) => !REGISTERED_PROJECTIONS.includes(p))) return undefined;
  return { parallelism: config.rebuildWorkers, build: (names, onStatus) => rebuildInWorker(config, names, onStatus) };
}

/**
 * Rebuilds `names` in this thread (started together, they share one read of the store), reporting
 * their statuses every 250 ms and when one switches; false if one failed or `signal` stopped it.
 */
export async function rebuildHere(
  config: AppConfig,
  names: string[],
  report: (statuses: ProjectionStatus[]) => void,
  signal?: AbortSignal,
): Promise<boolean> {
  const projections = REGISTERED_PROJECTIONS.filter((p) => names.includes(p.name));
  // A long busy timeout: the server (or another worker) may hold the write lock for a batch.
  const events: EventStore =
    config.eventStore === 'sqlite'
      ? new SqliteEventStore({ filename: join(config.dataDir, EMBEDDED_EVENTS_FILE), busyTimeoutMs: 30_000 })
      : await createEventStore(config);
  const store = createProjectionStore(events, config);
  // The server's log is checkpointed by its worker and may hold more than SQLite's 1,000 pages;
  // at the default every commit of this rebuild would run a checkpoint of its own.
  if (store instanceof SqliteProjectionStore) store.db.pragma(`wal_autocheckpoint = ${BACKGROUND_AUTOCHECKPOINT_PAGES}`);
  const runner = new ProjectionRunner(events, store, projections, new SystemClock(), undefined, {
    followLive: false,
    autoRebuild: false,
    watchdogIntervalMs: 1000,
    stallAfterMs: 10_000,
    logger: { log: () => undefined, warn: (m) => console.error(`\nwarning: ${m}`), error: (m) => console.error(`\nerror: ${m}`) },
  });
  const stopped = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
  try {
    await runner.start();
    await Promise.all(names.map((name) => runner.rebuild(name)));
    const pending = new Set(names);
    let ok = true;
    while (pending.size > 0 && !signal?.aborted) {
      const statuses = await Promise.all([...pending].map((name) => runner.status(name)));
      report(statuses);
      for (const status of statuses) {
        if (status.rebuild?.state === 'failed') ok = false;
        if (!status.rebuild || status.rebuild.state === 'failed') pending.delete(status.name);
      }
      if (pending.size === 0) break;
      await Promise.race([Promise.all([...pending].map((name) => runner.whenRebuilt(name))), new Promise((resolve) => setTimeout(resolve, 250)), stopped]);
    }
    return ok && !signal?.aborted;
  } finally {
    await runner.stop();
    await store.close();
    await events.close();
  }
}

if (!isMainThread && (workerData as WorkerInput | undefined)?.kind === 'projection-rebuild') {
  const { config, names } = workerData as WorkerInput;
  const abort = new AbortController();
  parentPort!.on('message', (message: ToWorker) => {
    if (message.type === 'stop') abort.abort();
  });
  // The worker ends by itself once its port is closed (process.exit here would end the whole process).
  rebuildHere(config, names, (statuses) => parentPort!.postMessage({ type: 'status', statuses } satisfies FromWorker), abort.signal).then(
    (ok) => {
      parentPort!.postMessage({ type: 'done', ok } satisfies FromWorker);
      parentPort!.close();
    },
    (error: unknown) => {
      parentPort!.postMessage({ type: 'done', ok: false, error: error instanceof Error ? error.message : String(error) } satisfies FromWorker);
      parentPort!.close();
    },
  );
}
