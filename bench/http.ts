/**
 * Issue "Server-grade stores": the HTTP server under load (autocannon 8) with the embedded SQLite
 * store (temp folder) and, when PostgreSQL answers, EVENT_STORE=postgres on a random schema that is
 * dropped afterwards. The server is a child process on 127.0.0.1 (bench/support/server-child.ts);
 * autocannon runs in this process.
 *
 * Load: each autocannon connection walks one application at a time through zibo-leader-2026 —
 * submit, then the eight review commands (recommend … candidate), each with the id the submission
 * returned — so every request is a real command on a real stream. The "mix" adds three queries
 * after the commands (GET the application, the term's quota read model, the audit history):
 * 9 commands : 3 queries. Baseline in the same rounds: GET /api/health (no token, one store ping).
 *
 * Runs per round (order rotating; BENCH_HTTP_ROUNDS rounds of BENCH_HTTP_SECONDS each):
 *  - health, commands, mix at saturation (BENCH_HTTP_CONNECTIONS, default 10): max sustainable rate;
 *  - health and commands paced at BENCH_HTTP_RATE (default 500 req/s): steady open-loop arrivals,
 *    latency from each request's due time (bench/support/paced-load.ts): the targets' figures;
 *  - health and commands at autocannon's overallRate = the same rate, kept for comparison with
 *    earlier figures: per-second bursts per connection (a connection sends its share as fast as it
 *    can, then waits for the next second), so its latencies are those of bursts.
 *
 * Env: BENCH_HTTP_SECONDS (default 5), BENCH_HTTP_PACED_SECONDS (default 20, after 3 s of warm-up),
 * BENCH_HTTP_ROUNDS (default 2), BENCH_HTTP_RATE (500), BENCH_HTTP_TRACE (a folder: each paced run's
 * requests, the server's GC pauses and its WAL fsyncs written there as JSON with epoch times, to see
 * what a tail is made of: `node dist/bench/trace-summary.js <file>`),
 * BENCH_HTTP_CONNECTIONS (10), BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test;
 * BENCH_PG=0 skips PostgreSQL), BENCH_DATA_DIR.
 */
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { withUsccCheck } from '../workflows/identifiers/index.js';
import { policies } from '../src/awards/test-support.js';
import { type BenchMeasure, type BenchReport, type BenchTable, type BenchTarget, fileSystemOf, loadAverage, machine, measure, median } from './report.js';
import { type PacedRequest, type PacedResult, type Workload, pacedLoad } from './support/paced-load.js';
import { epochOffset } from './support/stats.js';
import { type PauseFigures, startServerChild, type ServerChild } from './support/server.js';

const PROGRAMME = 'zibo-leader';
const YEAR = 2026;
const TERM = `${PROGRAMME}-${YEAR}`;
const CLOCK_START = `${YEAR}-03-16T02:00:00Z`;
const SCORES = { leadership: 95, strategy: 75, customersAndMarket: 72, resources: 110, processManagement: 85, measurementAnalysisImprovement: 66, results: 330 };
const REVIEWS = [
  { reviewerId: 'expert-001', recused: false, scores: SCORES },
  { reviewerId: 'expert-002', recused: true, recusalReason: '曾为申报单位提供咨询' },
  { reviewerId: 'expert-003', recused: false, scores: { ...SCORES, results: 350 } },
];
const STEPS: Array<[string, Record<string, unknown>]> = [
  ['recommend', { opinion: '同意推荐' }],
  ['opinion-survey', { findings: '未发现负面舆情', adverse: false }],
  ['qualification-review', { outcome: 'accepted' }],
  ['materials-review', { reviews: REVIEWS }],
  ['shortlist', {}],
  ['on-site-review', { reviews: REVIEWS }],
  ['oral-defence', { outcome: '答辩通过' }],
  ['candidate', { rank: 1 }],
];

