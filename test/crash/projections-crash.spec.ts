/**
 * Crash test of the projection engine: a worker process applies batches (catch-up, then a rebuild)
 * and is SIGKILLed midway; after a restart the read model must equal a fresh fold of every event:
 * no event applied twice, none skipped. Each batch is one transaction with its checkpoint, so a
 * building generation resumes from its own checkpoint after the crash (checked: it does not start over).
 *
 * The worker runs under plain node: beforeAll compiles it with projections-tsconfig.json.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { projectInMemory } from '../../projections/projection.js';
import { sampleProjection } from '../../projections/testing/sample-projection.js';
import type { StoredEvent } from '../../src/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { SqliteProjectionStore } from '../../src/projections/sqlite-projection-store.js';
import { newEvent } from '../../src/projections/testing/test-events.js';
import type { CommitLine } from './projections-worker.js';

const ROOT = resolve(process.cwd());
const EVENTS = 3000;
const NAME = sampleProjection.name;

let work: string;
let workerJs: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'projections-crash-'));
  const build = join(work, 'build');
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'test/crash/projections-tsconfig.json'), '--outDir', build],
    { cwd: ROOT, stdio: 'pipe' },
  );
  writeFileSync(join(build, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(ROOT, 'node_modules'), join(build, 'node_modules'), 'dir');
  workerJs = join(build, 'test/crash/projections-worker.js');
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Worker {
  child: ChildProcess;
  commits: CommitLine[];
  /** Resolves with the first line matching. */
  until(test: (line: any) => boolean): Promise<any>;
  kill(): Promise<void>;
}

function startWorker(dbFile: string, mode: 'live' | 'rebuild', delayMs: number): Worker {
  const child = spawn(process.execPath, [workerJs, dbFile, mode, String(delayMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const commits: CommitLine[] = [];
  const waiters: Array<{ test: (line: any) => boolean; resolve: (line: any) => void }> = [];
  let buffered = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      if (line.t === 'commit') commits.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((res) => child.on('close', () => res()));
  return {
    child,
    commits,
    until: (test) =>
      new Promise((res, rej) => {
        waiters.push({ test, resolve: res });
        void exited.then(() => rej(new Error(`worker exited before the expected line: ${stderr}`)));
      }),
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function readEverything(store: SqliteEventStore): Promise<StoredEvent[]> {
  return store.readAll({ limit: 1_000_000 });
}

/** Opens the file as a fresh process would and compares the active generation with a fresh fold. */
async function verify(dbFile: string, expectedGeneration: number) {
  const events = new SqliteEventStore({ filename: dbFile });
  try {
    const store = new SqliteProjectionStore(events.db);
    const all = await readEverything(events);
    const expected = Object.fromEntries(projectInMemory(sampleProjection, all));
    const actual = Object.fromEntries((await store.list(NAME)).map(({ key, doc }) => [key, doc]));
    expect(actual).toEqual(expected);
    expect(await store.state(NAME)).toMatchObject({
      active: expectedGeneration,
      generations: [{ generation: expectedGeneration, status: 'live', position: all.length }],
    });
  } finally {
    await events.close();
  }
}

describe('projection engine under SIGKILL', () => {
  it('resumes catch-up and rebuild after kill -9 and ends equal to a fresh rebuild', async () => {
    const dbFile = join(work, 'events.db');
    const seed = new SqliteEventStore({ filename: dbFile });
    for (let i = 0; i < EVENTS; i += 50) {
      const page = Array.from({ length: 50 }, (_, j) => {
        const n = i + j;
        const type = n % 7 === 3 ? 'SampleApplicationWithdrawn' : n % 11 === 5 ? 'SampleApplicationErased' : 'SampleApplicationSubmitted';
        return newEvent(type, { applicationId: `a${n % 400}`, programmeId: `prog-${n % 5}`, title: `申报 ${n}` });
      });
      await seed.append(`batch-${i}`, page);
    }
    await seed.close();

    // 1. Catch-up killed twice midway, then finished.
    for (const killAt of [EVENTS / 4, EVENTS / 2]) {
      const worker = startWorker(dbFile, 'live', 3);
      await worker.until((line) => line.t === 'commit' && line.to >= killAt);
      await worker.kill();
    }
    const finisher = startWorker(dbFile, 'live', 0);
    const resumedFrom = (await finisher.until((line) => line.t === 'ready')).state.generations[0].position;
    expect(resumedFrom).toBeGreaterThanOrEqual(EVENTS / 2);
    await finisher.until((line) => line.t === 'settled');
    await finisher.kill();
    // Every batch of the finisher continued exactly where the previous one ended.
    finisher.commits.forEach((c, i) => expect(c.from).toBe(i === 0 ? resumedFrom : finisher.commits[i - 1]!.to));
    await verify(dbFile, 1);

    // 2. A rebuild (as the CLI starts it) killed midway, resumed by a restarted server.
    const rebuilder = startWorker(dbFile, 'rebuild', 3);
    await rebuilder.until((line) => line.t === 'commit' && line.generation === 2 && line.to >= EVENTS / 3);
    await rebuilder.kill();
    const server = startWorker(dbFile, 'live', 0);
    const ready = await server.until((line) => line.t === 'ready');
    const building = ready.state.generations.find((g: { generation: number }) => g.generation === 2);
    expect(building).toMatchObject({ status: 'building' });
    expect(building.position).toBeGreaterThanOrEqual(EVENTS / 3);
    await server.until((line) => line.t === 'settled' && line.generation === 2);
    const resumed = server.commits.filter((c) => c.generation === 2);
    expect(resumed[0]!.from).toBe(building.position);
    await server.kill();
    await verify(dbFile, 2);
  }, 120_000);
});
