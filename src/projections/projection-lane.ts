import { performance } from 'node:perf_hooks';
import type { Projection } from '../../projections/projection.js';
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
  /** JSON bytes of documents kept between batches. */
  cacheBytes: number;
  /** After each committed batch; awaited, so the next batch waits for it (e.g. an activation). */
  onCommit(lane: ProjectionLane): Promise<void>;
  /** When the lane stopped on its own: a conflict or a failure (not after stop()). */
  onExit(lane: ProjectionLane): void;
}

/** One batch of one lane, ready to commit: the store's batch and the documents it writes. */
export interface PreparedBatch {
  lane: ProjectionLane;
  batch: CommitBatch;
  documents: Map<string, { doc: unknown; json: string | null }>;
}

/**
 * One generation of one projection being kept up to date: its checkpoint, its state and its
 * documents' cache. The events come from the follower it is attached to (several lanes share one
 * subscription and one transaction per batch); the lane turns a batch into its documents.
 */
export class ProjectionLane {
  checkpoint: number;
  lastEventRecordedAt: string | null = null;
  /** performance.now() of the last commit (monotonic: the injected clock may be a manual one). */
  lastProgressAt = performance.now();
  state: LaneState = 'running';
  error: string | undefined;
  role: GenerationStatus;
  follower: ProjectionFollower | undefined;
  readonly handles: ReadonlySet<string>;
  readonly cache: DocumentCache;

  constructor(readonly options: LaneOptions) {
    this.checkpoint = options.fromPosition;
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

  /** Stops the lane and takes it off its follower (waits for a batch in progress). */
  async stop(): Promise<void> {
    if (this.state === 'running') this.state = 'stopped';
    await this.follower?.detach(this);
  }

  /**
   * The documents this batch changes, evolved from the cached or stored ones; null when the batch
   * brings nothing after the checkpoint. Throws what evolve (or serialising its result) throws.
   */
  async prepare(batch: EventBatch, updatedAt: string): Promise<PreparedBatch | null> {
    if (batch.position <= this.checkpoint) return null;
    const { projection, store, generation } = this.options;
    const current = new Map<string, unknown>();
    const missing: string[] = [];
    const touched: Array<{ event: EventBatch['events'][number]; keys: string[] }> = [];
    let last: EventBatch['events'][number] | undefined;
    for (const event of batch.events) {
      // A restarted subscription may repeat events already applied.
      if (event.position <= this.checkpoint) continue;
      last = event;
      if (!this.handles.has(event.type)) continue;
      const keys = [...new Set(projection.keys(event))];
      touched.push({ event, keys });
      for (const key of keys) {
        if (current.has(key)) continue;
        const cached = this.cache.get(key);
        if (cached === undefined) missing.push(key);
        current.set(key, cached ?? null);
      }
    }
    if (missing.length > 0) {
      const texts = await store.load(projection.name, generation, missing);
      for (const [key, json] of texts) {
        const doc = JSON.parse(json) as unknown;
        current.set(key, doc);
        this.cache.loaded(key, doc, json.length);
      }
    }
    const documents = new Map<string, { doc: unknown; json: string | null }>();
    for (const { event, keys } of touched) {
      for (const key of keys) {
        const doc = projection.evolve(current.get(key) ?? null, event, key);
        current.set(key, doc);
        documents.set(key, { doc, json: null });
      }
    }
    const changes = new Map<string, StoredDocument | null>();
    for (const [key, entry] of documents) {
      if (entry.doc === null) {
        changes.set(key, null);
        continue;
      }
      entry.json = JSON.stringify(entry.doc) ?? null;
      if (entry.json === null) throw new TypeError(`Projection ${projection.name}: evolve returned undefined for ${key} (return null to delete)`);
      changes.set(key, { json: entry.json, index: projection.index?.(entry.doc) ?? null });
    }
    const recordedAt = last?.metadata?.recordedAt;
    return {
      lane: this,
      documents,
      batch: {
        projection: projection.name,
        generation,
        fromPosition: this.checkpoint,
        toPosition: batch.position,
        lastEventRecordedAt: typeof recordedAt === 'string' ? recordedAt : this.lastEventRecordedAt,
        updatedAt,
        changes,
      },
    };
  }

  /** The batch is in the store: move on. */
  committed(prepared: PreparedBatch): void {
    this.checkpoint = prepared.batch.toPosition;
    this.lastEventRecordedAt = prepared.batch.lastEventRecordedAt;
    this.lastProgressAt = performance.now();
    this.cache.committed(prepared.documents);
  }

  /** Another writer moved this generation's checkpoint, or the generation is gone. */
  conflict(error: Error): void {
    this.exit('conflict', error.message);
  }

  fail(error: unknown): void {
    this.exit('failed', error instanceof Error ? error.message : String(error));
  }

  private exit(state: 'conflict' | 'failed', message: string): void {
    if (this.state !== 'running') return;
    this.state = state;
    this.error = message;
    void this.follower?.detach(this);
    this.options.onExit(this);
  }
}
