/**
 * Canonical JSON, the text every event hash covers (README "Verifying hashes offline"): object keys
 * sorted by UTF-16 code units, no whitespace, `undefined` members dropped, everything else as
 * JSON.stringify writes it. `buildCanonicalJson` is the definition; `canonicalJson` takes a faster
 * route when it can and falls back to the definition otherwise. hash.spec.ts holds them together.
 */

/** The definition, written out. Hashes depend on every byte of it: do not change its output. */
export function buildCanonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // Finite numbers print as JSON.stringify prints them (-0 as 0); NaN and Infinity as null.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let index = 0; index < value.length; index++) {
          if (index > 0) out += ',';
          const item = value[index];
          out += item === undefined ? 'null' : buildCanonicalJson(item);
        }
        return `${out}]`;
      }
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += `${JSON.stringify(key)}:${buildCanonicalJson(member)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`Cannot canonicalise ${typeof value}`);
  }
}

/** Canonical JSON of `value`: byte for byte what buildCanonicalJson returns, or its error. */
export function canonicalJson(value: unknown): string {
  return fastCanonicalJson(value) ?? buildCanonicalJson(value);
}

/**
 * The fast route: copy the value into fresh plain objects whose keys are created in sorted order,
 * then one native JSON.stringify. Besides being faster than building the text piece by piece, it
 * yields a flat string, which SHA-256 and SQLite then read without first flattening a deep rope.
 * Returns undefined where the copy cannot express the definition: then the caller uses it.
 */
export function fastCanonicalJson(value: unknown): string | undefined {
  // A toJSON inherited by the fresh copies would make JSON.stringify call it.
  if ((Object.prototype as { toJSON?: unknown }).toJSON !== undefined) return undefined;
  if ((Array.prototype as { toJSON?: unknown }).toJSON !== undefined) return undefined;
  try {
    // undefined for a bare undefined, which the definition refuses with its own error.
    return JSON.stringify(toSortedCopy(value));
  } catch {
    // Functions, symbols, bigints, invalid dates, cycles, unsupported keys: the definition either
    // handles the value or throws its own error, so callers see exactly what it would do.
    return undefined;
  }
}

/** Thrown inside the copy for what it leaves to the definition. */
class NotCopyable extends Error {}

/**
 * A value JSON.stringify writes as the definition would: primitives as they are (JSON.stringify
 * drops undefined members, writes undefined items, NaN and ±Infinity as null, -0 as 0), dates as
 * their ISO string, arrays and other objects as fresh copies.
 */
function toSortedCopy(value: unknown): unknown {
  // typeof compared directly (not switch (typeof …)): V8 then tests types instead of building strings.
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) {
    return value;
  }
  if (typeof value !== 'object') throw new NotCopyable();
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index++) copy[index] = toSortedCopy(value[index]);
    return copy;
  }
  if (value instanceof Date) {
    const iso: unknown = value.toISOString();
    // The definition quotes whatever toISOString returns; only a string stays a plain string.
    if (typeof iso !== 'string') throw new NotCopyable();
    return iso;
  }
  return shapeOf(Object.keys(value)).copy(value as Record<string, unknown>, toSortedCopy);
}

type Copier = (source: Record<string, unknown>, convert: (value: unknown) => unknown) => Record<string, unknown>;

/** One set of keys in one own-key order (in practice: one object literal of the code base). */
interface Shape {
  keys: string[];
  sorted: string[];
  /** Sightings so far; never counted for a shape the copy cannot express. */
  seen: number;
  copy: Copier;
}

// Shapes are cached by their first key, up to 64 per key, FIFO; all dropped when there are too many
// first keys (objects used as dictionaries bring new keys all the time). 64, not 8: the award's
// event data almost all start with applicationId, and with 8 of them kept the shapes of a paced
// HTTP bench pushed each other out: 1,464 compilations in 5 s where 20 or so were needed.
const SHAPES_PER_FIRST_KEY = 64;
const MAX_FIRST_KEYS = 512;
/** And at most this many in all (each may hold a compiled function): beyond it, all are dropped. */
const MAX_SHAPES = 4096;
/** Compiled on the second sighting, so one-off key sets never cost a compilation. */
const COMPILE_AT = 2;
const shapes = new Map<string, Shape[]>();
let compiling = true;
let compilations = 0;
let shapeCount = 0;

/** How many key orders are cached, and how many copiers were compiled since start (tests, diagnostics). */
export function shapeCacheStats(): { shapes: number; compilations: number } {
  return { shapes: shapeCount, compilations };
}

function shapeOf(keys: string[]): Shape {
  const first = keys.length === 0 ? '' : keys[0]!;
  let list = shapes.get(first);
  if (list !== undefined) {
    for (let index = 0; index < list.length; index++) {
      const shape = list[index]!;
      if (sameKeys(shape.keys, keys)) {
        if (++shape.seen === COMPILE_AT && compiling) shape.copy = compile(shape.sorted) ?? shape.copy;
        return shape;
      }
    }
  } else {
    if (shapes.size >= MAX_FIRST_KEYS) clearShapes();
    shapes.set(first, (list = []));
  }
  if (shapeCount >= MAX_SHAPES) {
    clearShapes();
    shapes.set(first, (list = []));
  }
  const shape = newShape(keys);
  if (list.length >= SHAPES_PER_FIRST_KEY) {
    list.shift();
    shapeCount -= 1;
  }
  list.push(shape);
  shapeCount += 1;
  return shape;
}

function clearShapes(): void {
  shapes.clear();
  shapeCount = 0;
}

function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

function newShape(keys: string[]): Shape {
  const sorted = [...keys].sort();
  // Keys starting with a digit may be array indices, which every object lists first whatever the
  // creation order; '__proto__' would set the copy's prototype. Left to the definition.
  const copyable = sorted.every((key) => !(key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57) && key !== '__proto__');
  const copy: Copier = copyable
    ? (source, convert) => {
        const out: Record<string, unknown> = {};
        for (let index = 0; index < sorted.length; index++) out[sorted[index]!] = convert(source[sorted[index]!]);
        return out;
      }
    : () => {
        throw new NotCopyable();
      };
  // -Infinity: a shape the copy cannot express never reaches COMPILE_AT.
  return { keys, sorted, seen: copyable ? 1 : -Infinity, copy };
}

/**
 * An object literal listing the keys in sorted order: one allocation with the final layout and
 * monomorphic reads, about twice as fast as the generic copy. Keys enter the source only as
 * JSON.stringify output, which is always a valid JavaScript string literal (ES2019), so no key can
 * inject code. Where code generation is disabled (--disallow-code-generation-from-strings) the
 * generic copy stays.
 */
function compile(sorted: string[]): Copier | undefined {
  compilations += 1;
  const members = sorted.map((key) => `${JSON.stringify(key)}: convert(source[${JSON.stringify(key)}])`);
  try {
    return new Function('source', 'convert', `return { ${members.join(', ')} };`) as Copier;
  } catch {
    compiling = false;
    return undefined;
  }
}
