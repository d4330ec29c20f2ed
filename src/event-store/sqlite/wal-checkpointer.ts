/**
 * Checkpoints of a SQLite write-ahead log in a worker thread, so that the server's thread never
 * copies the log back into the database file or waits on that file's fsync.
 *
 * By default SQLite checkpoints inside the COMMIT that takes the log past 1,000 pages, on the
 * committing connection: for the server that is its only thread, so every few hundred commands one
 * request waits while a few megabytes are copied and the database file is fsynced (the longest
 * waits of the paced HTTP bench). SQLite's own advice for latency-sensitive applications
 * (https://sqlite.org/wal.html#application_initiated_checkpoints) is to run checkpoints from a
 * separate thread instead. Here a worker opens its own connection, looks at the log every
 * `intervalMs` and, once `minFrames` are waiting, runs a PASSIVE checkpoint: it never blocks
 * readers or writers, copies what no reader still needs, and
 * syncs the log before and the database file after (synchronous=NORMAL on its connection), as an
 * automatic checkpoint does. A log copied to its very end is restarted from its beginning by the
 * next writer; a checkpoint does not copy the commits that land while it runs, so with steady
 * writes none would ever end there, and once the log is `restartFrames` long the worker follows
 * with short passes until one does.
 *
 * The server's connections to the file keep an automatic checkpoint at a much higher threshold
 * (BACKGROUND_AUTOCHECKPOINT_PAGES) as a bound: if the worker falls behind or stops, the log still
 * cannot grow without limit. When the worker fails, `onFailure` puts the connections back on
 * SQLite's default. Durability is unchanged either way: appends are acknowledged once the log is
 * synced (wal-sync.ts or synchronous=FULL), whoever checkpoints it later.
 *
 * The worker is an `eval` script (plain CommonJS, the driver's path passed in), so it runs the same
 * from compiled JavaScript and from TypeScript under the test transformer.
 */
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** SQLite's default automatic checkpoint threshold (pages). */
export const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** The bound kept while a worker checkpoints: 16,384 pages (64 MiB at 4 KiB pages). */
export const BACKGROUND_AUTOCHECKPOINT_PAGES = 16_384;
const DEFAULT_INTERVAL_MS = 100;
/**
 * A log this long (frames; 48 MiB at 4 KiB pages) is checkpointed to its end so that the next
 * writer restarts it, under the connections' bound. Not shorter: the writer that restarts the log
 * syncs its new header inside its commit, on the server's thread (an fsync with a disk cache
 * flush: seen with perf as the server thread's main wait on the disk), so restarts are kept rare.
 */
const DEFAULT_RESTART_FRAMES = (BACKGROUND_AUTOCHECKPOINT_PAGES * 3) / 4;
/** Checkpoint passes at most per look, catching up with commits made during the one before. */
const CATCH_UP_PASSES = 8;

export interface WalCheckpointStats {
  /** Checkpoints that copied at least one frame. */
  checkpoints: number;
  /** Frames (pages) copied into the database file. */
  framesCopied: number;
  /** Total time of those checkpoints in the worker (ms): time the server's thread no longer spends. */
  totalMs: number;
  /** Longest of them (ms). */
  longestMs: number;
  /** Frames in the log at the last checkpoint. */
  logFrames: number;
  /** Whether the worker is checkpointing (false once closed or failed). */
  running: boolean;
  /** Why the worker stopped, when it failed. */
  failure?: string;
}

export interface WalCheckpointerOptions {
  /** How often the worker looks at the log (ms). */
  intervalMs?: number;
  /**
   * Frames not yet copied before the worker checkpoints (default 1,000, SQLite's own threshold).
   * Each time it has caught up, the next writer restarts the log, and that writer syncs the new
   * log's header inside its commit: checkpointing at every look would add those syncs to the
   * server's thread up to 10 times a second.
   */
  minFrames?: number;
  /**
   * Log length (frames) from which the worker checkpoints to the very end, in short passes, so
   * that the next writer restarts the log (default 12,288, three quarters of the bound). Without
   * this a log written to steadily is never fully copied by a checkpoint (commits land while it
   * runs) and grows to the connections' bound, where a committing connection checkpoints it on
   * its own thread: the server's.
   */
  restartFrames?: number;
  /** Called once if the worker fails (the caller restores in-thread checkpoints). */
  onFailure?: (reason: string) => void;
}

type FromWorker =
  | { type: 'checkpoint'; ms: number; log: number; copied: number }
  | { type: 'failed'; message: string };

/** What wal_checkpoint(NOOP | PASSIVE) answers: log frames (when it began), frames copied, busy. */
export interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

/**
 * One look of the worker at the log (run in the worker thread: it is copied into the worker's
 * source, so it must use nothing but its arguments). Checkpoints once `minFrames` wait, or once the
 * log is `restartFrames` long and anything waits.
 *
 * The log only restarts (its next writer starts again from the beginning) once every frame in it
 * is copied, and a checkpoint does not copy the commits that land while it runs: with steady
 * writes that is nearly every time, and the log would grow to the connections' bound, where a
 * committing connection checkpoints it on its own thread (the server's). So a log of
 * `restartFrames` or more gets short passes (the few frames committed during the pass before)
 * until one ends before the next commit, at most `catchUpPasses` in all, and none once a pass
 * gets no closer to the end (commits land faster than a pass ends, as on a slow disk's fsyncs,
 * or a reader holds frames back): more passes would only add fsyncs; the next look tries again.
 */
