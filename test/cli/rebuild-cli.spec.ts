/**
 * `npm run projections:rebuild` as an operator runs it: the compiled CLI in a child process, on
 * the data folder of a server that has run real journeys (and stopped). Built in worker threads
 * (the default when there are several CPUs, here forced with --workers) or in one thread, every
 * projection switches to a new generation whose documents equal the ones the server kept live. On
 * the embedded store and on PostgreSQL (each worker its own connections; the local server, started
 * by .ci/run).
 * The compiled server does the same for POST /api/projections/{name}/rebuild, in worker threads
 * of its own process (rebuild-worker.ts), and keeps answering meanwhile.
 * The CLI and the server run under plain node: beforeAll compiles them with cli-tsconfig.json.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { signToken } from '../../src/auth/jwt.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { REGISTERED_PROJECTIONS } from '../../src/projections/registered-projections.js';
import { AwardClient, chaoyangInPublicity, expectOk, jinanTermAwarded, supervisionDissolved, uscc } from '../e2e/award-support.js';
import { TEST_DATABASE_URL, schemaFor, startApp } from '../e2e/harness.js';

const run = promisify(execFile);
const ROOT = resolve(process.cwd());
const NAMES = REGISTERED_PROJECTIONS.map((p) => p.name).sort();

type Store = 'sqlite' | 'postgres';
type ReadModels = Record<string, { generation: number; documents: Record<string, unknown> }>;

let work: string;
let cliJs: string;
let mainJs: string;

/** Each projection's active generation and its documents, parsed, by key. */
async function readModels(store: Store, dataDir: string): Promise<ReadModels> {
  const registrySql = 'SELECT projection, active_generation AS generation FROM projection_registry';
  const out: ReadModels = {};
  const add = (projection: string, generation: number, rows: Array<{ key: string; doc: string }>) => {
    out[projection] = { generation, documents: Object.fromEntries(rows.map((row) => [row.key, JSON.parse(row.doc) as unknown])) };
  };
  if (store === 'postgres') {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(`SET search_path TO "${schemaFor(dataDir)}"`);
      for (const { projection, generation } of (await client.query(registrySql)).rows as Array<{ projection: string; generation: number }>) {
        add(projection, generation, (await client.query('SELECT key, doc FROM projection_documents WHERE projection = $1 AND generation = $2', [projection, generation])).rows);
      }
    } finally {
      await client.end();
    }
    return out;
  }
  const db = new Database(join(dataDir, 'events.db'), { readonly: true });
  try {
    for (const { projection, generation } of db.prepare(registrySql).all() as Array<{ projection: string; generation: number }>) {
      add(projection, generation, db.prepare('SELECT key, doc FROM projection_documents WHERE projection = ? AND generation = ?').all(projection, generation) as Array<{ key: string; doc: string }>);
    }
  } finally {
    db.close();
  }
  return out;
}

function storeEnv(store: Store, dataDir: string): Record<string, string> {
  return store === 'postgres'
    ? { EVENT_STORE: 'postgres', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schemaFor(dataDir) }
    : { EVENT_STORE: 'sqlite' };
}

async function rebuild(store: Store, dataDir: string, ...args: string[]): Promise<{ stderr: string }> {
  const { stderr } = await run(process.execPath, [cliJs, ...args], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...storeEnv(store, dataDir) } });
  return { stderr };
}

/** Real journeys through HTTP on a new data folder: two programmes, an award, an objection; the server stopped. */
async function journeys(store: Store): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rebuild-cli-data-'));
  const t = await startApp({ ...storeEnv(store, dataDir), CLOCK: 'manual', CLOCK_START: '2024-10-02T02:00:00Z' }, {}, dataDir);
  const office = new AwardClient(t, t.token('office', ['*']));
  const org = (region: string, n: number) => ({ kind: 'organisation' as const, id: uscc(region, n), name: `企业${region}-${n}` });
  const { gold } = await chaoyangInPublicity(office);
  const objection = { objector: { anonymous: false, name: '张三', contact: '13800000000', consentToDisclose: false }, grounds: '申报材料中的质量数据与实际不符', evidenceProvided: true };
  expectOk(await office.post(`/applications/${gold}/objections`, objection), 201);
  const { termId: jinan } = await jinanTermAwarded(office, org('370100', 3));
  // The scheduler records the end of 济南's supervision group (第九条) right after the approval:
  // then nothing else is due, and every read model catches up with the last event.
  await supervisionDissolved(office, jinan);
  const events = t.app.get<EventStore>(EVENT_STORE);
  const head = await events.headPosition();
  for (let waited = 0; ; waited += 50) {
    const { projections } = (await t.request('GET', '/api/projections', { token: t.token('admin') })).body as { projections: Array<{ checkpoint: number }> };
    if (projections.every((p) => p.checkpoint >= head)) break;
    if (waited > 10_000) throw new Error('the read models did not catch up');
    await new Promise((r) => setTimeout(r, 50));
  }
  await t.close({ keepData: true });
  return dataDir;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'rebuild-cli-'));
  const build = join(work, 'build');
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'test/cli/cli-tsconfig.json'), '--outDir', build], {
    cwd: ROOT,
    stdio: 'pipe',
  });
  writeFileSync(join(build, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(ROOT, 'node_modules'), join(build, 'node_modules'), 'dir');
  // The policy files are data beside the compiled registry, as in dist.
  mkdirSync(join(build, 'workflows'), { recursive: true });
  symlinkSync(join(ROOT, 'workflows/policies'), join(build, 'workflows/policies'), 'dir');
  cliJs = join(build, 'src/cli/rebuild-projections.js');
  mainJs = join(build, 'src/main.js');
}, 120_000);

