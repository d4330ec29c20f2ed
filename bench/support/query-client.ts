/**
 * The projections bench's load generator, in a process of its own (node dist/bench/support/query-client.js,
 * forked by runQueryClient): sequential keep-alive GETs, endpoint after endpoint, in interleaved
 * rounds. The bench's own process has just run rebuilds over a million events and carries their
 * heap; its garbage collections, run while a request is in flight, were counted as the server's
 * latency (17 of the 71 requests at 3 ms or more overlapped one in a run of 2026-12-01). This
 * process holds the endpoints and the samples only. Its own GC pauses are still recorded and
 * reported.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { epochOffset, timedGet } from './stats.js';

export interface QueryEndpoint {
  name: string;
  token: string;
  paths: string[];
}

export interface QueryPlan {
  port: number;
  endpoints: QueryEndpoint[];
  rounds: number;
  /** Per endpoint per round (at least 10 even past the budget). */
  requests: number;
  /** Per endpoint per round (ms): a slow endpoint stops early. */
  budgetMs: number;
  /** Rounds like the measured ones, before them, not measured. */
  warmupRounds: number;
}

export interface QueryResults {
  /** Latencies (ms) by endpoint name. */
  samples: Record<string, number[]>;
  /** Size of the largest answer of each endpoint (bytes). */
  bytes: Record<string, number>;
  /** Every measured request: epoch start and ms. */
  timeline: Array<{ at: number; ms: number }>;
  /** This process's GC pauses during the measured requests: epoch start and ms. */
  gc: Array<{ at: number; ms: number }>;
}

/** Runs the plan in this process; `warmedUp` is awaited between the warm-up and the measured requests. */
export async function runQueries(plan: QueryPlan, warmedUp: () => Promise<void> | void = () => undefined): Promise<QueryResults> {
  const { port, endpoints, rounds, requests, budgetMs, warmupRounds } = plan;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples: Record<string, number[]> = Object.fromEntries(endpoints.map((e) => [e.name, []]));
  const bytes: Record<string, number> = {};
  const timeline: QueryResults['timeline'] = [];
  const gc: QueryResults['gc'] = [];
  const epoch = epochOffset();
  let cursor = 0;
  const one = async (e: QueryEndpoint) => {
    const path = e.paths[cursor++ % e.paths.length]!;
    const at = epoch + performance.now();
    const res = await timedGet(agent, port, path, e.token ? { authorization: `Bearer ${e.token}` } : {});
    if (res.status !== 200) throw new Error(`${e.name}: ${path} answered ${res.status}`);
    bytes[e.name] = Math.max(bytes[e.name] ?? 0, res.bytes);
    timeline.push({ at, ms: res.ms });
    return res.ms;
  };
  const runRound = async (round: number, record: boolean) => {
    const order = [...endpoints.slice(round % endpoints.length), ...endpoints.slice(0, round % endpoints.length)];
    for (const e of order) {
      const deadline = performance.now() + budgetMs;
      for (let i = 0; i < requests && (i < 10 || performance.now() < deadline); i++) {
        const ms = await one(e);
        if (record) samples[e.name]!.push(ms);
      }
    }
  };
  try {
    // Warm-up, not measured. The server's JIT keeps compiling through the first rounds over all
    // endpoints: with --trace-opt, 584 optimisations in one round, 884 by the third, 1,042 by the
    // sixth, on background threads that share the machine's two cores with both processes, and
    // the requests that took 3 ms or more gathered at the start of each endpoint's turn. One
    // unmeasured round took every p99 down (the objected histories' from 5.1 to 3.2–3.4 ms in
    // two A/B pairs, 2026-12-01). The figures are the steady state of a server that runs for days.
    for (let round = 0; round < warmupRounds; round++) await runRound(round, false);
    timeline.length = 0;
    await warmedUp();
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) gc.push({ at: epoch + entry.startTime, ms: entry.duration });
    });
    observer.observe({ entryTypes: ['gc'] });
    try {
      for (let round = 0; round < rounds; round++) await runRound(warmupRounds + round, true);
    } finally {
      // Entries still buffered (Node delivers them on a later turn) would go with the observer.
      for (const entry of observer.takeRecords()) gc.push({ at: epoch + entry.startTime, ms: entry.duration });
      observer.disconnect();
    }
  } finally {
    agent.destroy();
  }
  return { samples, bytes, timeline, gc };
}

/**
 * Runs the plan in a fresh child process. `beforeMeasuring` runs once the child has warmed up
 * every endpoint; the measured requests start when it has resolved (to reset the server's pause
 * counters first).
 */
export function runQueryClient(plan: QueryPlan, beforeMeasuring: () => Promise<void> | void): Promise<QueryResults> {
  const script = fileURLToPath(import.meta.url);
  const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    const fail = (error: unknown) =>
      settle(() => {
        child.kill();
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    child.on('message', (m: { type: string; results?: QueryResults; error?: string }) => {
      if (m.type === 'warmed-up') {
        Promise.resolve()
          .then(beforeMeasuring)
          .then(() => child.send({ type: 'go' }))
          .catch(fail);
      }
      if (m.type === 'results') settle(() => resolve(m.results!));
      if (m.type === 'error') fail(new Error(m.error));
    });
    child.on('error', fail);
    // 'close', not 'exit': it comes after the IPC channel has delivered everything.
    child.on('close', (code) => fail(new Error(`query client exited with ${code} before answering`)));
    child.send({ type: 'run', plan });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) {
  process.once('message', (m: { type: string; plan: QueryPlan }) => {
    if (m.type !== 'run') return;
    const go = () =>
      new Promise<void>((resolve) => {
        const onGo = (message: { type?: string }) => {
          if (message?.type !== 'go') return;
          process.off('message', onGo);
          resolve();
        };
        process.on('message', onGo);
        process.send!({ type: 'warmed-up' });
      });
    runQueries(m.plan, go)
      .then((results) => process.send!({ type: 'results', results }, () => process.exit(0)))
      .catch((error: unknown) => process.send!({ type: 'error', error: error instanceof Error ? error.stack ?? error.message : String(error) }, () => process.exit(1)));
  });
}
