/**
 * Issue "Projections": rebuild rate of every registered projection over a store of realistic
 * domain events (bench/support/domain-store.ts, cached in bench/.cache/), against a bare readAll of
 * the same store with JSON parsing (the port's readAll in the followers' page size) in the same
 * process; peak memory during the rebuild; then the query endpoints' latency through HTTP against
 * the real app (a child process, DATA_DIR on a copy of the store with the rebuilt read models).
 *
 * Rebuild: the engine's path in one thread, as the server with REBUILD_WORKERS=0 and `npm run projections:rebuild
 * -- --workers 1` run it (ProjectionRunner with followLive false; rebuild(name) then
 * whenRebuilt(name), each alone, then all at once, each a new generation read from position 0 and
 * activated at the head). Baseline passes and rebuild passes alternate (B R B R … B), so drift in
 * the machine falls on both. Then a runner configured as the server's (rebuilds in worker
 * threads), and the CLI itself, in worker threads, in a child process.
 *
 * Queries: a bounded loop of sequential GETs over one keep-alive connection (node:http), each
 * endpoint in turn per round (order rotating), GET /api/health as the baseline in the same rounds,
 * sent by a load generator in a fresh process (bench/support/query-client.ts).
 *
 * Env: BENCH_PROJ_EVENTS (default 1000000), BENCH_PROJ_ROUNDS (rebuild passes, default 1),
 * BENCH_QUERY_ROUNDS (default 3), BENCH_QUERY_REQUESTS (per endpoint per round, default 100),
 * BENCH_QUERY_WARMUP_ROUNDS (unmeasured rounds before them, default 1),
 * BENCH_QUERY_BUDGET_MS (per endpoint per round, default 3000: a slow endpoint stops early),
 * BENCH_DATA_DIR (parent of the temp folder), BENCH_KEEP=1 keeps the copy.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { SystemClock } from '../src/clock/clock.js';
import { loadConfig } from '../src/config/config.js';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import { ProjectionRunner } from '../src/projections/projection-runner.js';
import { REGISTERED_PROJECTIONS } from '../src/projections/registered-projections.js';
import { SqliteProjectionStore } from '../src/projections/sqlite-projection-store.js';
import { workerBuilder } from '../src/projections/rebuild-worker.js';
import { type BenchMeasure, type BenchReport, type BenchTable, type BenchTarget, fileSystemOf, loadAverage, machine, measure, median } from './report.js';
import { domainStore, sampleIds } from './support/domain-store.js';
import { type QueryEndpoint, runQueryClient } from './support/query-client.js';
import { type PauseFigures, startServerChild } from './support/server.js';
import { MemorySampler, MiB, copyDatabase, seconds, summarise } from './support/stats.js';

const run = promisify(execFile);
const PAGE = 500; // the runner's default batch size, which is also its subscription's page size
const quiet = { log: () => undefined, warn: (m: string) => console.error(`warning: ${m}`), error: (m: string) => console.error(`error: ${m}`) };

async function readAllPass(store: SqliteEventStore): Promise<{ rate: number; count: number; seconds: number }> {
  let count = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let from = 1; ; ) {
    const page = await store.readAll({ fromPosition: from, limit: PAGE });
    if (page.length === 0) break;
    for (const event of page) if (event.data && event.metadata) sink += 1;
    count += page.length;
    from = page[page.length - 1]!.position + 1;
  }
  if (sink !== count) throw new Error('readAll lost events');
  const s = seconds(start);
  return { rate: count / s, count, seconds: s };
}

/** Each projection rebuilt alone, one after the other: seconds of each. */
async function rebuildEach(runner: ProjectionRunner): Promise<Record<string, number>> {
  const perProjection: Record<string, number> = {};
  for (const name of runner.names) {
    const t = process.hrtime.bigint();
    const status = await runner.rebuild(name);
    await runner.whenRebuilt(name, 20);
    await assertRebuilt(runner, name, status.rebuild?.error);
    perProjection[name] = seconds(t);
  }
  return perProjection;
}

