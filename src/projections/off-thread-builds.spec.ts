import { defineProjection } from '../../projections/projection.js';
import { ManualClock } from '../clock/clock.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import type { OffThreadBuild, OffThreadBuilder } from './off-thread-builds.js';
import { ProjectionRunner } from './projection-runner.js';
import type { ProjectionStatus } from './projection-status.js';
import { SqliteProjectionStore } from './sqlite-projection-store.js';
import { appendAll } from './testing/test-events.js';

const submitted = (i: number) => ({
  type: 'SampleApplicationSubmitted',
  data: { applicationId: `a${i}`, programmeId: `prog-${i % 3}`, title: `申报 ${i}` },
  streamId: `application-a${i}`,
});

const counter = (name: string) =>
  defineProjection<{ n: number }>({
    name,
    version: 1,
    handles: ['SampleApplicationSubmitted'],
    keys: (event) => [String(event.data.programmeId)],
    evolve: (doc) => ({ n: (doc?.n ?? 0) + 1 }),
  });

const quiet = () => {
  const lines: string[] = [];
  return { lines, log: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
};

/**
 * The server's runner with a builder off its thread. The builder here does what a worker thread
 * does (rebuild-worker.ts: its own runner that only builds, on the same stores), in this thread,
 * so the runner's side is what is tested: it hands builds over, reports them, follows the result.
 */
describe('projection runner with builds off its thread', () => {
  let events: SqliteEventStore;
  let store: SqliteProjectionStore;
  const clock = new ManualClock('2025-03-01T08:00:00Z');
  const projections = [counter('alpha'), counter('beta')];
  let runner: ProjectionRunner;
  let calls: string[][];
  let stops: number;
  /** How the next build ends. */
  let outcome: 'ok' | 'fail' | 'hang';

  const builder: OffThreadBuilder = {
    parallelism: 1,
    build(names: string[], onStatus: (statuses: ProjectionStatus[]) => void): OffThreadBuild {
      calls.push(names);
      const elsewhere = new ProjectionRunner(events, store, projections.filter((p) => names.includes(p.name)), clock, undefined, {
        followLive: false,
        autoRebuild: false,
        logger: quiet(),
      });
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const done = (async () => {
        if (outcome === 'fail') return { ok: false, error: 'disk full' };
        if (outcome === 'hang') {
          await released;
          return { ok: false, error: 'stopped' };
        }
        await elsewhere.start();
        await Promise.all(names.map((name) => elsewhere.rebuild(name)));
        onStatus(await Promise.all(names.map((name) => elsewhere.status(name))));
        for (const name of names) await elsewhere.whenRebuilt(name, 10);
        await elsewhere.stop();
        return { ok: true };
      })();
      return {
        done,
        stop: async () => {
          stops += 1;
          release();
          await done;
        },
      };
    },
  };

  const start = async (offThread: OffThreadBuilder) => {
    runner = new ProjectionRunner(events, store, projections, clock, undefined, { offThread, logger: quiet(), watchdogIntervalMs: 50 });
    await runner.start();
  };

  beforeEach(async () => {
    events = new SqliteEventStore({ filename: ':memory:', pollMs: 10 });
    store = new SqliteProjectionStore(events.db);
    calls = [];
    stops = 0;
    outcome = 'ok';
    await appendAll(events, Array.from({ length: 30 }, (_, i) => submitted(i)));
  });
  afterEach(async () => {
    await runner.stop();
    await events.close();
  });

  it('hands the builds asked for together to one build, and follows the generations it activates', async () => {
    await start(builder);
    expect(await runner.waitFor('alpha', 30, 2000)).toBe(true);
    const before = await runner.status('alpha');
    const [alpha] = await Promise.all([runner.rebuild('alpha'), runner.rebuild('beta')]);
    expect(alpha.rebuild).toMatchObject({ generation: before.generation! + 1, state: 'running' });
    await runner.whenRebuilt('alpha', 10);
    await runner.whenRebuilt('beta', 10);
    expect(calls).toEqual([['alpha', 'beta']]);
    for (const name of ['alpha', 'beta']) {
      expect(await runner.status(name)).toMatchObject({ generation: before.generation! + 1, checkpoint: 30, rebuild: null });
    }
    // The runner follows the new generation: later appends reach it.
    await appendAll(events, [submitted(30), submitted(33)]);
    expect(await runner.waitFor('alpha', 32, 2000)).toBe(true);
    expect((await store.get('alpha', 'prog-0')) as { n: number }).toEqual({ n: 12 });
  });

  it('reports a failed build with its error, keeps answering from the old generation, and builds again when asked', async () => {
    outcome = 'fail';
    await start(builder);
    expect(await runner.waitFor('alpha', 30, 2000)).toBe(true);
    const live = (await runner.status('alpha')).generation;
    await runner.rebuild('alpha');
    await runner.whenRebuilt('alpha', 10);
    const failed = await runner.status('alpha');
    expect(failed).toMatchObject({ generation: live, checkpoint: 30, rebuild: { state: 'failed', error: 'disk full' } });
    expect((await store.get('alpha', 'prog-0')) as { n: number }).toEqual({ n: 10 });
    // Asked again, the same generation is built (resumed), now successfully.
    outcome = 'ok';
    await runner.rebuild('alpha');
    await runner.whenRebuilt('alpha', 10);
    expect(await runner.status('alpha')).toMatchObject({ generation: failed.rebuild!.generation, rebuild: null });
    expect(calls).toEqual([['alpha'], ['alpha']]);
  });

  it('stops the builds it started when it stops; the next start resumes the generation', async () => {
    outcome = 'hang';
    await start(builder);
    await runner.rebuild('beta');
    while (calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await runner.stop();
    expect(stops).toBe(1);
    const building = (await store.state('beta')).generations.find((g) => g.status === 'building');
    expect(building).toBeDefined();
    outcome = 'ok';
    await start(builder);
    await runner.whenRebuilt('beta', 10);
    expect(calls).toEqual([['beta'], ['beta']]);
    expect((await runner.status('beta')).generation).toBe(building!.generation);
  });
});
