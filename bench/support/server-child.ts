/**
 * The real application in a child process (node dist/bench/support/server-child.js), so the load
 * generator does not share the server's event loop. Configured by the environment like main.ts;
 * listens on 127.0.0.1 and a free port, which it sends to the parent over IPC. Answers
 * { type: 'memory' } with process.memoryUsage(), { type: 'pauses' } with the event loop's delays
 * the garbage collector's pauses and the embedded store's WAL fsyncs since { type: 'pauses-reset' }
 * (see PauseFigures), and stops on { type: 'stop' } or SIGTERM.
 */
import { type PerformanceEntry, PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createEventStore } from '../../src/event-store/create-event-store.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import type { PauseFigures } from './server.js';
import { epochOffset, summarise } from './stats.js';

/**
 * How long the server's event loop was held up: a timer due every 10 ms (prom-client's own
 * monitor has the same grain) and how late it ran, and every GC pause V8 reports. A request's
 * latency above the client's and the loop's delays is the request's own work and queueing.
 */
function pauseMonitor() {
  let fsyncs: NonNullable<PauseFigures['walFsyncLog']> = [];
  let watchingFsyncs = false;
  const resolution = 10;
  const loop = monitorEventLoopDelay({ resolution });
  loop.enable();
  let gc = { count: 0, totalMs: 0, maxMs: 0 };
  let log: NonNullable<PauseFigures['gcLog']> = [];
  // Epoch times of the GC pauses and fsyncs below, comparable with the load generator's.
  let epoch = epochOffset();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count += 1;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
      if (entry.duration >= 1) log.push({ at: epoch + entry.startTime, ms: entry.duration, kind });
    }
  }).observe({ entryTypes: ['gc'] });
  return {
    reset() {
      loop.reset();
      gc = { count: 0, totalMs: 0, maxMs: 0 };
      log = [];
      fsyncs = [];
      epoch = epochOffset();
    },
    /** Watches the store's WAL fsyncs (a store that fsyncs off the event loop). */
    watchFsyncs(store: SqliteEventStore) {
      if (!store.fsyncsOffLoop) return;
      watchingFsyncs = true;
      store.onWalSynced((seconds, commits) => this.fsynced(seconds, commits));
    },
    fsynced(seconds: number, commits: number) {
      const ms = seconds * 1000;
      fsyncs.push({ at: epoch + performance.now() - ms, ms, commits });
    },
    read(): PauseFigures {
      // The histogram holds the time between the timer's runs (10 ms when idle): lateness is the rest.
      const late = (nanoseconds: number) => Math.max(0, nanoseconds / 1e6 - resolution);
      return { loopDelayP99: late(loop.percentile(99)), loopDelayMax: late(loop.max), gcPauses: gc.count, gcTotalMs: gc.totalMs, gcMaxMs: gc.maxMs, gcLog: log, ...(watchingFsyncs ? fsyncFigures(fsyncs) : {}) };
    },
  };
}

function fsyncFigures(log: NonNullable<PauseFigures['walFsyncLog']>): Pick<PauseFigures, 'walFsyncs' | 'walFsyncLog'> {
  const durations = log.map((f) => f.ms);
  const { count, p50, p99, max } = summarise(durations);
  return {
    walFsyncs: count === 0 ? { count, p50: 0, p99: 0, maxMs: 0, atLeast10ms: 0 } : { count, p50, p99, maxMs: max, atLeast10ms: durations.filter((ms) => ms >= 10).length },
    walFsyncLog: log,
  };
}

async function main(): Promise<void> {
  const pauses = pauseMonitor();
  const config = loadConfig(process.env);
  // The store made here as main.ts's app would make it, so that its WAL fsyncs can be watched.
  const store = await createEventStore(config);
  if (store instanceof SqliteEventStore) pauses.watchFsyncs(store);
  const app = await createApp(config, { store });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('disconnect', () => void stop());
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'memory') process.send?.({ type: 'memory', usage: process.memoryUsage() });
    if (message?.type === 'pauses-reset') {
      pauses.reset();
      process.send?.({ type: 'pauses-reset-done' });
    }
    if (message?.type === 'pauses') process.send?.({ type: 'pauses', figures: pauses.read() });
    if (message?.type === 'stop') void stop();
  });
  process.send?.({ type: 'listening', port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