/** Every projection rebuilt at once in this thread (the server's way with REBUILD_WORKERS=0): one read of the store feeds them all. */
async function rebuildAll(runner: ProjectionRunner): Promise<number> {
  const t = process.hrtime.bigint();
  await Promise.all(runner.names.map((name) => runner.rebuild(name)));
  for (const name of runner.names) {
    await runner.whenRebuilt(name, 20);
    await assertRebuilt(runner, name);
  }
  return seconds(t);
}

/** Every projection rebuilt at once by a runner configured as the server's (builds in worker threads): seconds. */
async function rebuildThroughWorkers(file: string, dataDir: string): Promise<number> {
  const events = new SqliteEventStore({ filename: file, busyTimeoutMs: 30_000 });
  const projections = SqliteProjectionStore.open(file, 30_000);
  const offThread = workerBuilder(loadConfig({ DATA_DIR: dataDir, EVENT_STORE: 'sqlite', NODE_ENV: 'test' }), REGISTERED_PROJECTIONS);
  if (!offThread) throw new Error('worker threads cannot run here (run the bench from dist)');
  const runner = new ProjectionRunner(events, projections, REGISTERED_PROJECTIONS, new SystemClock(), undefined, { offThread, autoRebuild: false, logger: quiet });
  try {
    await runner.start();
    return await rebuildAll(runner);
  } finally {
    await runner.stop();
    await projections.close();
    await events.close();
  }
}

/** Runs the compiled rebuild CLI on `dataDir`: wall seconds and how it split the projections. */
async function rebuildCli(dataDir: string): Promise<{ seconds: number; workers: string }> {
  const script = fileURLToPath(new URL('../src/cli/rebuild-projections.js', import.meta.url));
  const start = process.hrtime.bigint();
  const { stderr } = await run(process.execPath, ['--max-semi-space-size=64', script], { env: { ...process.env, DATA_DIR: dataDir, EVENT_STORE: 'sqlite' }, maxBuffer: 16 * 2 ** 20 });
  const elapsed = seconds(start);
  const switched = [...stderr.matchAll(/\n?([a-z-]+): generation \d+ is active at position \d+ \(([\d.]+) s\)/g)].map((m) => `${m[1]} ${m[2]} s`);
  return { seconds: elapsed, workers: switched.join(', ') };
}

async function assertRebuilt(runner: ProjectionRunner, name: string, error?: string | null): Promise<void> {
  const after = await runner.status(name);
  if (after.checkpoint !== after.head || after.rebuild) throw new Error(`${name}: rebuild ended at ${after.checkpoint} of ${after.head} (${error ?? after.rebuild?.error ?? ''})`);
}

/**
 * What the slow queries overlapped: the server's GC pauses of 1 ms or more, the load generator's
 * own GC pauses (its own process: bench/support/query-client.ts), or neither (the VM, the
 * scheduler). A request at or above SLOW_MS counts once, under the first that applies.
 */
const SLOW_MS = 3;
function pausesNote(server: PauseFigures, client: Array<{ at: number; ms: number }>, timeline: Array<{ at: number; ms: number }>): string {
  const overlaps = (pauses: Array<{ at: number; ms: number }>, r: { at: number; ms: number }) => pauses.some((p) => p.at < r.at + r.ms && p.at + p.ms > r.at);
  const slow = timeline.filter((r) => r.ms >= SLOW_MS);
  const serverGc = slow.filter((r) => overlaps(server.gcLog ?? [], r));
  const clientGc = slow.filter((r) => !overlaps(server.gcLog ?? [], r) && overlaps(client, r));
  const clientMs = client.reduce((sum, p) => sum + p.ms, 0);
  const clientMax = client.reduce((max, p) => Math.max(max, p.ms), 0);
  return (
    `during the measured queries (${timeline.length} requests): the server paused for GC ${server.gcPauses} times, ${server.gcTotalMs.toFixed(1)} ms in all, longest ${server.gcMaxMs.toFixed(2)} ms, its event loop's delay p99 ${server.loopDelayP99.toFixed(2)} ms; ` +
    `the load generator ${client.length} times, ${clientMs.toFixed(1)} ms, longest ${clientMax.toFixed(2)} ms; ` +
    `of the ${slow.length} requests that took ${SLOW_MS} ms or more, ${serverGc.length} overlapped a server GC pause of 1 ms or more, ${clientGc.length} (others) a load generator's GC pause, ${slow.length - serverGc.length - clientGc.length} neither`
  );
}