const SECRET = 'rebuild-cli-spec-secret-of-at-least-32-chars';

/** The compiled server on `dataDir` (port chosen by the system) until `body` is done; its stdout and stderr. */
async function withServer(store: Store, dataDir: string, body: (call: (method: string, path: string) => Promise<{ status: number; body: any }>) => Promise<void>): Promise<string> {
  const child = spawn(process.execPath, [mainJs], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'info', REBUILD_WORKERS: '2', CLOCK: 'manual', CLOCK_START: '2024-10-02T02:00:00Z', ...storeEnv(store, dataDir) },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    let base: string | undefined;
    for (let waited = 0; !base; waited += 50) {
      base = /listening on (http:\/\/\S+)\/api/.exec(output)?.[1];
      if (waited > 30_000 || child.exitCode !== null) throw new Error(`the server did not start:\n${output}`);
      if (!base) await new Promise((r) => setTimeout(r, 50));
    }
    const now = Math.floor(Date.now() / 1000);
    const token = signToken({ sub: 'admin-1', name: '管理员', roles: ['admin'], programmes: ['*'], iat: now, exp: now + 600 } as never, SECRET);
    await body(async (method, path) => {
      const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: await res.json() };
    });
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return output;
}

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.each<Store>(['sqlite', 'postgres'])('npm run projections:rebuild on %s', (store) => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await journeys(store);
  }, 180_000);

  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (store === 'postgres') {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schemaFor(dataDir)}" CASCADE`).finally(() => client.end());
    }
  });

  it('in worker threads: every projection switches to a new generation equal to what the server kept live', async () => {
    const live = await readModels(store, dataDir);
    expect(Object.keys(live).sort()).toEqual(NAMES);
    expect(Object.keys(live['audit-history']!.documents).length).toBe(3);

    const { stderr } = await rebuild(store, dataDir, '--workers', '2');
    for (const name of NAMES) expect(stderr).toMatch(new RegExp(`${name}: generation \\d+ is active at position \\d+`));
    const rebuilt = await readModels(store, dataDir);
    for (const name of NAMES) {
      expect(rebuilt[name]!.generation).toBeGreaterThan(live[name]!.generation);
      expect(rebuilt[name]!.documents).toEqual(live[name]!.documents);
    }
  }, 120_000);

  it('in one thread, and for named projections only', async () => {
    const before = await readModels(store, dataDir);
    await rebuild(store, dataDir, '--workers', '1', 'audit-history', 'deadlines');
    const after = await readModels(store, dataDir);
    for (const name of NAMES) {
      const rebuilt = name === 'audit-history' || name === 'deadlines';
      expect(after[name]!.generation).toBe(rebuilt ? before[name]!.generation + 1 : before[name]!.generation);
      expect(after[name]!.documents).toEqual(before[name]!.documents);
    }
  }, 120_000);

  it('the server rebuilds through POST /api/projections/{name}/rebuild in worker threads, answering meanwhile', async () => {
    const before = await readModels(store, dataDir);
    const output = await withServer(store, dataDir, async (call) => {
      // Sent at once, as a client asking for all of them would: one after another, a loaded machine
      // can take longer than the server's gathering window (100 ms) between the first and the last.
      const asked = await Promise.all(NAMES.map((name) => call('POST', `/api/projections/${name}/rebuild`)));
      for (const answer of asked) expect(answer.status).toBe(202);
      for (let waited = 0; ; waited += 100) {
        const { status, body } = await call('GET', '/api/projections');
        expect(status).toBe(200);
        const projections = body.projections as Array<{ name: string; generation: number; rebuild: { state: string; error: string | null } | null }>;
        for (const p of projections) expect(p.rebuild?.state ?? 'done').not.toBe('failed');
        if (projections.every((p) => p.rebuild === null && p.generation > before[p.name]!.generation)) break;
        if (waited > 60_000) throw new Error(`the rebuild did not end: ${JSON.stringify(projections)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await call('GET', '/api/health')).status).toBe(200);
    });
    // Asked for together, spread over the two workers (rebuild-partition.ts).
    const groups = [...output.matchAll(/Projections ([a-z, -]+): building in a worker thread/g)].map((m) => m[1]!.split(', ').sort());
    expect(groups.flat().sort()).toEqual(NAMES);
    expect(groups).toHaveLength(2);
    const after = await readModels(store, dataDir);
    for (const name of NAMES) {
      expect(after[name]!.generation).toBe(before[name]!.generation + 1);
      expect(after[name]!.documents).toEqual(before[name]!.documents);
    }
  }, 120_000);

  it('refuses an unknown projection, option or a bad --workers with the usage (exit 2)', async () => {
    for (const args of [['no-such-projection'], ['--workers', '0'], ['--workers', 'x'], ['--wrokers', '2']]) {
      await expect(rebuild(store, dataDir, ...args)).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run projections:rebuild') });
    }
  });
});
