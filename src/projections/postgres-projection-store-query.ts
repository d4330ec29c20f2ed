import type { DocumentQuery, JsonScalar, KeyedDocument } from './projection-store.port.js';

/**
 * DocumentQuery evaluated in JavaScript over (key, JSON text) rows, with SQLite's json_extract
 * semantics so that both stores answer a query alike:
 * - a missing field, a JSON null, or a path through a non-object is NULL;
 * - true/false are 1/0, objects and arrays compare as their JSON text;
 * - a number never equals a string ('90' is not 90);
 * - ordering: NULL < numbers < strings (strings by code point, i.e. UTF-8 byte order), ties by key.
 * Why not JSONB: it refuses \u0000, and its operators are where PostgreSQL-compatible databases
 * differ most; documents stay TEXT, and PostgreSQL only narrows by projection, generation and prefix.
 */

const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** What json_extract yields. */
type SqlValue = null | number | string;

export function fieldPath(field: string): string[] {
  // Same check and message as the SQLite store: a typo like 'a..b' is an error, not an empty answer.
  if (!FIELD_PATH.test(field)) throw new Error(`Not a JSON field path: ${field}`);
  return field.split('.');
}

export function extract(doc: unknown, path: readonly string[]): SqlValue {
  let value = doc;
  for (const name of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, name)) return null;
    value = (value as Record<string, unknown>)[name];
  }
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'string') return value;
  return JSON.stringify(value);
}

const bindable = (value: Exclude<JsonScalar, null>): number | string => (typeof value === 'boolean' ? (value ? 1 : 0) : value);

/** undefined when the query has no `where`: PostgreSQL can then answer alone. Validates every path. */
export function compileWhere(where: DocumentQuery['where']): ((doc: unknown) => boolean) | undefined {
  const entries = Object.entries(where ?? {});
  if (entries.length === 0) return undefined;
  const tests = entries.map(([field, value]) => {
    const path = fieldPath(field);
    const values = Array.isArray(value) ? (value as readonly JsonScalar[]) : [value as JsonScalar];
    const wantsNull = values.includes(null);
    const present = values.filter((v): v is Exclude<JsonScalar, null> => v !== null).map(bindable);
    return (doc: unknown) => {
      const actual = extract(doc, path);
      return actual === null ? wantsNull : present.includes(actual);
    };
  });
  return (doc) => tests.every((test) => test(doc));
}

/** Code point order, which is UTF-8 byte order, i.e. SQLite's BINARY collation and PostgreSQL's "C". */
export function compareText(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/**
 * The least string above every string that starts with `prefix`, in code point order (= UTF-8
 * byte order = SQLite's BINARY = PostgreSQL's "C"): the prefix with its last code point
 * incremented. So `key >= prefix AND key < bound` is exactly "key starts with prefix", and it is
 * a range of the (projection, generation, key) primary key, where substr()/LIKE with a bound
 * parameter is a filter over the whole generation. Incrementing skips the surrogate block
 * (U+D7FF is followed by U+E000) and carries past U+10FFFF; null when there is no such string
 * (the prefix is all U+10FFFF): the lower bound alone is then exact.
 *
 * Lone surrogates cannot be stored (both drivers encode them as U+FFFD), so they are read as
 * U+FFFD here too: the bounds then describe the keys the prefix matches as stored.
 */
export function prefixUpperBound(prefix: string): string | null {
  const points = Array.from(wellFormed(prefix));
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) return points.join('') + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1);
  }
  return null;
}

/** The prefix as the drivers store it: lone surrogates as U+FFFD. */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** UTF-16 puts surrogates (U+10000 and up) below U+E000–U+FFFF; move them above. */
const codePointRank = (unit: number): number => (unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit);

function compareValues(a: SqlValue, b: SqlValue): number {
  const rank = (v: SqlValue) => (v === null ? 0 : typeof v === 'number' ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareText(a, b);
  return 0;
}

/** Filters, orders and pages parsed rows as SQLite's ORDER BY json_extract(doc, ?), key LIMIT/OFFSET would. */
export function evaluate(
  rows: ReadonlyArray<KeyedDocument<unknown>>,
  query: DocumentQuery,
  where: ((doc: unknown) => boolean) | undefined,
): Array<KeyedDocument<unknown>> {
  const kept = where ? rows.filter((row) => where(row.doc)) : [...rows];
  const sign = query.direction === 'desc' ? -1 : 1;
  const path = query.orderBy && query.orderBy !== 'key' ? fieldPath(query.orderBy) : undefined;
  const sortable = kept.map((row) => ({ row, value: path ? extract(row.doc, path) : null }));
  sortable.sort((a, b) => sign * (compareValues(a.value, b.value) || compareText(a.row.key, b.row.key)));
  const { limit, offset } = pageOf(query);
  return sortable.slice(offset, limit === undefined ? undefined : offset + limit).map(({ row }) => row);
}

/** SQLite treats a negative LIMIT as none and a negative OFFSET as 0; PostgreSQL refuses both. */
export function pageOf(query: DocumentQuery): { limit: number | undefined; offset: number } {
  const limit = query.limit === undefined || query.limit < 0 ? undefined : Math.floor(query.limit);
  return { limit, offset: Math.max(0, Math.floor(query.offset ?? 0)) };
}
