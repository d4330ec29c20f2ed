import { performance } from 'node:perf_hooks';
import type { Projection } from '../../projections/projection.js';
import type { StoredEvent } from '../event-store/event-store.port.js';
import { DocumentCache } from './document-cache.js';
import type { EventBatch } from './event-batches.js';
import type { ProjectionFollower } from './projection-follower.js';
import type { CommitBatch, GenerationStatus, ProjectionStore, StoredDocument } from './projection-store.port.js';

export type LaneState = 'running' | 'conflict' | 'failed' | 'stopped';

export interface LaneOptions {
  projection: Projection<unknown>;
  generation: number;
  role: GenerationStatus;
  /** The generation's stored checkpoint: the lane applies the events after it. */
  fromPosition: number;
  store: ProjectionStore;
  /** JSON bytes of (committed) documents kept between batches. */
  cacheBytes: number;
  /** After each commit of this lane; awaited, so the next batch waits for it (e.g. an activation). */
  onCommit(lane: ProjectionLane): Promise<void>;
  /** When the lane stopped on its own: a conflict or a failure (not after stop()). */
  onExit(lane: ProjectionLane): void;
}

/** What a lane has applied since its last commit, ready to be committed. */
export interface PreparedBatch {
  lane: ProjectionLane;
  batch: CommitBatch;
  /** A document entered, left or moved in the projection's index. */
  indexChanged: boolean;
  documents: Map<string, { doc: unknown; json: string | null }>;
}

/**
 * One generation of one projection being kept up to date: its checkpoint, its state and its
 * documents. The events come from the follower it is attached to (several lanes share one
 * subscription and one transaction per commit).
 *
 * `apply` evolves a batch into the lane's dirty documents (in memory); `prepare` turns them into
 * a commit (documents serialised once, however many events changed them) that moves the stored
 * checkpoint from `checkpoint` to `applied`. The follower decides when to commit: after every batch
 * while the lane is caught up, every so many events or documents while it catches up (a rebuild),
 * which is what keeps a long catch-up from rewriting a document once per event. Nothing is stored
 * between commits; a crash resumes from the stored checkpoint.
 */
export class ProjectionLane {
  /** Stored checkpoint: what the read model's documents reflect. */
  checkpoint: number;
  /** Applied in memory (>= checkpoint): the dirty documents hold the difference. */
  applied: number;
  lastEventRecordedAt: string | null = null;
  private appliedRecordedAt: string | null = null;
  /** performance.now() of the last commit (monotonic: the injected clock may be a manual one). */
  lastProgressAt = performance.now();
  state: LaneState = 'running';
  error: string | undefined;
  role: GenerationStatus;
  follower: ProjectionFollower | undefined;
  readonly handles: ReadonlySet<string>;
  readonly cache: DocumentCache;
  /** Documents changed since the last commit (null: deleted). Never evicted: they exist nowhere else. */
  private readonly dirty = new Map<string, unknown>();
  /** For a projection with an index: each dirty document's index value as it was committed. */
  private readonly indexBefore = new Map<string, string | null>();
  /** Whether the last commit changed the index (a document entered, left or moved in it). */
  lastCommitChangedIndex = false;

  constructor(readonly options: LaneOptions) {
    this.checkpoint = options.fromPosition;
    this.applied = options.fromPosition;
    this.role = options.role;
    this.handles = new Set(options.projection.handles);
    // A generation at position 0 has no document yet (documents are written only with a checkpoint move).
    this.cache = new DocumentCache(options.cacheBytes, options.fromPosition === 0);
  }

  get name(): string {
    return this.options.projection.name;
  }

  get generation(): number {
    return this.options.generation;
  }

  /** Documents changed and not committed yet. */
  get dirtyDocuments(): number {
    return this.dirty.size;
  }

  /** Stops the lane and takes it off its follower (waits for a batch in progress). */
  async stop(): Promise<void> {
    if (this.state === 'running') this.state = 'stopped';
    await this.follower?.detach(this);
  }

