/**
 * Crash test of the embedded SQLite store: worker processes append under load and are SIGKILLed
 * at random moments, then the parent reopens the same file and checks that nothing acknowledged
 * was lost and nothing half-written is visible. SIGKILL covers a process crash (the OS keeps the
 * page cache); it cannot show what synchronous=FULL adds against power loss.
 *
 * The worker must be real node (a child process), not jest's VM, so beforeAll compiles it and the
 * event store with tsconfig.crash.json into a temp folder: it depends on src/event-store only.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StoredEvent } from '../../src/event-store/event-store.port.js';
import { verifyChain } from '../../src/event-store/hash.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { type AckLine, type BatchMarker, type ReadyLine, UNICODE_SAMPLES, streamName } from './crash-protocol.js';

const ROOT = resolve(process.cwd());
const ROUNDS = 5;
const WORKERS_PER_ROUND = 2;
const STREAMS = 6;
const KILL_AFTER_MS: [number, number] = [150, 400];

interface Worker {
  tag: string;
  child: ChildProcess;
  acks: AckLine[];
  ready: Promise<ReadyLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

let work: string;
let workerJs: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'es-crash-'));
  const build = join(work, 'build');
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'test/crash/tsconfig.crash.json'), '--outDir', build],
    { cwd: ROOT, stdio: 'pipe' },
  );
  // The output lives outside the project: tell node it is ESM, and let it find better-sqlite3.
  writeFileSync(join(build, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(ROOT, 'node_modules'), join(build, 'node_modules'), 'dir');
  workerJs = join(build, 'test/crash/append-worker.js');
  mkdirSync(join(work, 'data'));
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `fsync`: where the worker's store fsyncs the WAL before acknowledging (both modes write to the same file). */
function startWorker(dbFile: string, tag: string, fsync: 'in-commit' | 'off-loop'): Worker {
  const child = spawn(process.execPath, [workerJs, dbFile, tag, String(STREAMS), fsync], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acks: AckLine[] = [];
  let buffered = '';
  let stderr = '';
  let onReady!: (line: ReadyLine) => void;
  let onEarlyExit!: (error: Error) => void;
  const ready = new Promise<ReadyLine>((res, rej) => {
    onReady = res;
    onEarlyExit = rej;
  });
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, newline)) as AckLine | ReadyLine;
      buffered = buffered.slice(newline + 1);
      if (line.t === 'ready') onReady(line);
      else acks.push(line);
    }
    // A trailing partial line (killed mid-write) is not parsed: we only check what was reported.
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  // 'close' waits for stdout to be drained, so every reported ack has been parsed.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) =>
    child.on('close', (code, signal) => {
      onEarlyExit(new Error(`worker ${tag} exited before ready (${code ?? signal}): ${stderr}`));
      res({ code, signal, stderr });
    }),
  );
  return { tag, child, acks, ready, exited };
}

const randomBetween = ([min, max]: [number, number]) => Math.round(min + Math.random() * (max - min));
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

async function readEverything(store: SqliteEventStore): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for (;;) {
    const page = await store.readAll({ fromPosition: (all.at(-1)?.position ?? 0) + 1, limit: 1000 });
    if (page.length === 0) return all;
    all.push(...page);
  }
}

