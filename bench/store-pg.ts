/**
 * Append and replay throughput of the PostgreSQL adapter through the port, beside bare `pg` doing
 * the same inserts into a table of the same shape (a second schema migrated with the adapter's own
 * migrations), in the same run: single-event appends (one transaction each), 100-event appends,
 * and readAll replay against the same SELECT + JSON.parse with pg alone. Sides are interleaved in
 * slices, alternating which goes first; medians compared. Both schemas are dropped afterwards.
 *
 * The raw side inserts the events rows only (positions, revisions and hashes precomputed, one
 * BEGIN/INSERT/COMMIT per append, multi-row INSERT for a batch); the port also locks the stream
 * heads, checks revisions and idempotency, takes positions from the counter and updates the heads,
 * so port/raw is the adapter's whole overhead.
 *
 * Env: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_ROUNDS (default 5),
 * BENCH_PG_SINGLE (single appends per side, default 1000), BENCH_PG_BATCHES (100-event appends per
 * side, default 100), BENCH_PG_REPLAY_EVENTS (default 100000).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { NewEvent } from '../src/event-store/event-store.port.js';
import { GENESIS_HASH, chainHash, hashableEvent } from '../src/event-store/hash.js';
import { EVENT_STORE_MIGRATIONS, runMigrations } from '../src/event-store/postgres/migrations.js';
import { PostgresEventStore } from '../src/event-store/postgres/postgres-event-store.js';
import { type BenchMeasure, type BenchReport, loadAverage, machine, measure } from './report.js';
import { seconds } from './support/stats.js';

const TARGET = 0.7;
const STREAMS = 20;
const REPLAY_PAGE = 1000;

type Row = [number, string, number, string, string, string, string, string];
interface Planned {
  streamId: string;
  expectedRevision: number | 'no_stream';
  events: NewEvent[];
  rows: Row[];
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

/** `appends` appends of `perAppend` events round-robin over the streams, rows numbered from position 1. */
function plan(appends: number, perAppend: number, streams = STREAMS): Planned[] {
  const heads = new Map<string, { revision: number; hash: string }>();
  let n = 0;
  let position = 0;
  return Array.from({ length: appends }, (_, a) => {
    const streamId = `bench-${a % streams}`;
    const head = heads.get(streamId);
    let revision = head?.revision ?? -1;
    let hash = head?.hash ?? GENESIS_HASH;
    const events = Array.from({ length: perAppend }, () => fixtureEvent(n++));
    const rows = events.map((event): Row => {
      revision += 1;
      hash = chainHash(hash, hashableEvent(event, streamId, revision));
      return [++position, streamId, revision, event.id, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), hash];
    });
    heads.set(streamId, { revision, hash });
    return { streamId, expectedRevision: head ? head.revision : 'no_stream', events, rows };
  });
}

const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, hash';
const insertSql = (schema: string, rows: number) =>
  `INSERT INTO "${schema}".events (${COLUMNS}) VALUES ${Array.from({ length: rows }, (_, r) => `(${Array.from({ length: 8 }, (_, c) => `$${r * 8 + c + 1}`).join(', ')})`).join(', ')}`;

interface Side {
  run(appends: Planned[]): Promise<void>;
  hashes(): Promise<string[]>;
}

function portSide(store: PostgresEventStore, pool: pg.Pool, schema: string): Side {
  return {
    async run(appends) {
      for (const a of appends) await store.append(a.streamId, a.events, { expectedRevision: a.expectedRevision });
    },
    hashes: async () => (await pool.query<{ hash: string }>(`SELECT hash FROM "${schema}".events ORDER BY position`)).rows.map((r) => r.hash),
  };
}

function rawSide(pool: pg.Pool, schema: string): Side {
  return {
    async run(appends) {
      const client = await pool.connect();
      try {
        for (const a of appends) {
          await client.query('BEGIN');
          await client.query(insertSql(schema, a.rows.length), a.rows.flat());
          await client.query('COMMIT');
        }
      } finally {
        client.release();
      }
    },
    hashes: async () => (await pool.query<{ hash: string }>(`SELECT hash FROM "${schema}".events ORDER BY position`)).rows.map((r) => r.hash),
  };
}

async function compare(port: Side, raw: Side, appends: Planned[], rounds: number): Promise<{ port: number[]; raw: number[] }> {
  const rates = { port: [] as number[], raw: [] as number[] };
  const slice = Math.ceil(appends.length / rounds);
  for (let round = 0; round < rounds; round++) {
    const part = appends.slice(round * slice, (round + 1) * slice);
    const events = part.reduce((n, a) => n + a.events.length, 0);
    for (const name of round % 2 === 0 ? (['port', 'raw'] as const) : (['raw', 'port'] as const)) {
      const start = process.hrtime.bigint();
      await (name === 'port' ? port : raw).run(part);
      rates[name].push(events / seconds(start));
    }
  }
  const [a, b] = await Promise.all([port.hashes(), raw.hashes()]);
  if (a.length !== b.length || a.some((h, i) => h !== b[i])) throw new Error('port and raw did not write the same rows');
  return rates;
}

