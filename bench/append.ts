/**
 * Append and replay throughput of the embedded SQLite store, through the port against raw
 * better-sqlite3 doing the same database work, on a temp data folder with the adapter's own
 * pragmas (WAL, synchronous=FULL). Port and raw runs are interleaved, alternating which goes first,
 * so drift in the machine (fsync latency, page cache, other load) falls on both; medians compared.
 *
 * Env: BENCH_DATA_DIR (parent folder of the temp data folder; default the OS temp dir, which
 * must be a real disk for the fsync figures to mean anything), BENCH_ROUNDS (default 5),
 * BENCH_REPLAY_EVENTS (default 200000), BENCH_KEEP=1 keeps the databases.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ExpectedRevision, NewEvent } from '../src/event-store/event-store.port.js';
import { GENESIS_HASH, chainHash, hashableEvent } from '../src/event-store/hash.js';
import { SQLITE_SCHEMA, SqliteEventStore, configureDurableSqlite } from '../src/event-store/sqlite/sqlite-event-store.js';
import { type BenchMeasure, type BenchReport, fileSystemOf, loadAverage, machine, measure } from './report.js';

const TARGET = 0.7;
const STREAMS = 20;
const SINGLE_APPENDS = 2000;
const BATCH_SIZE = 100;
const BATCH_APPENDS = 200;
const REPLAY_PAGE = 1000;
/** Detail of the rows that only give context (no target). */
const SERIALISING = 'no target, context: raw JSON.stringifies data and metadata in the timed loop, as any insert of event objects must';

/** One append of the plan, with what the raw side inserts precomputed outside the timed loop. */
interface PlannedAppend {
  streamId: string;
  expectedRevision: ExpectedRevision;
  events: NewEvent[];
  rows: Array<[string, number, string, string, string, string, string]>;
}

function fixtureEvent(i: number): NewEvent {
  return {
    id: randomUUID(),
    type: 'ApplicationScoreRecorded',
    data: {
      applicationId: `app-${i % 997}`,
      enterprise: '杭州某某精密制造股份有限公司',
      category: '制造业',
      round: 2,
      score: 80 + (i % 200) / 10,
      reviewers: ['张伟', '李娜', '王芳'],
      comment: '质量管理体系完善，创新能力突出，建议进入现场评审。',
    },
    metadata: {
      actor: { sub: 'u-42', name: '评审办公室', roles: ['office', 'reviewer'] },
      occurredAt: '2025-03-01',
      recordedAt: '2025-03-01T02:00:00.000Z',
      commandId: randomUUID(),
      correlationId: randomUUID(),
      causationId: randomUUID(),
      schemaVersion: 1,
    },
  };
}

/**
 * `appends` appends of `perAppend` events, round-robin over the streams; with `rows`, also the raw
 * side's rows, hashes chained as the adapter does.
 */
function plan(appends: number, perAppend: number, streams = STREAMS, rows = true): PlannedAppend[] {
  const heads = new Map<string, { revision: number; hash: string }>();
  let n = 0;
  return Array.from({ length: appends }, (_, a) => {
    const streamId = `bench-${a % streams}`;
    const head = heads.get(streamId);
    let revision = head?.revision ?? -1;
    let hash = head?.hash ?? GENESIS_HASH;
    const events = Array.from({ length: perAppend }, () => fixtureEvent(n++));
    const planned = events.flatMap((event) => {
      revision += 1;
      if (!rows) return [];
      hash = chainHash(hash, hashableEvent(event, streamId, revision));
      return [[streamId, revision, event.id, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), hash] as PlannedAppend['rows'][number]];
    });
    heads.set(streamId, { revision, hash });
    return { streamId, expectedRevision: head ? head.revision : 'no_stream', events, rows: planned };
  });
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/** One side of a comparison: runs the plan from its own cursor, a slice at a time. */
interface Side {
  run(appends: PlannedAppend[]): Promise<void> | void;
  hashes(): string[];
  close(): Promise<void> | void;
}

function portSide(file: string): Side {
  const store = new SqliteEventStore({ filename: file });
  return {
    async run(appends) {
      for (const a of appends) await store.append(a.streamId, a.events, { expectedRevision: a.expectedRevision });
    },
    hashes: () => store.db.prepare('SELECT hash FROM events ORDER BY position').pluck().all() as string[],
    close: () => store.close(),
  };
}

/**
 * The same rows with better-sqlite3 alone: pre-serialised, hash precomputed, one transaction per
 * append. `sameSql` also runs the adapter's other statements (stream head and event-id lookups,
 * streams upsert), which splits the port's overhead into database work and JavaScript work.
 * `serialising` instead writes data and metadata with JSON.stringify inside the timed loop, as
 * any insert of event objects must (hash still precomputed): context only, not the baseline.
 */