/** Applicant numbers are unique per process run and region: one application per applicant per term. */
let applicantCounter = 0;
const REGION = String(100000 + (process.pid % 800000)).padStart(6, '0');

/** A new applicant's submission to the term. */
function submissionBody(exclusions: string[]): string {
  const n = ++applicantCounter;
  const id = withUsccCheck(`91${REGION}${String(n).padStart(9, '0')}`);
  return JSON.stringify({
    termId: TERM,
    applicant: { kind: 'organisation', id, name: `压测企业${n}有限公司` },
    channel: { kind: 'county', recommender: '张店区质量强区工作领导小组办公室' },
    declaration: { operatingSince: '2005-03-01', exclusions: Object.fromEntries(exclusions.map((c) => [c, false])) },
  });
}

function sequence(token: string, exclusions: string[], withQueries: boolean): AutocannonRequest[] {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const submit: AutocannonRequest = {
    method: 'POST',
    path: '/api/applications',
    headers,
    setupRequest(req) {
      return { ...req, body: submissionBody(exclusions) };
    },
    onResponse(status, body, context) {
      if (status === 201) context.id = (JSON.parse(body) as { id: string }).id;
    },
  };
  const steps: AutocannonRequest[] = STEPS.map(([path, body]) => ({
    method: 'POST',
    headers,
    setupRequest: (req, context) => ({ ...req, path: `/api/applications/${context.id ?? 'missing'}/${path}`, body: JSON.stringify(body) }),
  }));
  const queries: AutocannonRequest[] = withQueries
    ? [
        { method: 'GET', headers, setupRequest: (req, context) => ({ ...req, path: `/api/applications/${context.id ?? 'missing'}` }) },
        { method: 'GET', headers, path: `/api/terms/${TERM}/quota` },
        { method: 'GET', headers, setupRequest: (req, context) => ({ ...req, path: `/api/applications/${context.id ?? 'missing'}/history` }) },
      ]
    : [];
  return [submit, ...steps, ...queries];
}

/**
 * The same walk for the paced load: each arrival takes the next step of an application whose last
 * command has been answered, or submits a new application when none is ready.
 */
class ApplicationWalks implements Workload {
  private readonly ready: Array<{ id: string; step: number }> = [];
  submits = 0;
  steps = 0;

  constructor(private readonly exclusions: string[]) {}

  next(): { request: PacedRequest; done(status: number, body: string): void } {
    const app = this.ready.shift();
    if (app) {
      const [path, body] = STEPS[app.step]!;
      this.steps += 1;
      return {
        request: { method: 'POST', path: `/api/applications/${app.id}/${path}`, body: JSON.stringify(body) },
        done: (status) => {
          if (status < 300 && app.step + 1 < STEPS.length) this.ready.push({ id: app.id, step: app.step + 1 });
        },
      };
    }
    this.submits += 1;
    return {
      request: { method: 'POST', path: '/api/applications', body: submissionBody(this.exclusions) },
      done: (status, body) => {
        if (status === 201) this.ready.push({ id: (JSON.parse(body) as { id: string }).id, step: 0 });
      },
    };
  }
}

const health: Workload = { next: () => ({ request: { method: 'GET', path: '/api/health' } }) };

interface RunFigures {
  rate: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  /** Paced runs: errors by code. */
  errorCodes?: Record<string, number>;
  total: number;
  /** Paced runs: how long the client and the server were held up in the measured window (ms). */
  pauses?: PausesSeen;
}

/**
 * A tail is either the requests' own work and queueing, or time in which nothing could run: the
 * client sending late (its own GC, the scheduler), the server's event loop held up (a timer due
 * every 10 ms running late: GC pauses, long synchronous work, the VM). Reported beside each paced
 * run so that a p99 can be read against them.
 */
