/**
 * The statechart as a Mermaid `stateDiagram-v2`, walked from the machine's state nodes (so it shows
 * what runs, not a hand-drawn copy). Edges are labelled with the event type and, where there is
 * one, the guard's name.
 */
import type { AnyStateNode } from 'xstate';
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { createApplicationMachine } from './machine.js';

/** Any XState machine (its typed snapshots do not fit AnyStateMachine, so only `root` is asked for). */
export type MachineLike = { readonly root: unknown };

function isMachine(value: MachineLike | ProgrammePolicy): value is MachineLike {
  return 'root' in value;
}

/** Mermaid ids cannot contain dots; a node's id is its path. */
const idOf = (node: AnyStateNode) => node.path.join('__');

function guardName(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && 'type' in guard) return String((guard as { type: unknown }).type);
  if (typeof guard === 'function') {
    const inner = (guard as { guards?: unknown[] }).guards;
    if (Array.isArray(inner)) return inner.map(guardName).join(' and ');
    return guard.name || 'guard';
  }
  return undefined;
}

function renderNode(node: AnyStateNode, indent: string, lines: string[], edges: string[]): void {
  const id = idOf(node);
  const children = Object.values(node.states) as AnyStateNode[];
  if (children.length > 0) {
    lines.push(`${indent}state ${id} {`);
    const initial = node.config.initial;
    if (typeof initial === 'string' && node.states[initial]) lines.push(`${indent}  [*] --> ${idOf(node.states[initial]!)}`);
    for (const child of children) renderNode(child, `${indent}  `, lines, edges);
    lines.push(`${indent}}`);
  } else if (node.type === 'final') {
    lines.push(`${indent}${id} --> [*]`);
  }
  for (const [eventType, transitions] of node.transitions) {
    for (const transition of transitions) {
      const guard = guardName(transition.guard);
      const label = guard ? `${eventType} [${guard}]` : eventType;
      const targets = (transition.target ?? [node]) as AnyStateNode[];
      for (const target of targets) edges.push(`  ${id} --> ${idOf(target)} : ${label}`);
    }
  }
}

export function toMermaid(source: MachineLike | ProgrammePolicy): string {
  const machine = isMachine(source) ? source : createApplicationMachine(source);
  const root = machine.root as AnyStateNode;
  const lines = ['stateDiagram-v2'];
  const edges: string[] = [];
  const initial = root.config.initial;
  if (typeof initial === 'string' && root.states[initial]) lines.push(`  [*] --> ${idOf(root.states[initial]!)}`);
  for (const node of Object.values(root.states) as AnyStateNode[]) renderNode(node, '  ', lines, edges);
  return [...lines, ...edges].join('\n') + '\n';
}
