import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.js';
import type { AppOverrides } from '../../src/app.module.js';
import { type Role, signToken } from '../../src/auth/jwt.js';
import { loadConfig } from '../../src/config/config.js';

export const TEST_SECRET = 'e2e-secret-e2e-secret-e2e-secret-0123456789';

export interface TestApp {
  app: INestApplication;
  baseUrl: string;
  dataDir: string;
  token(roles: Role | Role[], programmes?: string[], name?: string, sub?: string): string;
  request(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string }): Promise<TestResponse>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
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
    ...env,
  });
  const app = await createApp(config, overrides);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const testApp: TestApp = {
    app,
    baseUrl,
    dataDir: dir,
    token(roles, programmes = ['*'], name = '测试用户', sub) {
      const list = Array.isArray(roles) ? roles : [roles];
      return signToken({ sub: sub ?? `user-${list.join('-')}`, name, roles: list, programmes }, TEST_SECRET);
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
      if (!options.keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
  return testApp;
}