interface PausesSeen {
  clientLagP99: number;
  clientLagMax: number;
  serverLoopP99: number;
  serverLoopMax: number;
  gcPauses: number;
  gcTotalMs: number;
  gcMaxMs: number;
  /** The embedded store's WAL fsyncs in the window (NaN on PostgreSQL): the disk's floor under an append's latency. */
  walFsyncs: number;
  walFsyncP99: number;
  walFsyncMax: number;
  walFsyncsAtLeast10ms: number;
}

function figures(result: AutocannonResult): RunFigures {
  const total = result['2xx'] + result.non2xx;
  return {
    rate: total / result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total,
  };
}

const ms = (value: number) => Number(value.toFixed(2));
const traceDir = process.env.BENCH_HTTP_TRACE || undefined;

type RunName = 'health@max' | 'commands@max' | 'mix@max' | 'health@rate' | 'commands@rate' | 'health@paced' | 'commands@paced';
const names: RunName[] = ['health@max', 'commands@max', 'mix@max', 'health@rate', 'commands@rate', 'health@paced', 'commands@paced'];

function pacedFigures(result: PacedResult, server: PauseFigures): RunFigures {
  const { latency } = result;
  return {
    rate: result.rate,
    p50: latency.p50,
    p90: latency.p90,
    p99: latency.p99,
    max: latency.max,
    non2xx: result.non2xx,
    errors: result.errors + (result.due - result.completed),
    errorCodes: result.errorCodes,
    total: result.due,
    pauses: {
      clientLagP99: result.sendLagP99,
      clientLagMax: result.sendLagMax,
      serverLoopP99: server.loopDelayP99,
      serverLoopMax: server.loopDelayMax,
      gcPauses: server.gcPauses,
      gcTotalMs: server.gcTotalMs,
      gcMaxMs: server.gcMaxMs,
      walFsyncs: server.walFsyncs?.count ?? Number.NaN,
      walFsyncP99: server.walFsyncs?.p99 ?? Number.NaN,
      walFsyncMax: server.walFsyncs?.maxMs ?? Number.NaN,
      walFsyncsAtLeast10ms: server.walFsyncs?.atLeast10ms ?? Number.NaN,
    },
  };
}

