import { ValidationFailedError } from '../http/http-errors.js';
import type { ProjectionRunner } from './projection-runner.js';
import type { DocumentQuery, KeyedDocument, ProjectionStore } from './projection-store.port.js';

/** How long a query with ?minPosition= waits for its projection before answering stale. */
export const FRESHNESS_WAIT_MS = 2000;

/** Typed access to the active generation of one projection. */
export interface ProjectionView<Doc> {
  get(key: string): Promise<Doc | null>;
  list(query?: DocumentQuery): Promise<Array<KeyedDocument<Doc>>>;
  count(query?: DocumentQuery): Promise<number>;
}

/**
 * Every query answer. `checkpoint`: the documents reflect at least every event up to this global
 * position. `stale`: the caller asked for ?minPosition= and the projection had not reached it
 * after the wait; the answer is still given (200) so a screen can show it and retry, rather than
 * failing a read that is merely a little old.
 */
export interface Fresh<T> {
  checkpoint: number;
  stale: boolean;
  data: T;
}

export interface ReadOptions {
  /** A global position (an append's `position`), as a number or the raw query-string value. */
  minPosition?: number | string;
  waitMs?: number;
}

/** What read models' controllers use: waits for freshness, then queries, and reports the checkpoint. */
export class ProjectionReader {
  constructor(
    private readonly runner: ProjectionRunner,
    private readonly store: ProjectionStore,
  ) {}

  view<Doc>(projection: string): ProjectionView<Doc> {
    return {
      get: async (key) => (await this.store.get(projection, key)) as Doc | null,
      list: async (query) => (await this.store.list(projection, query)) as Array<KeyedDocument<Doc>>,
      count: (query) => this.store.count(projection, query),
    };
  }

  async read<Doc, T>(projection: string, options: ReadOptions, query: (view: ProjectionView<Doc>) => Promise<T>): Promise<Fresh<T>> {
    const minPosition = parseMinPosition(options.minPosition);
    const fresh = minPosition === undefined || (await this.runner.waitFor(projection, minPosition, options.waitMs ?? FRESHNESS_WAIT_MS));
    // Read before the documents, so it is a lower bound even if a batch commits in between.
    const checkpoint = (await this.store.activeCheckpoint(projection))?.position ?? 0;
    return { checkpoint, stale: !fresh, data: await query(this.view<Doc>(projection)) };
  }
}

export function parseMinPosition(value: number | string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const position = typeof value === 'number' ? value : /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new ValidationFailedError([{ field: 'minPosition', message: 'must be a non-negative integer (a global event position)' }]);
  }
  return position;
}
