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

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class WalSync {
  private fd: number | undefined;
  private waiting: Waiter[] = [];
  private running = false;
  private closed = false;

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
    this.fsyncFile(fd, (error) => this.settle(batch, error));
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
