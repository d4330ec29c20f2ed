/** Starts bench/support/server-child.js and talks to it. */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { signToken, type Role } from '../../src/auth/jwt.js';

export const BENCH_SECRET = 'bench-secret-bench-secret-bench-secret-0123';

/** The server's own pauses since the last resetPauses (bench/support/server-child.ts). */
export interface PauseFigures {
  /** How late a timer due every 10 ms ran (ms): p99 and the longest. */
  loopDelayP99: number;
  loopDelayMax: number;
  /** Garbage collections and their pauses (ms). */
  gcPauses: number;
  gcTotalMs: number;
  gcMaxMs: number;
  /** GC pauses of 1 ms or more: start (epoch ms), duration (ms), V8's kind (1 scavenge, 2 mark-compact, 4 incremental, 8 weak callbacks). */
  gcLog?: Array<{ at: number; ms: number; kind: number }>;
  /** The embedded store's WAL fsyncs (group commits, off the event loop): count, p50, p99, longest (ms), and how many took 10 ms or more. */
  walFsyncs?: { count: number; p50: number; p99: number; maxMs: number; atLeast10ms: number };
  /** Each of those fsyncs: start (epoch ms), duration (ms), commits acknowledged. */
  walFsyncLog?: Array<{ at: number; ms: number; commits: number }>;
}

export interface ServerChild {
  port: number;
  pid: number;
  token(roles: Role | Role[], programmes?: string[]): string;
  memory(): Promise<NodeJS.MemoryUsage>;
  /** Resolves once the server has reset its counters. */
  resetPauses(): Promise<void>;
  pauses(): Promise<PauseFigures>;
  stop(): Promise<void>;
}

/** `logs: 'discarded'`: the server logs at its own level (LOG_LEVEL) to a stdout that goes nowhere, as a real server's logging costs. */
export async function startServerChild(env: Record<string, string>, timeoutMs = 600_000, logs: 'silent' | 'discarded' = 'silent'): Promise<ServerChild> {
  const script = fileURLToPath(new URL('./server-child.js', import.meta.url));
  // BENCH_SERVER_NODE_OPTIONS: extra node flags for the server only (e.g. --cpu-prof --cpu-prof-dir=…).
  const execArgv = (process.env.BENCH_SERVER_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = fork(script, [], {
    execArgv,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      AUTH_JWT_SECRET: BENCH_SECRET,
      LOG_LEVEL: logs === 'silent' ? 'silent' : 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', logs === 'silent' ? 'inherit' : 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server child did not start in time')), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server child exited with ${code}`));
    });
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m?.type === 'listening') {
        clearTimeout(timer);
        resolve(m.port!);
      }
    });
  });
  return {
    port,
    pid: child.pid!,
    token(roles, programmes = ['*']) {
      const list = Array.isArray(roles) ? roles : [roles];
      return signToken({ sub: `bench-${list.join('-')}`, name: '基准测试', roles: list, programmes }, BENCH_SECRET);
    },
    resetPauses() {
      return new Promise<void>((resolve) => {
        const on = (m: { type?: string }) => {
          if (m?.type !== 'pauses-reset-done') return;
          child.off('message', on);
          resolve();
        };
        child.on('message', on);
        child.send({ type: 'pauses-reset' });
      });
    },
    pauses() {
      return new Promise((resolve) => {
        const on = (m: { type?: string; figures?: PauseFigures }) => {
          if (m?.type !== 'pauses') return;
          child.off('message', on);
          resolve(m.figures!);
        };
        child.on('message', on);
        child.send({ type: 'pauses' });
      });
    },
    memory() {
      return new Promise((resolve) => {
        const on = (m: { type?: string; usage?: NodeJS.MemoryUsage }) => {
          if (m?.type !== 'memory') return;
          child.off('message', on);
          resolve(m.usage!);
        };
        child.on('message', on);
        child.send({ type: 'memory' });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
