/**
 * Where read-model documents and checkpoints live. Small on purpose: the SQLite adapter sits in
 * the embedded event store's file; a PostgreSQL adapter is the same plain SQL over three tables:
 *
 *   projection_registry    (projection PK, active_generation, last_generation)
 *   projection_checkpoints (projection, generation, version, status, position,
 *                           last_event_recorded_at, updated_at)           PK (projection, generation)
 *   projection_documents   (projection, generation, key, doc JSON, index_key)
 *                                           unique (projection, generation, key), index (projection, generation, index_key)
 *
 * A generation is one complete build of a read model. Queries read the registry's active one; a
 * rebuild fills a new 'building' generation beside it, then `activate` swaps them in one transaction.
 */

export const PROJECTION_STORE = Symbol.for('PROJECTION_STORE');

export type GenerationStatus = 'live' | 'building';

export interface GenerationState {
  projection: string;
  generation: number;
  /** Projection.version the generation was built with. */
  version: number;
  status: GenerationStatus;
  /** Global position of the last event applied (0: none). */
  position: number;
  /** metadata.recordedAt of that event, for lag in seconds. */
  lastEventRecordedAt: string | null;
  updatedAt: string;
}

export interface ProjectionState {
  /** null until the projection was first registered. */
  active: number | null;
  generations: GenerationState[];
}

/** One batch: documents and checkpoint are written in one transaction, or nothing is. */
export interface CommitBatch {
  projection: string;
  generation: number;
  /** The checkpoint the batch was computed from; the commit is refused when the stored one differs. */
  fromPosition: number;
  toPosition: number;
  lastEventRecordedAt: string | null;
  updatedAt: string;
  /** Documents to write by key (the engine serialises them); null deletes. */
  changes: ReadonlyMap<string, StoredDocument | null>;
}

/** A document as the store keeps it: JSON text and the value it is indexed by (Projection.index). */
export interface StoredDocument {
  json: string;
  index: string | null;
}

export type JsonScalar = string | number | boolean | null;

/**
 * Plain filters: equality on top-level or dotted JSON fields (`{ 'applicant.kind': 'organisation' }`),
 * an array meaning "one of"; SQL: json_extract(doc, '$.field') = ? (SQLite), doc #>> '{field}' (PostgreSQL).
 */
export interface DocumentQuery {
  where?: Record<string, JsonScalar | readonly JsonScalar[]>;
  keyPrefix?: string;
  /**
   * Only documents whose index value (Projection.index) lies between `from` and `to` (inclusive,
   * either optional), in the order of that value, then key; documents without one are left out.
   * Served by an index of the store, so a query reads only what it returns. Not combined with
   * `where`, `orderBy` or `keyPrefix`.
   */
  index?: { from?: string; to?: string };
  /** A JSON field, or 'key' (default). Ties are broken by key. */
  orderBy?: string;
  direction?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export interface KeyedDocument<Doc> {
  key: string;
  doc: Doc;
}

/** Where the active generation stands: a query's answer reflects at least this position. */
export interface ActiveCheckpoint {
  generation: number;
  position: number;
}

export interface ProjectionStore {
  /** Creates the tables if missing. */
  init(): Promise<void>;
  state(projection: string): Promise<ProjectionState>;
  /**
   * Adds a generation at position 0. The first generation of a projection becomes active at once
   * (there is nothing older to answer from); later ones start as 'building'.
   */
  createGeneration(projection: string, version: number, updatedAt: string): Promise<GenerationState>;
  /** The JSON text of those documents of a generation that exist (the engine parses them). */
  load(projection: string, generation: number, keys: readonly string[]): Promise<Map<string, string>>;
  /**
   * Writes one or several batches (of different projections or generations) in one transaction:
   * all or nothing. Throws CheckpointConflictError, naming the batch, when its checkpoint moved or
   * its generation is gone; nothing of any batch is then written.
   */
  commit(batches: CommitBatch | readonly CommitBatch[]): Promise<void>;
  /** Makes `generation` the active one and deletes every other generation, in one transaction. */
  activate(projection: string, generation: number): Promise<void>;
  /** Deletes a generation that is not active (an abandoned build). */
  dropGeneration(projection: string, generation: number): Promise<void>;

  // Reads, always of the active generation.
  activeCheckpoint(projection: string): Promise<ActiveCheckpoint | null>;
  get(projection: string, key: string): Promise<unknown | null>;
  list(projection: string, query?: DocumentQuery): Promise<Array<KeyedDocument<unknown>>>;
  count(projection: string, query?: DocumentQuery): Promise<number>;
  /** Releases what the store opened itself (a shared connection is left to its owner). */
  close(): Promise<void>;
}

/** Another writer moved the checkpoint, or the generation was replaced: reload and resume. */
export class CheckpointConflictError extends Error {
  readonly code = 'PROJECTION_CHECKPOINT_CONFLICT';
  constructor(
    readonly projection: string,
    readonly generation: number,
    readonly expected: number,
    readonly actual: number | null,
  ) {
    super(
      `Projection ${projection} generation ${generation}: expected checkpoint ${expected}, found ${actual ?? 'no generation'}`,
    );
    this.name = 'CheckpointConflictError';
  }
}

/**
 * The batches of one commit, checked and in one fixed order (projection, then generation): every
 * writer takes the checkpoint rows' locks in the same order, so two multi-batch commits cannot
 * deadlock (PostgreSQL). Shared by the adapters.
 */
export function inCommitOrder(batches: CommitBatch | readonly CommitBatch[]): CommitBatch[] {
  const list = Array.isArray(batches) ? [...(batches as readonly CommitBatch[])] : [batches as CommitBatch];
  const seen = new Set<string>();
  for (const batch of list) {
    if (!(batch.toPosition > batch.fromPosition)) {
      throw new Error(`A batch must move the checkpoint forward (${batch.fromPosition} -> ${batch.toPosition})`);
    }
    const id = `${batch.projection}\u0000${batch.generation}`;
    if (seen.has(id)) throw new Error(`Projection ${batch.projection} generation ${batch.generation} appears twice in one commit`);
    seen.add(id);
  }
  return list.sort((a, b) => (a.projection < b.projection ? -1 : a.projection > b.projection ? 1 : a.generation - b.generation));
}

/** The index query's checks, shared by the adapters. */
export function assertIndexQuery(query: DocumentQuery): void {
  if (query.index && (query.where !== undefined || (query.orderBy !== undefined && query.orderBy !== 'key') || query.keyPrefix !== undefined)) {
    throw new Error('An index query takes no where, orderBy or keyPrefix');
  }
}