async function benchStore(label: string, server: ServerChild, opts: { seconds: number; pacedSeconds: number; rounds: number; rate: number; connections: number }) {
  const url = `http://127.0.0.1:${server.port}`;
  const office = server.token(['office', 'auditor'], [PROGRAMME]);
  const exclusions = policies.inForce(PROGRAMME, `${YEAR}-03-01`).eligibility.exclusions.map((e) => e.code);
  const opened = await fetch(`${url}/api/programmes/${PROGRAMME}/terms`, {
    method: 'POST',
    headers: { authorization: `Bearer ${office}`, 'content-type': 'application/json' },
    body: JSON.stringify({ year: YEAR, noticeDate: `${YEAR}-03-01`, applicationDeadline: `${YEAR}-04-30`, occurredAt: `${YEAR}-03-01` }),
  });
  if (opened.status !== 201) throw new Error(`${label}: opening ${TERM} answered ${opened.status}: ${await opened.text()}`);
  // One walk through, checked, so a failing command shows here and not as a non-2xx count.
  const probe = sequence(office, exclusions, true);
  const context: Record<string, any> = {};
  for (const request of probe) {
    const req = request.setupRequest ? request.setupRequest({ ...request }, context) : request;
    const res = await fetch(`${url}${req.path}`, { method: req.method, headers: req.headers, body: req.body });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${label}: ${req.method} ${req.path} answered ${res.status}: ${text.slice(0, 400)}`);
    request.onResponse?.(res.status, text, context, {});
  }

  const walks = new ApplicationWalks(exclusions);
  const run = async (name: RunName, duration: number): Promise<RunFigures> => {
    if (name.endsWith('@paced')) {
      const workload = name.startsWith('health') ? health : walks;
      // Paced runs are longer (BENCH_HTTP_PACED_SECONDS): a tail is a rare thing, and a major GC comes every few seconds.
      const seconds = duration === 1 ? 1 : opts.pacedSeconds;
      const result = await pacedLoad({
        port: server.port,
        rate: opts.rate,
        seconds,
        warmupSeconds: 3,
        headers: { authorization: `Bearer ${office}` },
        workload,
        onMeasuring: () => void server.resetPauses(),
        trace: traceDir !== undefined && duration !== 1,
      });
      const pauses = await server.pauses();
      if (traceDir !== undefined && result.trace) {
        const file = join(traceDir, `${label}-${name.replace('@', '-')}-${Date.now()}.json`);
        writeFileSync(file, JSON.stringify({ epochOffset: epochOffset(), requests: result.trace, gc: pauses.gcLog ?? [], walFsyncs: pauses.walFsyncLog ?? [] }));
        console.log(`  trace written to ${file}`);
      }
      return pacedFigures(result, pauses);
    }
    const atRate = name.endsWith('@rate');
    const base = { url, duration, connections: opts.connections, ...(atRate ? { overallRate: opts.rate } : {}) };
    if (name.startsWith('health')) return figures(await autocannon({ ...base, url: `${url}/api/health` }));
    return figures(await autocannon({ ...base, requests: sequence(office, exclusions, name === 'mix@max') }));
  };
  for (const name of names) await run(name, 1); // warm-up
  const results = new Map<RunName, RunFigures[]>(names.map((n) => [n, []]));
  for (let round = 0; round < opts.rounds; round++) {
    const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
    for (const name of order) {
      const f = await run(name, opts.seconds);
      results.get(name)!.push(f);
      const codes = Object.entries(f.errorCodes ?? {}).map(([code, n]) => `${code} ${n}`);
      const p = f.pauses;
      const held = p
        ? `; client sent late p99 ${ms(p.clientLagP99)} max ${ms(p.clientLagMax)}, server loop late p99 ${ms(p.serverLoopP99)} max ${ms(p.serverLoopMax)}, GC ${p.gcPauses} pauses ${ms(p.gcTotalMs)} longest ${ms(p.gcMaxMs)}`
        : '';
      console.log(`  ${label} ${name}: ${Math.round(f.rate)} req/s, p50 ${ms(f.p50)} ms, p99 ${ms(f.p99)} ms, non-2xx ${f.non2xx}, errors ${f.errors}${codes.length ? ` (${codes.join(', ')})` : ''}${held}`);
    }
  }
  const memory = await server.memory();
  return { results, memory, mix: { submits: walks.submits, steps: walks.steps } };
}

export async function runHttpBench(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const loadAtStart = loadAverage();
  const opts = {
    seconds: Number(process.env.BENCH_HTTP_SECONDS ?? 5),
    pacedSeconds: Number(process.env.BENCH_HTTP_PACED_SECONDS ?? 20),
    rounds: Number(process.env.BENCH_HTTP_ROUNDS ?? 2),
    rate: Number(process.env.BENCH_HTTP_RATE ?? 500),
    connections: Number(process.env.BENCH_HTTP_CONNECTIONS ?? 10),
  };
  const pgUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const notes: string[] = [];
  const measures: BenchMeasure[] = [];
  const tables: BenchTable[] = [];
  const targets: BenchTarget[] = [];
  const dir = mkdtempSync(join(process.env.BENCH_DATA_DIR ?? tmpdir(), 'http-bench-'));
  const stores: Array<{ label: string; env: Record<string, string>; cleanup?: () => Promise<void> }> = [
    { label: 'sqlite', env: { EVENT_STORE: 'sqlite', DATA_DIR: join(dir, 'sqlite') } },
  ];
  if (process.env.BENCH_PG !== '0') {
    const schema = `bench_http_${randomBytes(6).toString('hex')}`;
    const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.end();
      stores.push({
        label: 'postgres',
        env: { EVENT_STORE: 'postgres', DATABASE_URL: pgUrl, DATABASE_SCHEMA: schema, DATA_DIR: join(dir, 'postgres') },
        cleanup: async () => {
          const c = new pg.Client({ connectionString: pgUrl });
          await c.connect();
          await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await c.end();
        },
      });
      notes.push(`postgres: ${pgUrl}, schema ${schema} (dropped afterwards)`);
    } catch (error) {
      notes.push(`postgres skipped: ${(error as Error).message}`);
    }
  }
  try {
    for (const store of stores) {
      // Logging as in production: a JSON line per request (to a stdout that goes nowhere).
      const server = await startServerChild({ ...store.env, CLOCK: 'manual', CLOCK_START }, undefined, 'discarded');
      try {
        const { results, memory, mix } = await benchStore(store.label, server, opts);
        const med = (name: RunName, key: Exclude<keyof RunFigures, 'errorCodes' | 'pauses'>) => median(results.get(name)!.map((f) => f[key]));
        const rates = (name: RunName) => results.get(name)!.map((f) => f.rate);
        const failures = (name: RunName) => results.get(name)!.reduce((s, f) => s + f.non2xx + f.errors, 0);
        measures.push(
          measure(`${store.label}: commands at saturation`, 'req/s', rates('commands@max'), rates('health@max'), 0, `vs /api/health at saturation, ${opts.connections} connections`),
          measure(`${store.label}: mix at saturation`, 'req/s', rates('mix@max'), rates('health@max'), 0, '9 commands : 3 queries'),
          measure(`${store.label}: commands paced at ${opts.rate}/s`, 'req/s', rates('commands@paced'), rates('health@paced'), 0, 'the rate actually reached, steady arrivals'),
        );
        const label = (name: RunName) =>
          name.replace('@paced', ` paced at ${opts.rate}/s`).replace('@rate', ` at ${opts.rate}/s in bursts`).replace('@max', ' at saturation');
        const rows: BenchTable['rows'] = names.map((name) => [
          label(name),
          med(name, 'rate'),
          med(name, 'p50'),
          med(name, 'p90'),
          med(name, 'p99'),
          med(name, 'max'),
          failures(name),
          results.get(name)!.reduce((s, f) => s + f.total, 0),
        ]);
        tables.push({
          title:
            `${store.label}: medians over ${opts.rounds} interleaved rounds of ${opts.seconds} s (latency ms; server RSS after: ${Math.round(memory.rss / 2 ** 20)} MiB; ` +
            `paced commands: ${mix.submits} submissions, ${mix.steps} review steps)`,
          columns: ['run', 'req/s', 'p50', 'p90', 'p99', 'max', 'non-2xx+errors', 'requests'],
          rows,
        });
        const p99 = med('commands@paced', 'p99');
        const reached = med('commands@paced', 'rate');
        const saturation = med('commands@max', 'rate');
        tables.push({
          title: `${store.label}: ratios against /api/health in the same rounds`,
          columns: ['figure', 'commands', 'health', 'ratio'],
          rows: [
            ['max rate (req/s)', saturation, med('health@max', 'rate'), `${((saturation / med('health@max', 'rate')) * 100).toFixed(1)}%`],
            [`p99 paced at ${opts.rate}/s (ms)`, p99, med('health@paced', 'p99'), `${(p99 / med('health@paced', 'p99')).toFixed(1)}×`],
            [`p50 paced at ${opts.rate}/s (ms)`, med('commands@paced', 'p50'), med('health@paced', 'p50'), `${(med('commands@paced', 'p50') / med('health@paced', 'p50')).toFixed(1)}×`],
            [`p99 in bursts at ${opts.rate}/s (ms)`, med('commands@rate', 'p99'), med('health@rate', 'p99'), `${(med('commands@rate', 'p99') / med('health@rate', 'p99')).toFixed(1)}×`],
          ],
        });
        const paused = (name: RunName, key: keyof PausesSeen) => median(results.get(name)!.map((f) => f.pauses![key]));
        tables.push({
          title:
            `${store.label}: paced runs, what held the client and the server up in the measured window (ms; medians over rounds): ` +
            'a p99 well above these is the requests\' own work and queueing, one at their level is time in which nothing could run; ' +
            'WAL fsyncs: the group commits\' fsyncs in the window (every command is acknowledged after one that began after its commit, so a command waits up to two)',
          columns: ['run', 'p99', 'client sent late p99', 'max', 'server loop late p99', 'max', 'GC pauses', 'GC total', 'longest GC', 'WAL fsyncs', 'fsync p99', 'longest', 'fsyncs ≥ 10 ms'],
          rows: (['health@paced', 'commands@paced'] as const).map((name) => [
            label(name),
            med(name, 'p99'),
            paused(name, 'clientLagP99'),
            paused(name, 'clientLagMax'),
            paused(name, 'serverLoopP99'),
            paused(name, 'serverLoopMax'),
            paused(name, 'gcPauses'),
            paused(name, 'gcTotalMs'),
            paused(name, 'gcMaxMs'),
            ...(store.label === 'sqlite'
              ? [paused(name, 'walFsyncs'), paused(name, 'walFsyncP99'), paused(name, 'walFsyncMax'), paused(name, 'walFsyncsAtLeast10ms')]
              : ['—', '—', '—', '—']),
          ]),
        });
        const errors = failures('commands@paced');
        if (store.label === 'sqlite') {
          targets.push(
            { name: `sqlite: ${opts.rate} commands/s reached (paced)`, target: `${opts.rate}/s`, measured: `${Math.round(reached)}/s (${errors} non-2xx/errors)`, met: reached >= opts.rate * 0.98 && errors === 0 },
            { name: `sqlite: p99 paced at ${opts.rate} commands/s`, target: '< 10 ms', measured: `${p99.toFixed(1)} ms`, met: p99 < 10 },
            { name: 'sqlite: max sustainable command rate', target: `≥ ${opts.rate}/s`, measured: `${Math.round(saturation)}/s, p99 ${med('commands@max', 'p99')} ms`, met: saturation >= opts.rate },
          );
        } else {
          targets.push({ name: `${store.label}: p99 paced at ${opts.rate} commands/s (informative)`, target: '< 10 ms', measured: `${p99.toFixed(1)} ms at ${Math.round(reached)}/s`, met: p99 < 10 });
        }
      } finally {
        await server.stop();
        await store.cleanup?.().catch((error: unknown) => notes.push(`cleanup of ${store.label} failed: ${(error as Error).message}`));
      }
    }
    notes.push(
      `load: each connection walks one application through ${TERM} (submit + ${STEPS.length} review commands, real streams and expected revisions); mix adds GET application, GET quota, GET history per application (9:3)`,
      `saturation and 'in bursts': autocannon ${opts.connections} connections, pipelining 1; its overallRate is enforced per connection per second in bursts (each connection sends its share back to back, then waits for the next second), with coordinated-omission correction (expected interval 1 ms): a burst's latency, kept for comparison with earlier figures`,
      `paced (the targets): open-loop arrivals every ${(1000 / opts.rate).toFixed(1)} ms over up to 64 keep-alive connections, latency counted from each request's due time (bench/support/paced-load.ts), ${opts.pacedSeconds} s per run after 3 s of warm-up at the same rate`,
      `server: child process on 127.0.0.1 (NODE_ENV=test, LOG_LEVEL=info: a JSON line per request, to a stdout that goes nowhere; CLOCK=manual at ${CLOCK_START}); the load generators run in this process, so the two cores are shared by client, server and (for postgres) the database`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    name: 'http',
    startedAt,
    durationMs: performance.now() - t0,
    machine: machine(),
    dataDir: dir,
    fileSystem: fileSystemOf(tmpdir()),
    loadAverage: { start: loadAtStart, end: loadAverage() },
    measures,
    notes,
    tables,
    targets,
  };
}
