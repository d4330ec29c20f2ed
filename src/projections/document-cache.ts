/**
 * One lane's documents as they stand at its checkpoint, kept between batches so that a batch
 * parses (and the store reads) only the documents it has not seen recently.
 *
 * Safe because a lane is the only writer of its generation: any other writer moves the
 * checkpoint, which makes the lane's next commit fail and the lane (with its cache) be dropped.
 * Entries change only after a commit succeeded (`committed`), so a refused batch leaves the cache
 * at the stored state. Bounded by the documents' JSON size (a measure of their weight in memory),
 * least recently used first out.
 *
 * A lane that starts at position 0 (a new generation, which has no document yet) also knows which
 * documents exist: every one was written through this cache. It keeps their keys (not the
 * documents) up to `maxKeys`, so a key it never wrote is answered as absent without asking the
 * store, even after its document budget dropped others: a rebuild meets a new key with every new
 * application, and over a million events these lookups of nothing were ~94,000 per projection.
 * Past `maxKeys` it forgets the keys and asks the store for what it does not hold.
 */
interface Entry {
  doc: unknown;
  bytes: number;
}

/** About 100 bytes of memory per key (the Set's slot and the string): ~50 MB per lane at most. */
export const DEFAULT_MAX_KEYS = 500_000;

export class DocumentCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  /** Every key the generation holds, while known (null: ask the store for what is not cached). */
  private existing: Set<string> | null;

  constructor(
    readonly maxBytes: number,
    startsEmpty: boolean,
    readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {
    this.existing = startsEmpty ? new Set() : null;
  }

  /** Whether it knows every key of the generation (a key it lacks does not exist). */
  get complete(): boolean {
    return this.existing !== null;
  }

  /** The document, null when it knows there is none, or undefined when it does not know (look in the store). */
  get(key: string): unknown | null | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      return entry.doc;
    }
    if (this.existing === null || this.existing.has(key)) return undefined;
    return null;
  }

  /** Documents read from the store at the current checkpoint (with their JSON length). */
  loaded(documents: Iterable<[string, { doc: unknown; bytes: number }]>): void {
    for (const [key, { doc, bytes }] of documents) this.put(key, doc, bytes);
    this.trim();
  }

  /** After a successful commit: the documents as written (JSON text, null deleted). */
  committed(changes: ReadonlyMap<string, { doc: unknown; json: string | null }>): void {
    for (const [key, { doc, json }] of changes) {
      if (json === null) {
        this.remove(key);
        this.existing?.delete(key);
      } else {
        this.put(key, doc, json.length);
        this.existing?.add(key);
      }
    }
    if (this.existing && this.existing.size > this.maxKeys) this.existing = null;
    this.trim();
  }

  get size(): number {
    return this.entries.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  private put(key: string, doc: unknown, bytes: number): void {
    this.remove(key);
    this.entries.set(key, { doc, bytes });
    this.bytes += bytes;
  }

  /** Drops the least recently used entries (the Map's first) until the cache fits. */
  private trim(): void {
    if (this.bytes <= this.maxBytes) return;
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= entry.bytes;
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