function rawSide(file: string, mode: 'rows' | 'sameSql' | 'serialising'): Side {
  const sameSql = mode === 'sameSql';
  const db = new Database(file);
  configureDurableSqlite(db);
  db.exec(SQLITE_SCHEMA);
  const insert = db.prepare(
    'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const streamHead = db.prepare('SELECT revision, hash FROM streams WHERE stream_id = ?');
  const findEvent = db.prepare('SELECT revision FROM events WHERE stream_id = ? AND event_id = ?');
  const upsertStream = db.prepare(
    'INSERT INTO streams (stream_id, revision, hash) VALUES (?, ?, ?) ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, hash = excluded.hash',
  );
  // BEGIN IMMEDIATE like the adapter, so the lock mode is not part of the difference.
  const write = db.transaction((rows: PlannedAppend['rows']) => {
    if (sameSql) {
      streamHead.get(rows[0]![0]);
      for (const row of rows) findEvent.get(row[0], row[2]);
    }
    for (const row of rows) insert.run(...row);
    if (sameSql) upsertStream.run(rows[0]![0], rows.at(-1)![1], rows.at(-1)![6]);
  });
  const serialise = db.transaction(({ events, rows }: PlannedAppend) => {
    events.forEach((event, i) => {
      const [streamId, revision, , , , , hash] = rows[i]!;
      insert.run(streamId, revision, event.id, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), hash);
    });
  });
  return {
    run(appends) {
      for (const a of appends) {
        if (mode === 'serialising') serialise.immediate(a);
        else write.immediate(a.rows);
      }
    },
    hashes: () => db.prepare('SELECT hash FROM events ORDER BY position').pluck().all() as string[],
    close: () => void db.close(),
  };
}

type SideName = 'port' | 'raw' | 'rawSameSql' | 'rawSerialising';

/**
 * Each side writes the whole plan into its own file, in `rounds` equal slices taken in turn (the
 * order rotating every round), so drift in the machine — the disk's fsync latency above all —
 * falls on all of them. One rate per slice; the medians are compared.
 */
async function compareAppends(dir: string, label: string, appends: PlannedAppend[], rounds: number): Promise<Record<SideName, number[]>> {
  const sides: Record<SideName, Side> = {
    port: portSide(join(dir, `${label}-port.db`)),
    raw: rawSide(join(dir, `${label}-raw.db`), 'rows'),
    rawSameSql: rawSide(join(dir, `${label}-raw-same-sql.db`), 'sameSql'),
    rawSerialising: rawSide(join(dir, `${label}-raw-serialising.db`), 'serialising'),
  };
  const names = Object.keys(sides) as SideName[];
  const rates: Record<SideName, number[]> = { port: [], raw: [], rawSameSql: [], rawSerialising: [] };
  const slice = Math.ceil(appends.length / rounds);
  try {
    for (let round = 0; round < rounds; round++) {
      const part = appends.slice(round * slice, (round + 1) * slice);
      const events = part.reduce((n, a) => n + a.events.length, 0);
      const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
      if (round % 2 === 1) order.reverse();
      for (const name of order) {
        const start = process.hrtime.bigint();
        await sides[name].run(part);
        rates[name].push(events / seconds(start));
      }
    }
    // Same rows: the adapter computed exactly the hashes the raw sides were given.
    const expected = sides.port.hashes();
    for (const name of ['raw', 'rawSameSql', 'rawSerialising'] as const) {
      const actual = sides[name].hashes();
      if (actual.length !== expected.length || actual.some((hash, i) => hash !== expected[i])) {
        throw new Error(`${label}: port and ${name} did not write the same rows`);
      }
    }
  } finally {
    for (const side of Object.values(sides)) await side.close();
  }
  return rates;
}

/** CPU cost of the hash chain alone (canonical JSON + SHA-256), to explain the batched ratio. */
function hashMicrosPerEvent(appends: PlannedAppend[]): number {
  const events = appends.flatMap((a) => a.events);
  const start = process.hrtime.bigint();
  let hash = GENESIS_HASH;
  events.forEach((event, i) => (hash = chainHash(hash, hashableEvent(event, 'x', i))));
  return (seconds(start) * 1e6) / events.length;
}

/** Builds the replay database through the port (so it is exactly what the adapter stores). */
async function buildReplayDb(file: string, events: number): Promise<void> {
  const store = new SqliteEventStore({ filename: file });
  const perAppend = 1000;
  const appends = plan(Math.ceil(events / perAppend), perAppend, 200, false);
  for (const append of appends) await store.append(append.streamId, append.events, { expectedRevision: append.expectedRevision });
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  await store.close();
}

async function portReplay(store: SqliteEventStore): Promise<{ rate: number; count: number }> {
  let count = 0;
  let from = 1;
  const start = process.hrtime.bigint();
  for (;;) {
    const page = await store.readAll({ fromPosition: from, limit: REPLAY_PAGE });
    if (page.length === 0) break;
    count += page.length;
    from = page[page.length - 1]!.position + 1;
  }
  return { rate: count / seconds(start), count };
}

