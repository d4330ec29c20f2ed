/**
 * A command's cost must not grow with the size of the store: the same commands through the
 * AwardService (the real SqliteEventStore, durable pragmas, opened as the server opens it: fsyncs in
 * libuv's pool, WAL checkpoints in a worker thread) on a store of ~10,000 events and on the
 * ~1,000,000-event store of the projections bench (bench/.cache/, same generator, so the same
 * shape of streams), command by command in turn (the order alternating), so the disk's fsync
 * latency and the machine's load fall on both.
 *
 * Per iteration, on each store: submit an application to a new term (chaoyang-mayor-2027, opened
 * at the start), one review step of an application submitted earlier (recommend … candidate), and
 * the withdrawal of an old candidate application generated into the store (a stream among
 * a million events). Memory: the process's RSS and heap after a warm-up on each store alone.
 *
 * Env: BENCH_GROWTH_SMALL (default 10000), BENCH_GROWTH_LARGE (default 1000000: reuses the
 * projections bench's cache, or generates it), BENCH_GROWTH_ITERATIONS (default 1000), BENCH_DATA_DIR.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ManualClock } from '../src/clock/clock.js';
import { SERVER_SQLITE_OPTIONS } from '../src/event-store/create-event-store.js';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import type { AwardService, ApplicationCommandInput } from '../src/awards/award.service.js';
import { ctx, declaration, makeService, policies } from '../src/awards/test-support.js';
import { withUsccCheck } from '../workflows/identifiers/index.js';
import { type BenchMeasure, type BenchReport, type BenchTable, type BenchTarget, fileSystemOf, loadAverage, machine } from './report.js';
import { domainStore } from './support/domain-store.js';
import { MiB, copyDatabase, summarise } from './support/stats.js';

const PROGRAMME = 'chaoyang-mayor';
const YEAR = 2027;
const TERM = `${PROGRAMME}-${YEAR}`;
const SCORES = { leadership: 95, strategy: 75, customersAndMarket: 72, resources: 110, processManagement: 85, measurementAnalysisImprovement: 66, results: 330 };
const REVIEWS = [
  { reviewerId: 'expert-001', recused: false, scores: SCORES },
  { reviewerId: 'expert-003', recused: false, scores: { ...SCORES, results: 350 } },
];
const STEP_INPUTS: Record<string, ApplicationCommandInput> = {
  recommend: { type: 'recommend', opinion: '同意推荐' },
  'qualification-review': { type: 'qualification-review', outcome: 'accepted' },
  'materials-review': { type: 'materials-review', reviews: REVIEWS } as ApplicationCommandInput,
  shortlist: { type: 'shortlist' },
  'on-site-review': { type: 'on-site-review', reviews: REVIEWS } as ApplicationCommandInput,
  'oral-defence': { type: 'oral-defence', outcome: '答辩通过' },
  candidate: { type: 'candidate', rank: 1 },
};
type Kind = 'submit' | 'review step' | 'withdraw (old stream)';
const KINDS: Kind[] = ['submit', 'review step', 'withdraw (old stream)'];

interface Side {
  label: string;
  events: number;
  fileBytes: number;
  store: SqliteEventStore;
  service: AwardService;
  pending: Array<{ id: string; step: number }>;
  oldCandidates: string[];
  applicant: number;
  samples: Record<Kind, number[]>;
}

async function open(label: string, file: string, events: number): Promise<Side> {
  const store = new SqliteEventStore({ filename: file, ...SERVER_SQLITE_OPTIONS });
  const clock = new ManualClock(`${YEAR}-03-16T02:00:00Z`);
  const { service } = makeService(clock, store);
  await service.openTerm(PROGRAMME, { year: YEAR, noticeDate: `${YEAR}-03-01`, applicationDeadline: `${YEAR}-04-30` }, ctx(`${YEAR}-03-01`));
  // Candidates generated into the store (last event CandidateListed), spread over it.
  const oldCandidates = (
    store.db
      .prepare("SELECT e.stream_id FROM streams s JOIN events e ON e.stream_id = s.stream_id AND e.revision = s.revision WHERE e.type = 'CandidateListed' ORDER BY e.position")
      .pluck()
      .all() as string[]
  ).map((s) => s.slice('application-'.length));
  const spread = oldCandidates.filter((_, i) => i % Math.max(1, Math.floor(oldCandidates.length / 2000)) === 0);
  return {
    label,
    events,
    fileBytes: statSync(file).size,
    store,
    service,
    pending: [],
    oldCandidates: spread,
    applicant: 0,
    samples: { submit: [], 'review step': [], 'withdraw (old stream)': [] },
  };
}

const policy = policies.inForce(PROGRAMME, `${YEAR}-03-01`);

async function timed(side: Side, kind: Kind, work: () => Promise<unknown>, record: boolean): Promise<void> {
  const start = performance.now();
  await work();
  if (record) side.samples[kind].push(performance.now() - start);
}

/** One iteration on one side: a submission, a review step, a withdrawal. */
async function iteration(side: Side, record: boolean): Promise<void> {
  const n = ++side.applicant;
  const input = {
    termId: TERM,
    applicant: { kind: 'organisation' as const, id: withUsccCheck(`91440300${String(n).padStart(9, '0')}`), name: `增长测试企业${n}` },
    channel: { kind: 'county' as const, recommender: '双塔区市场监督管理局' },
    declaration: declaration(policy),
  };
  await timed(side, 'submit', async () => side.pending.push({ id: (await side.service.submitApplication(input, ctx())).id, step: 0 }), record);
  const app = side.pending.shift();
  if (app) {
    const view = await side.service.getApplication(app.id);
    const next = Object.keys(STEP_INPUTS).find((c) => view.acceptedCommands.includes(c));
    if (next) {
      await timed(side, 'review step', () => side.service.applicationCommand(app.id, STEP_INPUTS[next]!, ctx()), record);
      side.pending.push(app);
    }
  }
  const old = side.oldCandidates.shift();
  if (old) await timed(side, 'withdraw (old stream)', () => side.service.applicationCommand(old, { type: 'withdraw', reason: '企业主动申请撤回' }, ctx()), record);
}

