/**
 * The checks of the consistency run: live documents against documents recomputed from scratch
 * (a fresh engine from position 0, and the in-memory fold), and the quota read model against the
 * policy and the term aggregate.
 */
import { isDeepStrictEqual } from 'node:util';
import { type Projection, projectInMemory } from '../../projections/projection.js';
import { QUOTA_PROJECTION, type QuotaDocument, quotaView } from '../../projections/quota.js';
import type { AwardService } from '../../src/awards/award.service.js';
import { policies } from '../../src/awards/test-support.js';
import type { Clock } from '../../src/clock/clock.js';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import type { ProjectionReader } from '../../src/projections/projection-reader.js';
import { ProjectionRunner } from '../../src/projections/projection-runner.js';
import type { ProjectionStore } from '../../src/projections/projection-store.port.js';
import { SqliteProjectionStore } from '../../src/projections/sqlite-projection-store.js';
import { quotaTable } from '../../workflows/policy/quota.js';
import type { TermInfo } from './award-driver.js';

export const QUIET = { log() {}, warn() {}, error() {} };

export type Documents = Record<string, unknown>;

/** As stored: the engine keeps documents as JSON, so the fold is compared in that form. */
function asJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Every document of a projection's active generation, by key. */
export async function activeDocuments(store: ProjectionStore, name: string): Promise<Documents> {
  return Object.fromEntries((await store.list(name)).map(({ key, doc }) => [key, doc]));
}

/** Every projection built by a fresh engine from position 0 into a new (in-memory) projection store. */
export async function engineFromScratch(
  events: EventStore,
  projections: readonly Projection<any>[],
  clock: Clock,
  batchSize: number,
): Promise<Map<string, Documents>> {
  const store = SqliteProjectionStore.open(':memory:');
  const runner = new ProjectionRunner(events, store, projections, clock, undefined, { logger: QUIET, batchSize });
  try {
    const head = await events.headPosition();
    await runner.start();
    const built = new Map<string, Documents>();
    for (const { name } of projections) {
      if (!(await runner.waitFor(name, head, 60_000))) throw new Error(`The from-scratch engine did not bring ${name} to ${head}`);
      built.set(name, await activeDocuments(store, name));
    }
    return built;
  } finally {
    await runner.stop();
    await store.close();
  }
}

/** Every projection folded in memory over readAll (the engine's own reference, projectInMemory). */
export async function foldFromScratch(events: EventStore, projections: readonly Projection<any>[]): Promise<Map<string, Documents>> {
  const all = await events.readAll({ limit: Number.MAX_SAFE_INTEGER });
  return new Map(projections.map((p) => [p.name, asJson(Object.fromEntries(projectInMemory(p, all)))]));
}

/** Deep-equal documents, key by key; the message names the first few keys that differ. Returns the count compared. */
export function expectSameDocuments(label: string, actual: Documents, expected: Documents): number {
  const keys = [...new Set([...Object.keys(actual), ...Object.keys(expected)])].sort();
  const differing = keys.filter((key) => !isDeepStrictEqual(actual[key], expected[key]));
  if (differing.length > 0) {
    const first = differing[0]!;
    throw new Error(
      `${label}: ${differing.length} of ${keys.length} documents differ (${differing.slice(0, 5).join(', ')})\n` +
        `first, ${first}:\n  live:     ${JSON.stringify(actual[first] ?? null)}\n  expected: ${JSON.stringify(expected[first] ?? null)}`,
    );
  }
  return keys.length;
}

/**
 * The quota read model as a screen reads it (ProjectionReader with ?minPosition= the head, so it
 * waits for the live runner), through quotaView with the term's policy version: no line shows more
 * held than the limit or a negative free count, and every line holds what the term aggregate counts.
 */
export async function checkQuota(reader: ProjectionReader, events: EventStore, service: AwardService, term: TermInfo): Promise<void> {
  const head = await events.headPosition();
  const read = await reader.read<QuotaDocument, QuotaDocument | null>(QUOTA_PROJECTION, { minPosition: head, waitMs: 30_000 }, (view) =>
    view.get(term.termId),
  );
  const where = `quota of ${term.termId} at position ${head}`;
  if (read.stale) throw new Error(`${where}: the live runner did not catch up (checkpoint ${read.checkpoint})`);
  if (!read.data) throw new Error(`${where}: no document`);
  const doc = read.data;
  const lines = quotaView(doc, policies.get(doc.programmeId, doc.policyVersion)).lines;
  const aggregate = await service.getTerm(term.termId);
  const counted = quotaTable(term.policy, aggregate.placesHeld);
  if (lines.length === 0 || lines.length !== counted.length) throw new Error(`${where}: ${lines.length} lines, the aggregate has ${counted.length}`);
  lines.forEach((line, i) => {
    const row = counted[i]!;
    const problems = [
      line.held > line.limit && `held ${line.held} > limit ${line.limit}`,
      line.free < 0 && `free ${line.free} < 0`,
      line.free !== line.limit - line.held && `free ${line.free} ≠ limit ${line.limit} − held ${line.held}`,
      (line.tier !== row.tier || line.kind !== row.kind || line.limit !== row.limit) && `line ${line.tier}/${line.kind} is ${row.tier}/${row.kind} in the aggregate`,
      line.held !== row.used && `held ${line.held}, the term aggregate counts ${row.used}`,
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(`${where}, line ${line.tier}/${line.kind}: ${problems.join('; ')}`);
  });
  // Awarded at the approval, then by supplementary decisions.
  const approvedTerm = aggregate as unknown as { approval: { awarded: unknown[] }; supplementary: Array<{ outcome: string }> };
  const approved = aggregate.status === 'approved' ? approvedTerm.approval.awarded.length + approvedTerm.supplementary.filter((d) => d.outcome === 'awarded').length : 0;
  const facts = { status: doc.status, proposed: doc.proposed.length, awarded: doc.awarded.length, revoked: doc.revoked.length };
  const expected = { status: aggregate.status, proposed: aggregate.proposed.length, awarded: approved, revoked: aggregate.revoked.length };
  if (!isDeepStrictEqual(facts, expected)) throw new Error(`${where}: read model ${JSON.stringify(facts)}, aggregate ${JSON.stringify(expected)}`);
}