export async function runProjectionsBench(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const loadAtStart = loadAverage();
  const targetEvents = Number(process.env.BENCH_PROJ_EVENTS ?? 1_000_000);
  const rounds = Number(process.env.BENCH_PROJ_ROUNDS ?? 1);
  const queryRounds = Number(process.env.BENCH_QUERY_ROUNDS ?? 3);
  const queryRequests = Number(process.env.BENCH_QUERY_REQUESTS ?? 100);
  const warmupRounds = Number(process.env.BENCH_QUERY_WARMUP_ROUNDS ?? 1);
  const budgetMs = Number(process.env.BENCH_QUERY_BUDGET_MS ?? 3000);
  const notes: string[] = [];
  const measures: BenchMeasure[] = [];
  const tables: BenchTable[] = [];
  const targets: BenchTarget[] = [];
  const log = (m: string) => console.log(`  ${m}`);

  const source = await domainStore(targetEvents, log);
  notes.push(`store: ${source.description}${source.built ? `; generated in ${source.buildSeconds.toFixed(1)} s` : ' (cached)'} — ${source.file}`);
  const dir = mkdtempSync(join(process.env.BENCH_DATA_DIR ?? tmpdir(), 'proj-bench-'));
  try {
    const file = join(dir, 'events.db');
    copyDatabase(source.file, file);
    const ids = sampleIds(file);

    // --- rebuild vs readAll -------------------------------------------------------------------------
    const events = new SqliteEventStore({ filename: file, busyTimeoutMs: 30_000 });
    // As the server and the rebuild CLI open it (createProjectionStore): a connection of its own, synchronous=NORMAL.
    const projections = SqliteProjectionStore.open(file, 30_000);
    const runner = new ProjectionRunner(events, projections, REGISTERED_PROJECTIONS, new SystemClock(), undefined, {
      followLive: false,
      autoRebuild: false,
      watchdogIntervalMs: 60_000,
      stallAfterMs: 600_000,
      logger: quiet,
    });
    const head = await events.headPosition();
    const readRates: number[] = [];
    const rebuildRates: number[] = [];
    const perProjection: Record<string, number[]> = {};
    const readMemory = new MemorySampler();
    const rebuildMemory = new MemorySampler();
    const rssBefore = process.memoryUsage().rss;
    try {
      await runner.start();
      await readAllPass(events); // warm-up: page cache and JIT
      for (let round = 0; round <= rounds; round++) {
        log(`readAll pass ${round + 1}/${rounds + 1}…`);
        readMemory.start();
        const read = await readAllPass(events);
        readMemory.stop();
        if (read.count !== head) throw new Error(`readAll read ${read.count} of ${head}`);
        readRates.push(read.rate);
        if (round === rounds) break;
        log(`rebuild pass ${round + 1}/${rounds}: each alone (${runner.names.join(', ')}), then all at once…`);
        rebuildMemory.start();
        const each = await rebuildEach(runner);
        const all = await rebuildAll(runner);
        rebuildMemory.stop();
        rebuildRates.push(head / all);
        for (const [name, s] of Object.entries(each)) (perProjection[name] ??= []).push(head / s);
        log(`  ${Math.round(head / all)} events/s for all at once; alone: ${Object.entries(each).map(([n, s]) => `${n} ${Math.round(head / s)}/s`).join(', ')}`);
      }
    } finally {
      await runner.stop();
    }
    // Measures compare the subject (port column) with the baseline (raw column) of the same run.
    measures.push(
      measure('rebuild, all projections at once', 'events/s', rebuildRates, readRates, 0, `${REGISTERED_PROJECTIONS.length} projections fed by one read of the store, store events / seconds until the last switched`),
    );
    for (const [name, rates] of Object.entries(perProjection)) {
      measures.push(measure(`  rebuild ${name}`, 'events/s', rates, readRates, 0, 'store events / seconds of this projection'));
    }
    const docs = events.db
      .prepare('SELECT d.projection, COUNT(*) AS n, ROUND(AVG(LENGTH(d.doc))) AS avgBytes, MAX(LENGTH(d.doc)) AS maxBytes FROM projection_documents d GROUP BY d.projection')
      .all() as Array<{ projection: string; n: number; avgBytes: number; maxBytes: number }>;
    tables.push({
      title: 'memory (process, sampled every 50 ms)',
      columns: ['phase', 'peak RSS MiB', 'peak heap used MiB', 'peak external+buffers MiB'],
      rows: [
        ['before (store open)', MiB(rssBefore), '', ''],
        ['readAll passes', MiB(readMemory.peakRss), MiB(readMemory.peakHeapUsed), MiB(readMemory.peakExternal)],
        ['rebuild passes', MiB(rebuildMemory.peakRss), MiB(rebuildMemory.peakHeapUsed), MiB(rebuildMemory.peakExternal)],
      ],
    });
    tables.push({
      title: 'read-model documents after the rebuild',
      columns: ['projection', 'documents', 'avg bytes', 'max bytes'],
      rows: docs.map((d) => [d.projection, d.n, d.avgBytes, d.maxBytes]),
    });
    events.db.pragma('wal_checkpoint(TRUNCATE)');
    await projections.close();
    await events.close();
    const allRate = median(rebuildRates);
    targets.push({ name: 'rebuild, all projections at once', target: '≥ 50,000 events/s', measured: `${Math.round(allRate).toLocaleString('en-US')} events/s`, met: allRate >= 50_000 });

    // --- the server's runner: its rebuilds in worker threads (REBUILD_WORKERS, one per CPU) ----------
    log(`rebuild through the server's runner: all projections in up to ${availableParallelism()} worker thread(s)…`);
    const serverSide = await rebuildThroughWorkers(file, dir);
    measures.push(
      measure('rebuild, all at once, the server (worker threads)', 'events/s', [head / serverSide], readRates, 0, `POST /api/projections/{name}/rebuild for each: the runner's offThread builder (rebuild-worker.ts), ${availableParallelism()} workers`),
    );
    targets.push({ name: 'rebuild, all at once, the server (workers)', target: '≥ 50,000 events/s', measured: `${Math.round(head / serverSide).toLocaleString('en-US')} events/s`, met: head / serverSide >= 50_000 });

    // --- the rebuild CLI (worker threads, one per CPU), as an operator runs it -----------------------
    log(`rebuild CLI: all projections in ${availableParallelism()} worker thread(s)…`);
    const cli = await rebuildCli(dir);
    measures.push(
      measure('rebuild, all at once, npm run projections:rebuild', 'events/s', [head / cli.seconds], readRates, 0, `the CLI in a child process (${availableParallelism()} workers: ${cli.workers}), wall time from spawn to exit`),
    );
    targets.push({ name: 'rebuild, all at once, the CLI', target: '≥ 50,000 events/s', measured: `${Math.round(head / cli.seconds).toLocaleString('en-US')} events/s`, met: head / cli.seconds >= 50_000 });
    for (const [name, rates] of Object.entries(perProjection)) {
      const r = median(rates);
      targets.push({ name: `  rebuild ${name} alone`, target: '≥ 50,000 events/s', measured: `${Math.round(r).toLocaleString('en-US')} events/s`, met: r >= 50_000 });
    }

    // --- queries through HTTP -----------------------------------------------------------------------
    log('starting the app on the rebuilt store…');
    const serverStart = process.hrtime.bigint();
    // Logging as in production (a JSON line per request, to a stdout that goes nowhere).
    const server = await startServerChild({ DATA_DIR: dir, EVENT_STORE: 'sqlite' }, undefined, 'discarded');
    notes.push(`app start on the ${head.toLocaleString('en-US')}-event store (read models already built): ${seconds(serverStart).toFixed(1)} s`);
    try {
      const office = server.token('office');
      const auditor = server.token('auditor');
      const supervisor = server.token('supervisor');
      const admin = server.token('admin');
      const yearOf = (termId: string) => termId.slice(-4);
      const apps = ids.applications;
      const objected = apps.filter((a) => a.objected);
      const endpoints: QueryEndpoint[] = [
        { name: 'GET /api/health (baseline)', token: '', paths: ['/api/health'] },
        { name: 'quota  /terms/:id/quota', token: office, paths: ids.terms.map((t) => `/api/terms/${t.termId}/quota`) },
        {
          name: 'bans   /bans/:applicant?programmeId&termId',
          token: office,
          paths: ids.applicants.map((a) => `/api/bans/${a.id}?programmeId=${a.programmeId}&termId=${a.termId}`),
        },
        { name: 'audit  /applications/:id/history', token: auditor, paths: apps.map((a) => `/api/applications/${a.id}/history`) },
        { name: 'asOf   /applications/:id/history?asOf=', token: auditor, paths: apps.map((a) => `/api/applications/${a.id}/history?asOf=${yearOf(a.termId)}-05-20`) },
        { name: 'verify /applications/:id/history/verify', token: auditor, paths: apps.map((a) => `/api/applications/${a.id}/history/verify`) },
        { name: 'objections ?termId=', token: supervisor, paths: ids.terms.map((t) => `/api/objections?termId=${t.termId}`) },
        { name: 'objections ?programmeId=', token: supervisor, paths: ids.terms.map((t) => `/api/objections?programmeId=${t.programmeId}`) },
        { name: 'GET /api/projections', token: admin, paths: ['/api/projections'] },
      ];
      if (objected.length) {
        endpoints.splice(4, 0, { name: 'audit  (objected applications)', token: auditor, paths: objected.map((a) => `/api/applications/${a.id}/history`) });
      }
      const queries = await runQueryClient({ port: server.port, endpoints, rounds: queryRounds, requests: queryRequests, budgetMs, warmupRounds }, () => server.resetPauses());
      const samples = new Map<string, number[]>(Object.entries(queries.samples));
      const bytes = new Map<string, number>(Object.entries(queries.bytes));
      notes.push(pausesNote(await server.pauses(), queries.gc, queries.timeline));
      const health = summarise(samples.get(endpoints[0]!.name)!);
      tables.push({
        title: `query latency through HTTP (ms; sequential keep-alive GETs from a load generator in its own process, ${queryRounds} interleaved rounds after ${warmupRounds} unmeasured; ratios = endpoint / GET /api/health of the same rounds)`,
        columns: ['endpoint', 'requests', 'p50', 'p90', 'p99', 'max', 'p50 ratio', 'p99 ratio', 'largest answer (bytes)'],
        rows: endpoints.map((e) => {
          const s = summarise(samples.get(e.name)!);
          return [e.name, s.count, s.p50, s.p90, s.p99, s.max, `${(s.p50 / health.p50).toFixed(1)}×`, `${(s.p99 / health.p99).toFixed(1)}×`, bytes.get(e.name) ?? 0];
        }),
      });
      for (const e of endpoints.slice(1)) {
        const s = summarise(samples.get(e.name)!);
        targets.push({ name: `p99 ${e.name}`, target: '< 5 ms', measured: `${s.p99.toFixed(2)} ms (health p99 ${health.p99.toFixed(2)} ms)`, met: s.p99 < 5 });
      }
      const mem = await server.memory();
      notes.push(`server after the queries: RSS ${MiB(mem.rss)} MiB, heap used ${MiB(mem.heapUsed)} MiB`);
      notes.push(
        `query ids: ${ids.terms.length} terms, ${apps.length} applications spread over the store (every 997th submission plus the ${objected.length} with objections), their applicants`,
      );
    } finally {
      await server.stop();
    }
    notes.push(
      `rebuild rate = ${head.toLocaleString('en-US')} store events / wall time; alone: one projection's new generation from position 0 to its switch (its subscription filtered to the event types it handles); at once: every projection's new generation fed by one subscription (the union of their types), in one thread (the server with REBUILD_WORKERS=0); the server = a runner with the server's builder, each projection's rebuild in worker threads (rebuild-worker.ts); the CLI = npm run projections:rebuild, its projections spread over worker threads (src/projections/rebuild-partition.ts), each worker one read for its own; readAll baseline = the port's readAll in pages of ${PAGE} with JSON.parse of data and metadata, ${rounds + 1} passes interleaved with ${rounds} rebuild passes; projection store on its own connection (synchronous=NORMAL), as the server and the CLI open it`,
    );
    return {
      name: 'projections',
      startedAt,
      durationMs: performance.now() - t0,
      machine: machine(),
      dataDir: dir,
      fileSystem: fileSystemOf(dir),
      loadAverage: { start: loadAtStart, end: loadAverage() },
      measures,
      notes,
      tables,
      targets,
    };
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}