export async function runGrowthBench(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const loadAtStart = loadAverage();
  const smallN = Number(process.env.BENCH_GROWTH_SMALL ?? 10_000);
  const largeN = Number(process.env.BENCH_GROWTH_LARGE ?? 1_000_000);
  const iterations = Number(process.env.BENCH_GROWTH_ITERATIONS ?? 1000);
  const log = (m: string) => console.log(`  ${m}`);
  const notes: string[] = [];
  const measures: BenchMeasure[] = [];
  const tables: BenchTable[] = [];
  const targets: BenchTarget[] = [];
  const dir = mkdtempSync(join(process.env.BENCH_DATA_DIR ?? tmpdir(), 'growth-bench-'));
  const sides: Side[] = [];
  try {
    const small = await domainStore(smallN, log);
    const large = await domainStore(largeN, log);
    copyDatabase(small.file, join(dir, 'small.db'));
    copyDatabase(large.file, join(dir, 'large.db'));
    const memory: BenchTable['rows'] = [['start', MiB(process.memoryUsage().rss), MiB(process.memoryUsage().heapUsed)]];
    // Memory: each store alone, warmed up with 50 iterations (not recorded).
    for (const [label, file, events] of [
      ['small', join(dir, 'small.db'), small.events],
      ['large', join(dir, 'large.db'), large.events],
    ] as const) {
      const side = await open(`${events.toLocaleString('en-US')} events`, file, events);
      for (let i = 0; i < 50; i++) await iteration(side, false);
      const m = process.memoryUsage();
      memory.push([`after opening the ${label} store + 50 iterations`, MiB(m.rss), MiB(m.heapUsed)]);
      sides.push(side);
    }
    const [a, b] = sides as [Side, Side];
    for (let i = 0; i < iterations; i++) {
      for (const side of i % 2 === 0 ? [a, b] : [b, a]) await iteration(side, true);
    }
    const m = process.memoryUsage();
    memory.push([`after ${iterations} interleaved iterations on both`, MiB(m.rss), MiB(m.heapUsed)]);
    const rows: BenchTable['rows'] = [];
    for (const kind of KINDS) {
      const sa = summarise(a.samples[kind]);
      const sb = summarise(b.samples[kind]);
      rows.push([kind, sa.count, sa.p50, sa.p99, sb.count, sb.p50, sb.p99, `${(sb.p50 / sa.p50).toFixed(2)}×`, `${(sb.p99 / sa.p99).toFixed(2)}×`]);
    }
    // Same number of each kind on both sides (the small store has fewer old candidates to withdraw).
    const all = (s: Side) => KINDS.flatMap((k) => s.samples[k].slice(0, Math.min(a.samples[k].length, b.samples[k].length)));
    const sa = summarise(all(a));
    const sb = summarise(all(b));
    rows.push(['all commands (equal counts per kind)', sa.count, sa.p50, sa.p99, sb.count, sb.p50, sb.p99, `${(sb.p50 / sa.p50).toFixed(2)}×`, `${(sb.p99 / sa.p99).toFixed(2)}×`]);
    tables.push({
      title: `command latency through the AwardService (ms), ${a.label} (${MiB(a.fileBytes)} MiB file) vs ${b.label} (${MiB(b.fileBytes)} MiB file); ratio = large / small`,
      columns: ['command', 'n small', 'p50 small', 'p99 small', 'n large', 'p50 large', 'p99 large', 'p50 ratio', 'p99 ratio'],
      rows,
    });
    tables.push({ title: 'memory of this process (MiB)', columns: ['when', 'RSS', 'heap used'], rows: memory });
    const p50Ratio = sb.p50 / sa.p50;
    targets.push({ name: 'command p50 does not grow with the store (large/small)', target: '≈ 1× (≤ 1.25×)', measured: `${p50Ratio.toFixed(2)}× (${sa.p50.toFixed(2)} → ${sb.p50.toFixed(2)} ms)`, met: p50Ratio <= 1.25 });
    targets.push({ name: 'command p99 does not grow with the store (large/small)', target: '≈ 1× (≤ 1.5×)', measured: `${(sb.p99 / sa.p99).toFixed(2)}× (${sa.p99.toFixed(2)} → ${sb.p99.toFixed(2)} ms)`, met: sb.p99 / sa.p99 <= 1.5 });
    notes.push(
      `stores: ${small.description}; ${large.description}`,
      `each command: read its streams (indexed by stream id), fold, decide, one appendMultiple (BEGIN IMMEDIATE, WAL; acknowledged once the WAL is fsynced, in libuv's pool: one fsync per command; WAL checkpoints in a worker thread, as the server opens the store), then the service re-reads the stream for its answer; ${iterations} iterations per store, alternating which store goes first`,
    );
  } finally {
    for (const side of sides) await side.store.close();
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
  return {
    name: 'growth',
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