/** Same query and page size, rows parsed but not mapped to StoredEvent. */
function rawReplay(db: Database.Database): { rate: number; count: number } {
  const select = db.prepare<[number, number], { position: number; data: string; metadata: string }>(
    'SELECT position, stream_id, revision, event_id, type, data, metadata, hash FROM events WHERE position >= ? ORDER BY position LIMIT ?',
  );
  let count = 0;
  let from = 1;
  let sink = 0;
  const start = process.hrtime.bigint();
  for (;;) {
    const rows = select.all(from, REPLAY_PAGE);
    if (rows.length === 0) break;
    for (const row of rows) {
      const data = JSON.parse(row.data) as object;
      const metadata = JSON.parse(row.metadata) as object;
      if (data && metadata) sink += 1; // keeps the parse from being optimised away
    }
    count += rows.length;
    from = rows[rows.length - 1]!.position + 1;
  }
  if (sink !== count) throw new Error('raw replay lost rows');
  return { rate: count / seconds(start), count };
}

export async function runAppendBench(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const loadAtStart = loadAverage();
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const replayEvents = Number(process.env.BENCH_REPLAY_EVENTS ?? 200_000);
  const dir = mkdtempSync(join(process.env.BENCH_DATA_DIR ?? tmpdir(), 'es-bench-'));
  const notes: string[] = [];
  const measures: BenchMeasure[] = [];
  try {
    const singles = plan(SINGLE_APPENDS, 1);
    const batches = plan(BATCH_APPENDS, BATCH_SIZE);

    // Warm-up (JIT, statement caches, the disk's first fsyncs), not measured.
    await compareAppends(dir, 'warmup-single', plan(200, 1), 2);
    await compareAppends(dir, 'warmup-batch', plan(10, BATCH_SIZE), 2);

    const single = await compareAppends(dir, 'single', singles, rounds);
    measures.push(
      measure('single-event appends', 'events/s', single.port, single.raw, TARGET, 'one event per append, one transaction each'),
      measure('  same, raw with adapter SQL', 'events/s', single.port, single.rawSameSql, TARGET, 'raw also runs the lookups and streams upsert'),
      measure('  same, raw serialising', 'events/s', single.port, single.rawSerialising, 0, SERIALISING),
    );
    const batched = await compareAppends(dir, 'batch', batches, rounds);
    measures.push(
      measure(`${BATCH_SIZE}-event appends`, 'events/s', batched.port, batched.raw, TARGET, `${BATCH_SIZE} events per append/transaction`),
      measure('  same, raw with adapter SQL', 'events/s', batched.port, batched.rawSameSql, TARGET, 'raw also runs the lookups and streams upsert'),
      measure('  same, raw serialising', 'events/s', batched.port, batched.rawSerialising, 0, SERIALISING),
    );

    const replayFile = join(dir, 'replay.db');
    const buildStart = process.hrtime.bigint();
    await buildReplayDb(replayFile, replayEvents);
    notes.push(`replay database: ${replayEvents.toLocaleString('en-US')} events built through the port in ${seconds(buildStart).toFixed(1)} s (1000 per append)`);
    const store = new SqliteEventStore({ filename: replayFile });
    const db = new Database(replayFile);
    configureDurableSqlite(db);
    try {
      await portReplay(store); // warm-up: page cache and JIT for both
      rawReplay(db);
      const port: number[] = [];
      const raw: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? ['port', 'raw'] : ['raw', 'port'];
        for (const side of order) {
          const result = side === 'port' ? await portReplay(store) : rawReplay(db);
          if (result.count !== replayEvents) throw new Error(`${side} replay read ${result.count} of ${replayEvents}`);
          (side === 'port' ? port : raw).push(result.rate);
        }
      }
      measures.push(
        measure('readAll replay', 'events/s', port, raw, TARGET, `${replayEvents} events, pages of ${REPLAY_PAGE}; raw = same SELECT + JSON.parse`),
      );
    } finally {
      await store.close();
      db.close();
    }
    notes.push(
      `raw appends insert only the events row (no streams upsert, no revision/idempotency lookups, no hashing or serialising), so port/raw counts the port's whole overhead; the 'raw with adapter SQL' rows run the adapter's statements too, leaving only its JavaScript work (hashing, JSON, promise) in the ratio; the 'raw serialising' rows (context, no target) JSON.stringify data and metadata inside the timed loop, as an insert of event objects must`,
      `appends: ${SINGLE_APPENDS} single / ${BATCH_APPENDS}×${BATCH_SIZE} batched per side, over ${STREAMS} streams, in ${rounds} interleaved slices; replay: ${rounds} interleaved passes; medians compared`,
      `hash chain alone (canonicalJson + SHA-256): ${hashMicrosPerEvent(batches.slice(0, 50)).toFixed(1)} µs/event on this machine`,
    );
    return {
      name: 'append',
      startedAt,
      durationMs: performance.now() - t0,
      machine: machine(),
      dataDir: dir,
      fileSystem: fileSystemOf(dir),
      loadAverage: { start: loadAtStart, end: loadAverage() },
      measures,
      notes,
    };
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}
