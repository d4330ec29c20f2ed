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
 * `complete`: the cache holds every document of the generation (it started empty at position 0
 * and nothing was dropped since), so a key it lacks does not exist and need not be looked up.
 */
interface Entry {
  doc: unknown;
  bytes: number;
}

export class DocumentCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    readonly maxBytes: number,
    public complete: boolean,
  ) {}

  /** The document, or undefined when the cache does not know it (look in the store). */
  get(key: string): unknown | null | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      return entry.doc;
    }
    return this.complete ? null : undefined;
  }

  /** Documents read from the store at the current checkpoint (with their JSON length). */
  loaded(documents: Iterable<[string, { doc: unknown; bytes: number }]>): void {
    for (const [key, { doc, bytes }] of documents) this.put(key, doc, bytes);
    this.trim();
  }

  /** After a successful commit: the documents as written (JSON text, null deleted). */
  committed(changes: ReadonlyMap<string, { doc: unknown; json: string | null }>): void {
    for (const [key, { doc, json }] of changes) {
      if (json === null) this.remove(key);
      else this.put(key, doc, json.length);
    }
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
      this.complete = false;
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
