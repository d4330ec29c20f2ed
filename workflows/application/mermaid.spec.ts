import { toMermaid } from './mermaid.js';
import { createApplicationMachine } from './machine.js';
import { fixturePolicy } from './test-fixtures.js';

describe('toMermaid', () => {
  it('draws the statechart walked from the machine, edges labelled with events and guards', () => {
    const diagram = toMermaid(fixturePolicy);
    expect(diagram.startsWith('stateDiagram-v2\n  [*] --> notSubmitted')).toBe(true);
    expect(diagram).toContain('notSubmitted --> submitted : ApplicationSubmitted [policyMatches]');
    expect(diagram).toContain('state publicityRound2 {');
    expect(diagram).toContain('publicityRound2__objected --> disqualified : ObjectionUpheld [objectionAccepted]');
    expect(diagram).toContain('submitted --> opinionSurveyed : OpinionSurveyCompleted [directChannel]');
    expect(diagram).toContain('revoked --> [*]');
    expect(toMermaid(createApplicationMachine(fixturePolicy))).toBe(diagram);
  });
});