  /** Evolves the batch's events after `applied` into the dirty documents. Throws what evolve throws. */
  async apply(batch: EventBatch): Promise<void> {
    if (batch.position <= this.applied) return;
    const { projection } = this.options;
    const touched: Array<{ event: StoredEvent; keys: readonly string[] }> = [];
    let last: StoredEvent | undefined;
    for (const event of batch.events) {
      // A restarted subscription may repeat events already applied.
      if (event.position <= this.applied) continue;
      last = event;
      if (!this.handles.has(event.type)) continue;
      const keys = projection.keys(event);
      touched.push({ event, keys: keys.length > 1 ? [...new Set(keys)] : keys });
    }
    const current = await this.documentsOf(touched);
    for (const { event, keys } of touched) {
      for (const key of keys) {
        const before = current.get(key) ?? null;
        if (projection.index && !this.dirty.has(key) && !this.indexBefore.has(key)) {
          this.indexBefore.set(key, before === null ? null : projection.index(before));
        }
        const doc = projection.evolve(before, event, key);
        current.set(key, doc);
        this.dirty.set(key, doc);
      }
    }
    this.applied = batch.position;
    const recordedAt = last?.metadata?.recordedAt;
    if (typeof recordedAt === 'string') this.appliedRecordedAt = recordedAt;
  }

  /** The commit of what was applied since the last one (null: nothing to commit). Throws what serialising throws. */
  prepare(updatedAt: string): PreparedBatch | null {
    if (this.applied <= this.checkpoint) return null;
    const { projection, generation } = this.options;
    const documents = new Map<string, { doc: unknown; json: string | null }>();
    const changes = new Map<string, StoredDocument | null>();
    let indexChanged = false;
    for (const [key, doc] of this.dirty) {
      const index = doc === null ? null : (projection.index?.(doc) ?? null);
      if (index !== (this.indexBefore.get(key) ?? null)) indexChanged = true;
      if (doc === null) {
        documents.set(key, { doc, json: null });
        changes.set(key, null);
        continue;
      }
      const json = JSON.stringify(doc) as string | undefined;
      if (json === undefined) throw new TypeError(`Projection ${projection.name}: evolve returned undefined for ${key} (return null to delete)`);
      documents.set(key, { doc, json });
      changes.set(key, { json, index });
    }
    return {
      lane: this,
      indexChanged,
      documents,
      batch: {
        projection: projection.name,
        generation,
        fromPosition: this.checkpoint,
        toPosition: this.applied,
        lastEventRecordedAt: this.appliedRecordedAt ?? this.lastEventRecordedAt,
        updatedAt,
        changes,
      },
    };
  }

  /** The commit is in the store: its documents are now the stored ones. */
  committed(prepared: PreparedBatch): void {
    this.checkpoint = prepared.batch.toPosition;
    this.lastEventRecordedAt = prepared.batch.lastEventRecordedAt;
    this.lastProgressAt = performance.now();
    this.cache.committed(prepared.documents);
    this.dirty.clear();
    this.indexBefore.clear();
    this.lastCommitChangedIndex = prepared.indexChanged;
  }

  /** Another writer moved this generation's checkpoint, or the generation is gone. */
  conflict(error: Error): void {
    this.exit('conflict', error.message);
  }

  fail(error: unknown): void {
    this.exit('failed', error instanceof Error ? error.message : String(error));
  }

  /** The current document of each key: dirty, cached, or read from the store (one read for all missing). */
  private async documentsOf(touched: ReadonlyArray<{ keys: readonly string[] }>): Promise<Map<string, unknown>> {
    const current = new Map<string, unknown>();
    const missing: string[] = [];
    for (const { keys } of touched) {
      for (const key of keys) {
        if (current.has(key)) continue;
        if (this.dirty.has(key)) {
          current.set(key, this.dirty.get(key));
          continue;
        }
        const cached = this.cache.get(key);
        if (cached === undefined) missing.push(key);
        current.set(key, cached ?? null);
      }
    }
    if (missing.length > 0) {
      const { projection, store, generation } = this.options;
      const loaded = new Map<string, { doc: unknown; bytes: number }>();
      for (const [key, json] of await store.load(projection.name, generation, missing)) {
        const doc = JSON.parse(json) as unknown;
        current.set(key, doc);
        loaded.set(key, { doc, bytes: json.length });
      }
      this.cache.loaded(loaded);
    }
    return current;
  }

  private exit(state: 'conflict' | 'failed', message: string): void {
    if (this.state !== 'running') return;
    this.state = state;
    this.error = message;
    this.dirty.clear();
    this.indexBefore.clear();
    void this.follower?.detach(this);
    this.options.onExit(this);
  }
}
