/** Small measuring helpers shared by the bench modules. */
import { copyFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarise(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    mean: sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length),
  };
}

/**
 * Epoch ms minus performance.now() in this process, read at the edge of a Date.now() tick (so to
 * a few microseconds; performance.timeOrigin alone was 0.04-0.9 ms off the epoch clock here):
 * times of two processes on one machine can then be compared.
 */
export function epochOffset(): number {
  const first = Date.now();
  let now = first;
  let perf = 0;
  while (now === first) {
    perf = performance.now();
    now = Date.now();
  }
  return now - perf;
}

export const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/** Samples RSS and heap every `everyMs` (the sampler itself runs between the measured work's awaits). */
export class MemorySampler {
  peakRss = 0;
  peakHeapUsed = 0;
  peakExternal = 0;
  samples = 0;
  private timer: NodeJS.Timeout | undefined;

  start(everyMs = 50): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    return this;
  }

  sample(): void {
    const m = process.memoryUsage();
    this.samples += 1;
    this.peakRss = Math.max(this.peakRss, m.rss);
    this.peakHeapUsed = Math.max(this.peakHeapUsed, m.heapUsed);
    this.peakExternal = Math.max(this.peakExternal, m.external + m.arrayBuffers);
  }

  stop(): this {
    clearInterval(this.timer);
    this.sample();
    return this;
  }
}

export const MiB = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Copies a SQLite database with its WAL (if any). */
export function copyDatabase(from: string, to: string): void {
  copyFileSync(from, to);
  for (const suffix of ['-wal', '-shm']) if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
}

/** One GET over a keep-alive agent; resolves with the status and the latency in ms (body read fully). */
export function timedGet(agent: http.Agent, port: number, path: string, headers: Record<string, string>): Promise<{ status: number; ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', agent, headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - start, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