export function checkpointLook(
  checkpoint: (mode: 'NOOP' | 'PASSIVE') => CheckpointRow,
  options: { minFrames: number; restartFrames: number; catchUpPasses: number },
  report: (done: { ms: number; log: number; copied: number }) => void,
  now: () => number,
): void {
  // NOOP only reads the log's counters (busy is reported, should a build of SQLite take a lock for it): try next time.
  let peek = checkpoint('NOOP');
  let pending = peek.log - Math.max(0, peek.checkpointed);
  if (peek.busy || !(pending >= options.minFrames || (peek.log >= options.restartFrames && pending > 0))) return;
  for (let pass = 0; pass < options.catchUpPasses; pass++) {
    const started = now();
    const row = checkpoint('PASSIVE');
    // Frames still uncopied at the peek, so no writer can have restarted the log since then.
    if (!row.busy && row.log >= 0) report({ ms: now() - started, log: row.log, copied: Math.max(0, row.checkpointed - Math.max(0, peek.checkpointed)) });
    if (row.busy || row.log < options.restartFrames) return;
    const before = pending;
    peek = checkpoint('NOOP');
    pending = peek.log - Math.max(0, peek.checkpointed);
    // Copied to the end (the next writer restarts the log), restarted already, or no closer.
    if (peek.busy || pending <= 0 || peek.log < row.log || pending >= before) return;
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const Database = require(workerData.driver);
const db = new Database(workerData.filename, { fileMustExist: true });
// The checkpoint syncs the log before copying and the database file after (NORMAL and FULL alike).
db.pragma('synchronous = NORMAL');
let timer;
let stopped = false;
function fail(error) {
  stopped = true;
  parentPort.postMessage({ type: 'failed', message: String((error && error.message) || error) });
  db.close();
  parentPort.close();
}
const look = ${checkpointLook.toString()};
function tick() {
  timer = undefined;
  if (stopped) return;
  try {
    look(
      (mode) => db.pragma('wal_checkpoint(' + mode + ')')[0],
      workerData,
      (report) => parentPort.postMessage({ type: 'checkpoint', ...report }),
      () => performance.now(),
    );
  } catch (error) {
    return fail(error);
  }
  timer = setTimeout(tick, workerData.intervalMs);
}
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  stopped = true;
  if (timer !== undefined) clearTimeout(timer);
  if (db.open) db.close();
  parentPort.close();
});
tick();
`;

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly stopped: Promise<void>;
  private state: WalCheckpointStats = { checkpoints: 0, framesCopied: 0, totalMs: 0, longestMs: 0, logFrames: 0, running: true };
  private closing = false;

  constructor(filename: string, options: WalCheckpointerOptions = {}) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        filename,
        driver,
        intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS,
        minFrames: options.minFrames ?? DEFAULT_AUTOCHECKPOINT_PAGES,
        restartFrames: options.restartFrames ?? DEFAULT_RESTART_FRAMES,
        catchUpPasses: CATCH_UP_PASSES,
      },
    });
    // A store that is never closed (a test's, a crashed start) must not keep the process alive.
    this.worker.unref();
    const fail = (reason: string) => {
      if (!this.state.running || this.closing) return;
      this.state = { ...this.state, running: false, failure: reason };
      options.onFailure?.(reason);
    };
    this.worker.on('message', (message: FromWorker) => {
      if (message.type === 'failed') return fail(message.message);
      const state = this.state;
      state.logFrames = message.log;
      if (message.copied > 0) {
        state.checkpoints += 1;
        state.framesCopied += message.copied;
        state.totalMs += message.ms;
        state.longestMs = Math.max(state.longestMs, message.ms);
      }
    });
    this.worker.on('error', (error) => fail(error instanceof Error ? error.message : String(error)));
    this.stopped = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        fail(`the checkpoint worker exited with code ${code}`);
        this.state.running = false;
        resolve();
      }),
    );
  }

  stats(): WalCheckpointStats {
    return { ...this.state };
  }

  /** Stops the worker and waits for it to close its connection (before the caller closes its own). */
  async close(): Promise<void> {
    if (this.closing) return this.stopped;
    this.closing = true;
    // Unref'd so that an unclosed store never holds the process; while closing, it must, or a
    // shutdown awaiting this could see the process exit half-way.
    this.worker.ref();
    this.worker.postMessage('stop');
    const timer = setTimeout(() => void this.worker.terminate(), 5_000);
    await this.stopped;
    clearTimeout(timer);
  }
}

/**
 * Moves the checkpoints of `db`'s file to a worker: raises the connection's automatic threshold to
 * the bound, and puts it back to SQLite's default if the worker fails.
 */
export function backgroundCheckpoints(
  db: Database.Database,
  options: Omit<WalCheckpointerOptions, 'onFailure'> & { /** The file the worker opens (db's own; tests pass another). */ filename?: string } = {},
): WalCheckpointer {
  db.pragma(`wal_autocheckpoint = ${BACKGROUND_AUTOCHECKPOINT_PAGES}`);
  // A log that grew towards the bound in a burst is cut back to it when it next restarts.
  db.pragma(`journal_size_limit = ${BACKGROUND_AUTOCHECKPOINT_PAGES * Number(db.pragma('page_size', { simple: true }))}`);
  return new WalCheckpointer(options.filename ?? db.name, {
    ...options,
    onFailure: () => {
      if (db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    },
  });
}
