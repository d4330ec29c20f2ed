/**
 * The projection contract (emmett-style). A read model is data plus two pure functions: which
 * documents an event touches (`keys`) and how one document changes (`evolve`). The engine in
 * src/projections does everything else: ordering, batching, checkpoints, rebuilds, freshness.
 *
 * Pure: no I/O, no clock (`new Date()`), no randomness. Time comes from the event
 * (`metadata.occurredAt` / `metadata.recordedAt`), so a rebuild gives the same documents.
 */
import type { StoredEvent } from '../src/event-store/event-store.port.js';

export interface Projection<Doc = unknown> {
  /** Stable id: table rows, metrics labels and URLs (/api/projections/{name}) use it. */
  name: string;
  /** Bump when keys/evolve change meaning: the engine then rebuilds it (without downtime) at start. */
  version: number;
  /** Event types evolve is called for; the checkpoint still moves past every other event. */
  handles: readonly string[];
  /** Keys of the documents this event touches (none: the event is ignored). */
  keys(event: StoredEvent): string[];
  /**
   * The document after the event; `null` deletes it. `document` is null when it does not exist
   * yet. Called once per key of `keys(event)`, in global order; `key` says which document.
   */
  evolve(document: Doc | null, event: StoredEvent, key: string): Doc | null;
  /**
   * A value the store indexes each document by, for range queries in its order (DocumentQuery
   * `index`), e.g. the next due date; null leaves the document out of them. Pure, like evolve.
   */
  index?(document: Doc): string | null;
}

/** Identity helper that lets TypeScript infer `Doc` from `evolve`. */
export function defineProjection<Doc>(projection: Projection<Doc>): Projection<Doc> {
  return projection;
}

/** The regex the engine enforces on names (URL segment, metric label). */
export const PROJECTION_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Folds events into documents in memory, exactly as the engine does (handled types only, one
 * evolve per key, null deletes). For fast unit tests of a read model's logic; the engine's own
 * tests check that it matches.
 */
export function projectInMemory<Doc>(projection: Projection<Doc>, events: readonly StoredEvent[]): Map<string, Doc> {
  const handles = new Set(projection.handles);
  const documents = new Map<string, Doc>();
  for (const event of events) {
    if (!handles.has(event.type)) continue;
    for (const key of new Set(projection.keys(event))) {
      const next = projection.evolve(documents.get(key) ?? null, event, key);
      if (next === null) documents.delete(key);
      else documents.set(key, next);
    }
  }
  return documents;
}
