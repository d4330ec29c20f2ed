/**
 * What a paced run's tail is made of: reads a trace written by the HTTP bench (BENCH_HTTP_TRACE)
 * and prints latency by route, when the slow requests came (100 ms windows), and how many of them
 * overlapped a GC pause or a slow WAL fsync of the server.
 *
 *   node dist/bench/trace-summary.js <trace.json> [slow-ms (default 10)] [slow-fsync-ms (default 5)]
 */
import { readFileSync } from 'node:fs';
import type { TracedRequest } from './support/paced-load.js';
import { summarise } from './support/stats.js';

interface Trace {
  /** Epoch ms minus performance.now() in the load generator (stats.ts epochOffset). */
  epochOffset: number;
  requests: TracedRequest[];
  gc: Array<{ at: number; ms: number; kind: number }>;
  walFsyncs: Array<{ at: number; ms: number; commits: number }>;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const route = (r: TracedRequest) => `${r.method} ${r.path.replace(UUID, '{id}').split('?')[0]}`;
const f = (n: number) => n.toFixed(2);

function main(): void {
  const [file, slowArg, fsyncArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: node dist/bench/trace-summary.js <trace.json> [slow-ms] [slow-fsync-ms]');
  const slowMs = Number(slowArg ?? 10);
  const slowFsyncMs = Number(fsyncArg ?? 5);
  const trace = JSON.parse(readFileSync(file, 'utf8')) as Trace;
  const start = (r: TracedRequest) => trace.epochOffset + r.due;
  const all = summarise(trace.requests.map((r) => r.latency));
  console.log(`${all.count} requests: p50 ${f(all.p50)} ms, p99 ${f(all.p99)} ms, max ${f(all.max)} ms`);

  const byRoute = new Map<string, number[]>();
  for (const r of trace.requests) {
    const name = route(r);
    const latencies = byRoute.get(name);
    if (latencies) latencies.push(r.latency);
    else byRoute.set(name, [r.latency]);
  }
  for (const [name, latencies] of [...byRoute].sort((a, b) => a[0].localeCompare(b[0]))) {
    const s = summarise(latencies);
    console.log(`  ${name.padEnd(56)} n ${String(s.count).padStart(5)}  p50 ${f(s.p50)}  p99 ${f(s.p99)}  max ${f(s.max)}  > ${slowMs} ms: ${latencies.filter((l) => l > slowMs).length}`);
  }

  const slow = trace.requests.filter((r) => r.latency > slowMs);
  const first = Math.min(...trace.requests.map(start));
  const windows = new Map<number, number>();
  for (const r of slow) {
    const window = Math.floor((start(r) - first) / 100);
    windows.set(window, (windows.get(window) ?? 0) + 1);
  }
  const overlaps = (events: Array<{ at: number; ms: number }>) =>
    slow.filter((r) => events.some((e) => e.at < start(r) + r.latency && e.at + e.ms > start(r))).length;
  const slowFsyncs = trace.walFsyncs.filter((e) => e.ms >= slowFsyncMs);
  console.log(`${slow.length} requests over ${slowMs} ms, in ${windows.size} windows of 100 ms; the busiest (window start s: requests):`);
  console.log(`  ${[...windows].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([w, n]) => `${(w / 10).toFixed(1)}: ${n}`).join(', ')}`);
  console.log(`  overlapping a GC pause of 1 ms or more: ${overlaps(trace.gc)} (${trace.gc.length} such pauses, ${f(trace.gc.reduce((s, e) => s + e.ms, 0))} ms)`);
  const fs = summarise(trace.walFsyncs.map((e) => e.ms));
  console.log(`  overlapping a WAL fsync of ${slowFsyncMs} ms or more: ${overlaps(slowFsyncs)} (${slowFsyncs.length} such of ${fs.count} fsyncs; p50 ${f(fs.p50)}, p99 ${f(fs.p99)}, max ${f(fs.max)} ms)`);
}

main();
