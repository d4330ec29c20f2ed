/**
 * The cached-scope step (pure-transition.ts) must give exactly what XState's public pure functions
 * give, on every policy's statechart: checked along the shortest paths @xstate/graph finds (which
 * walk every state and the objection sub-graph), comparing value, context and status.
 */
import { getShortestPaths } from '@xstate/graph';
import { initialTransition, transition } from 'xstate';
import { PolicyRegistry } from '../policy/registry.js';
import type { ProgrammePolicy } from '../policy/policy.types.js';
import type { ApplicationEvent } from './events.js';
import { createApplicationMachine } from './machine.js';
import { initialSnapshot, nextSnapshot } from './pure-transition.js';
import type { ApplicationSnapshot } from './replay.js';
import { sampleEvents } from './spec-helpers.js';
import { fixturePolicy } from './test-fixtures.js';

const registry = PolicyRegistry.fromDirectories([PolicyRegistry.builtInDirectory()]);
const policies: ProgrammePolicy[] = [fixturePolicy, ...registry.programmes().flatMap((id) => [...registry.versions(id)])];

const comparable = (s: ApplicationSnapshot) => ({ value: s.value, context: s.context, status: s.status });

describe.each(policies.map((p) => [`${p.programmeId}/${p.version}`, p] as [string, ProgrammePolicy]))('the pure step of %s', (_name, policy) => {
  const machine = createApplicationMachine(policy);
  let paths: ReturnType<typeof getShortestPaths<typeof machine>> = [];
  beforeAll(() => {
    paths = getShortestPaths(machine, { events: (s: ApplicationSnapshot) => sampleEvents(policy, s) });
  });

  it('starts from the snapshot initialTransition gives, and keeps giving the same one', () => {
    const [expected] = initialTransition(machine);
    expect(comparable(initialSnapshot(machine))).toEqual(comparable(expected));
    expect(initialSnapshot(machine)).toBe(initialSnapshot(machine));
  });

  it('gives what transition() gives after every event of every shortest path', () => {
    const same = (a: ApplicationSnapshot, b: ApplicationSnapshot) => JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));
    const mismatches: string[] = [];
    let steps = 0;
    for (const path of paths) {
      let ours = initialSnapshot(machine);
      let theirs = initialTransition(machine)[0];
      for (const { event } of path.steps) {
        if (event.type.startsWith('xstate.')) continue;
        ours = nextSnapshot(machine, ours, event as ApplicationEvent);
        [theirs] = transition(machine, theirs, event as ApplicationEvent);
        steps += 1;
        if (!same(ours, theirs)) mismatches.push(`${path.steps.map((s) => s.event.type).join(' > ')}: differs after ${event.type}`);
      }
      if (!same(ours, path.state)) mismatches.push(`${path.steps.map((s) => s.event.type).join(' > ')}: differs from the graph's state`);
    }
    expect(mismatches).toEqual([]);
    expect(steps).toBeGreaterThan(paths.length);
  });

  it('leaves the snapshot it starts from as it was', () => {
    const start = initialSnapshot(machine);
    const before = JSON.stringify(comparable(start));
    const path = paths.reduce((longest, p) => (p.steps.length > longest.steps.length ? p : longest));
    let snapshot = start;
    for (const { event } of path.steps) if (!event.type.startsWith('xstate.')) snapshot = nextSnapshot(machine, snapshot, event as ApplicationEvent);
    expect(JSON.stringify(comparable(start))).toBe(before);
  });
});