export async function runStorePgBench(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const loadAtStart = loadAverage();
  const url = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const singles = Number(process.env.BENCH_PG_SINGLE ?? 1000);
  const batches = Number(process.env.BENCH_PG_BATCHES ?? 100);
  const replayEvents = Number(process.env.BENCH_PG_REPLAY_EVENTS ?? 100_000);
  const suffix = randomBytes(5).toString('hex');
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const schemas: string[] = [];
  const measures: BenchMeasure[] = [];
  const notes: string[] = [];
  const stores: PostgresEventStore[] = [];
  let serverVersion = '';
  /** A port store and a raw schema of the same shape, fresh. */
  const pair = async (label: string) => {
    const portSchema = `bench_pg_${label}_port_${suffix}`;
    const rawSchema = `bench_pg_${label}_raw_${suffix}`;
    schemas.push(portSchema, rawSchema);
    const store = await PostgresEventStore.open({ connectionString: url, schema: portSchema, maxConnections: 2 });
    stores.push(store);
    await runMigrations(pool, rawSchema, EVENT_STORE_MIGRATIONS);
    return { store, port: portSide(store, pool, portSchema), raw: rawSide(pool, rawSchema), rawSchema, portSchema };
  };
  try {
    serverVersion = (await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
    const sync = (await pool.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s")).rows[0]!.s;
    const fsync = (await pool.query<{ s: string }>("SELECT current_setting('fsync') AS s")).rows[0]!.s;
    notes.push(`PostgreSQL ${serverVersion} at ${url.replace(/\/\/[^@]*@/, '//')} (synchronous_commit=${sync}, fsync=${fsync}); schemas *_${suffix} dropped afterwards`);

    const warm = await pair('warm');
    await compare(warm.port, warm.raw, plan(100, 1), 2);

    const single = await pair('single');
    const s = await compare(single.port, single.raw, plan(singles, 1), rounds);
    measures.push(measure('single-event appends', 'events/s', s.port, s.raw, TARGET, 'one event per append, one transaction each'));
    const batch = await pair('batch');
    const b = await compare(batch.port, batch.raw, plan(batches, 100), rounds);
    measures.push(measure('100-event appends', 'events/s', b.port, b.raw, TARGET, '100 events per append/transaction'));

    // Replay: built through the port in appends of 1000 (exactly what the adapter stores).
    const replay = await pair('replay');
    const buildStart = process.hrtime.bigint();
    for (const a of plan(Math.ceil(replayEvents / 1000), 1000, 200)) {
      await replay.store.append(a.streamId, a.events, { expectedRevision: a.expectedRevision });
    }
    notes.push(`replay table: ${replayEvents.toLocaleString('en-US')} events built through the port in ${seconds(buildStart).toFixed(1)} s (1000 per append)`);
    const portReplay = async () => {
      let count = 0;
      const start = process.hrtime.bigint();
      for (let from = 1; ; ) {
        const page = await replay.store.readAll({ fromPosition: from, limit: REPLAY_PAGE });
        if (page.length === 0) break;
        count += page.length;
        from = page.at(-1)!.position + 1;
      }
      return { rate: count / seconds(start), count };
    };
    const select = `SELECT ${COLUMNS} FROM "${replay.portSchema}".events WHERE position >= $1 ORDER BY position LIMIT $2`;
    const rawReplay = async () => {
      let count = 0;
      let sink = 0;
      const start = process.hrtime.bigint();
      for (let from = 1; ; ) {
        const { rows } = await pool.query<{ position: string; data: string; metadata: string }>(select, [from, REPLAY_PAGE]);
        if (rows.length === 0) break;
        for (const row of rows) if (JSON.parse(row.data) && JSON.parse(row.metadata)) sink += 1;
        count += rows.length;
        from = Number(rows.at(-1)!.position) + 1;
      }
      if (sink !== count) throw new Error('raw replay lost rows');
      return { rate: count / seconds(start), count };
    };
    await portReplay();
    await rawReplay();
    const port: number[] = [];
    const raw: number[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? ['port', 'raw'] : ['raw', 'port']) {
        const r = side === 'port' ? await portReplay() : await rawReplay();
        if (r.count !== replayEvents) throw new Error(`${side} replay read ${r.count} of ${replayEvents}`);
        (side === 'port' ? port : raw).push(r.rate);
      }
    }
    measures.push(measure('readAll replay', 'events/s', port, raw, TARGET, `${replayEvents} events, pages of ${REPLAY_PAGE}; raw = same SELECT (pg) + JSON.parse`));
    notes.push(
      `appends: ${singles} single / ${batches}×100 batched per side over ${STREAMS} streams, in ${rounds} interleaved slices; replay: ${rounds} interleaved passes; medians compared`,
      'raw appends: BEGIN, one (multi-row) INSERT of precomputed rows, COMMIT; the port also locks/creates stream heads, looks up ids for idempotency, checks the revision, takes positions from the es_position counter (row lock to COMMIT) and updates the heads',
    );
  } finally {
    for (const store of stores) await store.close().catch(() => undefined);
    for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pool.end();
  }
  return {
    name: 'store-pg',
    startedAt,
    durationMs: performance.now() - t0,
    machine: machine(),
    dataDir: url.replace(/\/\/[^@]*@/, '//'),
    fileSystem: `PostgreSQL ${serverVersion}`,
    loadAverage: { start: loadAtStart, end: loadAverage() },
    measures,
    notes,
  };
}
