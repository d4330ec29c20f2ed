/**
 * An open-loop load at a steady rate: request i is due at t0 + i / rate, whatever happened to
 * the ones before it, and its latency is counted from that due time (so a server that falls
 * behind is charged for the wait it causes: no coordinated omission). This is what "p99 at 500
 * commands/s" means; autocannon's overallRate instead sends each connection's share of a second
 * back to back at the top of the second, which measures bursts.
 *
 * Requests go over keep-alive connections (node:http, at most `connections`); a request that
 * finds them all busy waits in the agent's queue, and that wait is part of its latency.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { type LatencySummary, summarise } from './stats.js';

export interface PacedRequest {
  method: string;
  path: string;
  body?: string;
}

/** What to send at each arrival, and what to do with the answer. */
export interface Workload {
  next(): { request: PacedRequest; done?(status: number, body: string): void };
}

export interface PacedOptions {
  port: number;
  rate: number;
  seconds: number;
  headers?: Record<string, string>;
  workload: Workload;
  /** Sockets to the server (default 64). */
  connections?: number;
  /** Seconds at the same rate before measuring (default 1). */
  warmupSeconds?: number;
  /** Called when the measured window starts (after the warm-up). */
  onMeasuring?: () => void;
  /** Keep every measured request's due time, latency, method, path and status (result.trace). */
  trace?: boolean;
}

/** One request of a traced run: `due` on this process's performance clock (ms; plus stats.ts's epochOffset(): epoch ms), `latency` in ms from then. */
export interface TracedRequest {
  due: number;
  latency: number;
  method: string;
  path: string;
  status: number;
}

export interface PacedResult {
  /** Requests due in the measured window, and how many of them completed. */
  due: number;
  completed: number;
  /** Completed per second of the window (the rate reached). */
  rate: number;
  non2xx: number;
  errors: number;
  /** Errors by code (ECONNRESET, …), so that a failed run says how it failed. */
  errorCodes: Record<string, number>;
  /** Latency from the due time to the end of the answer (ms). */
  latency: LatencySummary;
  /** How late the client itself sent (ms, p99 and max): above a millisecond or two, the client was held up. */
  sendLagP99: number;
  sendLagMax: number;
  /** With options.trace, every completed request of the measured window, in completion order. */
  trace?: TracedRequest[];
}

export async function pacedLoad(options: PacedOptions): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections ?? 64 });
  try {
    await run(options, agent, options.warmupSeconds ?? 1, false);
    options.onMeasuring?.();
    return await run(options, agent, options.seconds, options.trace ?? false);
  } finally {
    agent.destroy();
  }
}

async function run(options: PacedOptions, agent: http.Agent, seconds: number, tracing: boolean): Promise<PacedResult> {
  const interval = 1000 / options.rate;
  const total = Math.round(options.rate * seconds);
  const latencies: number[] = [];
  const sendLags: number[] = [];
  const trace: TracedRequest[] | undefined = tracing ? [] : undefined;
  let non2xx = 0;
  let errors = 0;
  const errorCodes: Record<string, number> = {};
  let pending = 0;
  let sent = 0;
  let allSent!: () => void;
  const finished = new Promise<void>((resolve) => (allSent = resolve));
  const start = performance.now();

  const send = (due: number) => {
    const { request, done } = options.workload.next();
    const body = request.body ?? '';
    pending += 1;
    sendLags.push(performance.now() - due);
    const settle = () => {
      pending -= 1;
      if (sent === total && pending === 0) allSent();
    };
    const req = http.request(
      {
        host: '127.0.0.1',
        port: options.port,
        method: request.method,
        path: request.path,
        agent,
        headers: { ...options.headers, ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const latency = performance.now() - due;
          latencies.push(latency);
          const status = res.statusCode ?? 0;
          trace?.push({ due, latency, method: request.method, path: request.path, status });
          if (status < 200 || status >= 300) non2xx += 1;
          done?.(status, Buffer.concat(chunks).toString('utf8'));
          settle();
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      errors += 1;
      const code = error.code ?? error.message;
      errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      settle();
    });
    req.end(body);
  };

  // Sends every request that is due, then sleeps until the next one (timers have ~1 ms grain, so
  // a request is at most about a millisecond late, which sendLagP99 reports).
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) send(start + sent++ * interval);
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  if (pending > 0) await finished;
  const elapsed = (performance.now() - start) / 1000;
  const lag = summarise(sendLags);
  return {
    due: total,
    completed: latencies.length,
    rate: latencies.length / Math.max(elapsed, seconds),
    non2xx,
    errors,
    errorCodes,
    latency: summarise(latencies),
    sendLagP99: lag.p99,
    sendLagMax: lag.max,
    ...(trace ? { trace } : {}),
  };
}
