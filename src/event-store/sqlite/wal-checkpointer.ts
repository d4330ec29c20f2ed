/**
 * Checkpoints the embedded store's write-ahead log from a thread of its own.
 *
 * SQLite copies the WAL back into the database file when a commit finds it over 1000 pages
 * (auto-checkpoint), inside that commit: on the server's only thread, a checkpoint of a few MiB
 * and its fsyncs stall every request for milliseconds, at random. With this checkpointer the
 * server's connections turn auto-checkpoints off and a worker thread runs PASSIVE checkpoints
 * (they never block readers or the writer) every `intervalMs` on a connection of its own.
 *
 * The worker is plain JavaScript evaluated in place (no file to compile or resolve) and loads
 * better-sqlite3 by the path this module resolves. If it stops, `onStopped` lets the owner turn
 * auto-checkpoints back on, so the WAL never grows without bound.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename);
db.pragma('busy_timeout = 5000');
// Once a checkpoint has emptied it, the WAL file is cut back to this size.
db.pragma('journal_size_limit = ' + workerData.walLimitBytes);
let timer;
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String(error && error.message || error) });
  }
};
const tick = () => { checkpoint(); timer = setTimeout(tick, workerData.intervalMs); };
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearTimeout(timer);
  checkpoint();
  db.close();
  parentPort.postMessage({ type: 'stopped' });
});
tick();
`;

export interface WalCheckpointerOptions {
  intervalMs?: number;
  /** The WAL file is truncated to this size after a checkpoint that emptied it (journal_size_limit). */
  walLimitBytes?: number;
  /** Called once if the worker stops by itself (an error): auto-checkpoints must come back. */
  onStopped?(reason: string): void;
}

export class WalCheckpointer {
  private stopping = false;
  private stopped = false;
  private readonly done: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    options: WalCheckpointerOptions,
  ) {
    let resolve!: () => void;
    this.done = new Promise<void>((r) => (resolve = r));
    const end = (reason: string) => {
      if (this.stopped) return;
      this.stopped = true;
      resolve();
      if (!this.stopping) options.onStopped?.(reason);
    };
    worker.on('message', (message: { type?: string; message?: string }) => {
      if (message?.type === 'stopped') void worker.terminate();
      else if (message?.type === 'error' && !this.stopping) {
        // A failed checkpoint (busy, I/O) is retried at the next tick; only a dead worker matters.
      }
    });
    worker.on('error', (error) => end(error.message));
    worker.on('exit', (code) => end(`checkpointer exited with code ${code}`));
    // The checkpointer must not keep a process alive on its own.
    worker.unref();
  }

  static start(filename: string, options: WalCheckpointerOptions = {}): WalCheckpointer {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: { filename, driver, intervalMs: options.intervalMs ?? 250, walLimitBytes: options.walLimitBytes ?? 64 * 2 ** 20 },
    });
    return new WalCheckpointer(worker, options);
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** A last checkpoint, then the worker ends. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopping = true;
    this.worker.postMessage('stop');
    const timeout = setTimeout(() => void this.worker.terminate(), 5000);
    await this.done;
    clearTimeout(timeout);
  }
}
