/**
 * The real application in a child process (node dist/bench/support/server-child.js), so the load
 * generator does not share the server's event loop. Configured by the environment like main.ts;
 * listens on 127.0.0.1 and a free port, which it sends to the parent over IPC. Answers
 * { type: 'memory' } with process.memoryUsage(), { type: 'pauses' } with the event loop's delays
 * and the garbage collector's pauses since { type: 'pauses-reset' } (see PauseFigures), and stops
 * on { type: 'stop' } or SIGTERM.
 */
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import type { PauseFigures } from './server.js';

/**
 * How long the server's event loop was held up: a timer due every 10 ms (prom-client's own
 * monitor has the same grain) and how late it ran, and every GC pause V8 reports. A request's
 * latency above the client's and the loop's delays is the request's own work and queueing.
 */
function pauseMonitor() {
  const resolution = 10;
  const loop = monitorEventLoopDelay({ resolution });
  loop.enable();
  let gc = { count: 0, totalMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count += 1;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  return {
    reset() {
      loop.reset();
      gc = { count: 0, totalMs: 0, maxMs: 0 };
    },
    read(): PauseFigures {
      // The histogram holds the time between the timer's runs (10 ms when idle): lateness is the rest.
      const late = (nanoseconds: number) => Math.max(0, nanoseconds / 1e6 - resolution);
      return { loopDelayP99: late(loop.percentile(99)), loopDelayMax: late(loop.max), gcPauses: gc.count, gcTotalMs: gc.totalMs, gcMaxMs: gc.maxMs };
    },
  };
}

async function main(): Promise<void> {
  const pauses = pauseMonitor();
  const config = loadConfig(process.env);
  const app = await createApp(config);
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
    if (message?.type === 'pauses-reset') pauses.reset();
    if (message?.type === 'pauses') process.send?.({ type: 'pauses', figures: pauses.read() });
    if (message?.type === 'stop') void stop();
  });
  process.send?.({ type: 'listening', port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
