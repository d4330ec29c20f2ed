/**
 * given(events).then(documents) for read models, through the real engine: an in-memory SQLite
 * event store, the SQLite projection store, the runner. Also checks that the engine agrees with
 * projectInMemory, so a read model's own fast tests can use either.
 *
 *   await projectionSpec(quotaProjection)
 *     .given({ type: 'ApplicationSubmitted', data: {...} }, ...)
 *     .then({ 'programme:jinan-mayor': { submitted: 1, ... } });
 */
import { type Projection, projectInMemory } from '../../../projections/projection.js';
import { ManualClock } from '../../clock/clock.js';
import type { StoredEvent } from '../../event-store/event-store.port.js';
import { SqliteEventStore } from '../../event-store/sqlite/sqlite-event-store.js';
import { ProjectionRunner } from '../projection-runner.js';
import { SqliteProjectionStore } from '../sqlite-projection-store.js';
import { type GivenEvent, appendAll } from './test-events.js';

const QUIET = { log() {}, warn() {}, error() {} };

export function projectionSpec<Doc>(projection: Projection<Doc>) {
  return {
    given(...events: GivenEvent[]) {
      return {
        /** Runs the events through the engine and returns every document of the active generation. */
        async documents(): Promise<Record<string, Doc>> {
          return (await this.run()).documents;
        },
        /** The same, with the events as the store keeps them (positions, revisions, hashes). */
        async run(): Promise<{ documents: Record<string, Doc>; events: StoredEvent[] }> {
          const events$ = new SqliteEventStore({ filename: ':memory:' });
          const store = new SqliteProjectionStore(events$.db);
          const runner = new ProjectionRunner(events$, store, [projection], new ManualClock('2025-03-01T00:00:00Z'), undefined, {
            logger: QUIET,
          });
          try {
            const head = await appendAll(events$, events);
            await runner.start();
            if (!(await runner.waitFor(projection.name, head, 5000))) throw new Error(`${projection.name} did not reach ${head}`);
            const all = await store.list(projection.name);
            const fromEngine = Object.fromEntries(all.map(({ key, doc }) => [key, doc as Doc]));
            const stored = await events$.readAll({ limit: 1_000_000 });
            const inMemory = Object.fromEntries(projectInMemory(projection, stored));
            expect(fromEngine).toEqual(inMemory);
            return { documents: fromEngine, events: stored };
          } finally {
            await runner.stop();
            await events$.close();
          }
        },
        async then(expected: Record<string, Doc>): Promise<void> {
          expect(await this.documents()).toEqual(expected);
        },
      };
    },
  };
}
