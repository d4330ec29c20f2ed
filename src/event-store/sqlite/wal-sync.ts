/**
 * fsync of the write-ahead log off the event loop, for group commit (fdatasync: what SQLite itself
 * calls for the WAL on Linux, file size included, inode times not).
 *
 * With synchronous=FULL, SQLite fsyncs the WAL inside COMMIT, on the calling thread: the server's
 * only thread waits on the disk for every group of appends (13 % of a command's time measured, and
 * all of a slow disk's hiccups). Instead, the connection commits with synchronous=NORMAL (frames
 * written, no fsync) and the store acknowledges the appends only once `sync()` resolves: an fsync
 * of the WAL file, run by libuv's thread pool, that began after their commit. So an acknowledged
 * append is exactly as durable as with FULL; meanwhile the thread serves other requests. Commits
 * made while an fsync runs wait for the next one, which then covers all of them.
 *
 * WAL recovery keeps a prefix of the log, so nothing written after an append (read models, in the
 * same file) can survive a power cut that loses the append.
 */
import { closeSync, fdatasync, fstatSync, openSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * Told after each fsync: how long it took (s, from its start until its callback runs on the event
 * loop, so a busy loop or thread pool adds to it) and how many commits it acknowledged.
 */
export type WalSyncListener = (seconds: number, commits: number) => void;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class WalSync {
  private fd: number | undefined;
  private waiting: Waiter[] = [];
  private running = false;
  private closed = false;
  private readonly listeners = new Set<WalSyncListener>();

  constructor(
    private readonly walFile: string,
    /** node:fs fdatasync, as SQLite syncs its WAL on Linux (tests count or fail it). */
    private readonly fsyncFile: typeof fdatasync = fdatasync,
  ) {}

  /** Resolves once an fsync of the WAL that started after this call has completed. */
  sync(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.running) this.run();
    });
  }

  /**
   * Reports every fsync's duration and the commits it covered (metrics; the HTTP bench). The
   * disk's fsync time is the floor of an append's latency: what a slow disk costs shows here.
   */
  onSynced(listener: WalSyncListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private run(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.running = true;
    let fd: number;
    try {
      fd = this.descriptor();
    } catch (error) {
      this.settle(batch, error);
      return;
    }
    const started = performance.now();
    this.fsyncFile(fd, (error) => {
      if (!error) this.report((performance.now() - started) / 1000, batch.length);
      this.settle(batch, error);
    });
  }

  private report(seconds: number, commits: number): void {
    for (const listener of this.listeners) {
      try {
        listener(seconds, commits);
      } catch {
        // A failing observer must not keep appends from being acknowledged.
      }
    }
  }

  private settle(batch: Waiter[], error: unknown): void {
    for (const waiter of batch) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
    if (this.waiting.length > 0) this.run();
    else this.running = false;
  }

  /** An open descriptor of the WAL file as it is now (reopened if SQLite replaced the file). */
  private descriptor(): number {
    if (this.closed) throw new Error('The write-ahead log is closed');
    if (this.fd !== undefined && fstatSync(this.fd).ino !== statSync(this.walFile).ino) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    this.fd ??= openSync(this.walFile, 'r');
    return this.fd;
  }
}
