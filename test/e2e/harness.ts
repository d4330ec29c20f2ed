import type { INestApplication } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createApp } from '../../src/app.js';
import type { AppOverrides } from '../../src/app.module.js';
import { type Role, signToken } from '../../src/auth/jwt.js';
import { loadConfig } from '../../src/config/config.js';
import { KurrentDbEventStore } from '../../src/event-store/kurrentdb/kurrentdb-event-store.js';
import { EmulatedKurrentDb } from '../contract/kurrentdb-emulator.js';

export const TEST_SECRET = 'e2e-secret-e2e-secret-e2e-secret-0123456789';

export interface TestApp {
  app: INestApplication;
  baseUrl: string;
  dataDir: string;
  /** `terms`: bind the token to these terms (a supervision group's mandate). */
  token(roles: Role | Role[], programmes?: string[], name?: string, sub?: string, terms?: string[]): string;
  request(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string }): Promise<TestResponse>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/**
 * The e2e-postgres jest project runs every suite again with E2E_EVENT_STORE=postgres, and
 * e2e-kurrentdb-emulated with E2E_EVENT_STORE=kurrentdb-emulated: the KurrentDB adapter over
 * test/contract/kurrentdb-emulator.ts, one emulated server per data folder (read models in it).
 */
export const E2E_STORE =
  process.env.E2E_EVENT_STORE === 'postgres' ? 'postgres' : process.env.E2E_EVENT_STORE === 'kurrentdb-emulated' ? 'kurrentdb' : 'sqlite';
const emulatedServers = new Map<string, EmulatedKurrentDb>();
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** One schema per data folder, so a restart on the same folder finds its events again. */
export function schemaFor(dataDir: string): string {
  return `e2e_${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
}

function storeEnv(dir: string, env: Record<string, string>): Record<string, string> {
  if (E2E_STORE === 'sqlite' || env.EVENT_STORE) return {};
  if (E2E_STORE === 'kurrentdb') return { EVENT_STORE: 'kurrentdb', KURRENTDB_CONNECTION_STRING: 'kurrentdb://emulated.invalid:2113?tls=false' };
  return { EVENT_STORE: 'postgres', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schemaFor(dir) };
}

/** The emulated KurrentDB server of a data folder: a restart on the folder finds its events again. */
function storeOverride(dir: string, env: Record<string, string>, overrides: AppOverrides): AppOverrides {
  if (E2E_STORE !== 'kurrentdb' || env.EVENT_STORE || overrides.store) return overrides;
  let server = emulatedServers.get(dir);
  if (!server) emulatedServers.set(dir, (server = new EmulatedKurrentDb()));
  return { ...overrides, store: new KurrentDbEventStore(server.client()) };
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Starts the real application on a temporary data folder and a random port. */
export async function startApp(env: Record<string, string> = {}, overrides: AppOverrides = {}, dataDir?: string): Promise<TestApp> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'award-e2e-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dir,
    AUTH_JWT_SECRET: TEST_SECRET,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...storeEnv(dir, env),
    ...env,
  });
  const app = await createApp(config, storeOverride(dir, env, overrides));
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const testApp: TestApp = {
    app,
    baseUrl,
    dataDir: dir,
    token(roles, programmes = ['*'], name = '测试用户', sub, terms) {
      const list = Array.isArray(roles) ? roles : [roles];
      return signToken({ sub: sub ?? `user-${list.join('-')}`, name, roles: list, programmes, ...(terms ? { terms } : {}) }, TEST_SECRET);
    },
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined = options.rawBody;
      if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.body);
      } else if (body !== undefined) headers['content-type'] ??= 'application/json';
      const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON: keep the text */
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
    async close(options = {}) {
      await app.close();
      if (!options.keepData) {
        rmSync(dir, { recursive: true, force: true });
        emulatedServers.delete(dir);
        if (config.eventStore === 'postgres' && config.databaseSchema.startsWith('e2e_')) await dropSchema(config.databaseSchema);
      }
    },
  };
  return testApp;
}

/**
 * Alters a stored event behind the application's back, on whichever store the app runs, to
 * prove tampering is detected. A textual replace keeps it one statement in both SQL dialects.
 */
export async function tamperStoredEvent(t: TestApp, streamId: string, type: string, from: string, to: string): Promise<number> {
  if (E2E_STORE === 'kurrentdb') return emulatedServers.get(t.dataDir)!.tamper(streamId, type, from, to);
  if (E2E_STORE === 'postgres') {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const result = await client.query(
        `UPDATE "${schemaFor(t.dataDir)}".events SET data = replace(data, $1, $2) WHERE stream_id = $3 AND type = $4`,
        [from, to, streamId, type],
      );
      return result.rowCount ?? 0;
    } finally {
      await client.end();
    }
  }
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(t.dataDir, 'events.db'));
  try {
    return db.prepare('UPDATE events SET data = replace(data, ?, ?) WHERE stream_id = ? AND type = ?').run(from, to, streamId, type).changes;
  } finally {
    db.close();
  }
}