/** Everything the reopened store must satisfy; returns the facts for the round's log line. */
async function verifyStore(dbFile: string, acked: Map<string, AckLine['events'][number]>) {
  const store = new SqliteEventStore({ filename: dbFile });
  try {
    const db = store.db;
    expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');

    // Global order: positions 1..head, no gap, no duplicate.
    const all = await readEverything(store);
    const head = await store.headPosition();
    expect(all.length).toBe(head);
    all.forEach((event, index) => {
      if (event.position !== index + 1) throw new Error(`gap in the global order at ${index + 1}: found ${event.position}`);
    });
    // AUTOINCREMENT's counter must not have run ahead of the rows, or the next append leaves a gap.
    const sequence = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as { seq: number } | undefined;
    expect(sequence?.seq ?? 0).toBe(head);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);

    // Every acknowledged event is there, unchanged.
    const byId = new Map(all.map((event) => [event.id, event]));
    for (const ack of acked.values()) {
      const stored = byId.get(ack.id);
      if (!stored) throw new Error(`acknowledged event ${ack.id} (${ack.streamId}@${ack.revision}) is missing`);
      expect({ streamId: stored.streamId, revision: stored.revision, position: stored.position, hash: stored.hash }).toEqual({
        streamId: ack.streamId,
        revision: ack.revision,
        position: ack.position,
        hash: ack.hash,
      });
    }

    // Each stream: hash chain from revision 0, and the streams table agrees with its last event.
    const streamRows = db.prepare('SELECT stream_id, revision, hash FROM streams ORDER BY stream_id').all() as Array<{
      stream_id: string;
      revision: number;
      hash: string;
    }>;
    const streamIds = [...new Set(all.map((e) => e.streamId))].sort();
    expect(streamRows.map((row) => row.stream_id)).toEqual(streamIds);
    for (const row of streamRows) {
      const events = await store.readStream(row.stream_id);
      const chain = verifyChain(events);
      if (!chain.ok) throw new Error(`chain of ${row.stream_id} broken: ${JSON.stringify(chain.firstMismatch)}`);
      expect({ revision: row.revision, hash: row.hash }).toEqual({ revision: events.at(-1)!.revision, hash: events.at(-1)!.hash });
      expect(events).toEqual(all.filter((e) => e.streamId === row.stream_id));
    }

    // Batches: all members present or none, committed together (consecutive positions).
    const batches = new Map<string, StoredEvent[]>();
    for (const event of all) {
      const data = event.data as { batch: BatchMarker | null; text: string };
      expect(UNICODE_SAMPLES).toContain(data.text);
      if (!data.batch) continue;
      batches.set(data.batch.id, [...(batches.get(data.batch.id) ?? []), event]);
    }
    for (const [id, members] of batches) {
      const marker = (members[0]!.data as { batch: BatchMarker }).batch;
      if (members.length !== marker.size) throw new Error(`half-written batch ${id}: ${members.length} of ${marker.size}`);
      expect(members.map((m) => (m.data as { batch: BatchMarker }).batch.index)).toEqual([0, 1, 2]);
      expect(members.map((m) => m.position - members[0]!.position)).toEqual([0, 1, 2]);
    }
    return { head, streams: streamRows.length, batches: batches.size };
  } finally {
    await store.close();
  }
}

describe('embedded SQLite store under SIGKILL', () => {
  it(`keeps every acknowledged append across ${ROUNDS} kills, with no gap, broken chain or half batch`, async () => {
    const dbFile = join(work, 'data', 'events.db');
    const acked = new Map<string, AckLine['events'][number]>();
    const summary: string[] = [];
    let batchesAcked = 0;

    for (let round = 1; round <= ROUNDS; round++) {
      // The test's default store beside the server's (fsync off the event loop).
      const workers = Array.from({ length: WORKERS_PER_ROUND }, (_, i) => startWorker(dbFile, `r${round}w${i}`, i % 2 === 0 ? 'in-commit' : 'off-loop'));
      const killDelays = await Promise.all(
        workers.map(async (worker) => {
          const ready = await worker.ready;
          // The worker continues from the heads the previous rounds left (none in round 1).
          if (round > 1) expect(Object.values(ready.revisions).some((r) => r !== 'no_stream')).toBe(true);
          const delay = randomBetween(KILL_AFTER_MS);
          await sleep(delay);
          worker.child.kill('SIGKILL');
          return delay;
        }),
      );
      const exits = await Promise.all(workers.map((worker) => worker.exited));
      exits.forEach((exit, i) => {
        // Anything but our SIGKILL means the worker failed on its own: show why.
        if (exit.signal !== 'SIGKILL') throw new Error(`worker ${workers[i]!.tag} exited with ${exit.code}: ${exit.stderr}`);
      });

      let roundAcks = 0;
      for (const worker of workers) {
        for (const ack of worker.acks) {
          roundAcks += ack.events.length;
          if (ack.batch) batchesAcked += 1;
          for (const event of ack.events) acked.set(event.id, event);
        }
      }
      // A round that acknowledged nothing would test nothing.
      expect(roundAcks).toBeGreaterThan(0);

      const facts = await verifyStore(dbFile, acked);
      summary.push(
        `round ${round}: killed after ${killDelays.join('/')} ms, ${roundAcks} events acked, ` +
          `head ${facts.head} (${facts.head - acked.size} committed but unreported so far), ${facts.batches} batches whole`,
      );
    }
    summary.push(`total: ${acked.size} acknowledged events (${batchesAcked} batches) verified after each of ${ROUNDS} kills`);
    console.log(summary.join('\n'));
  }, 60_000);
});
