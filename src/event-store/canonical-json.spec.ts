import { buildCanonicalJson, canonicalJson, fastCanonicalJson, shapeCacheStats } from './canonical-json.js';
import { referenceCanonical } from './spec-helpers.js';

// Keys V8 orders first whatever the creation order ('10', '9', '0'), keys that look numeric but are
// not indices ('01', '-1', '1e3'), '__proto__' as an own key, names of Object.prototype members,
// non-ASCII, a lone surrogate and keys that would break generated code if pasted unquoted.
const KEYS = ['b', 'a', '中', 'Z', '_', '10', '9', '0', '01', '-1', '1e3', 'é', '', 'toJSON', 'constructor', '😀', '\ud800', '\u2028', '"]);globalThis.injected=1;//'];

class Point {
  constructor(
    public y: number,
    public x: number,
  ) {}
  toJSON(): string {
    return 'ignored by the definition';
  }
}

/** Deterministic generator (no randomness in the assertion's inputs between runs). */
function* values(seed: number, depth = 0): Generator<unknown> {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648);
  const leaves = (): unknown[] => [
    null, true, false, -0, 1.5e-7, 1e21, Number.NaN, -Infinity, next(), '济南 "质量" \\ \n \u2028 😀 \ud800', '', 'key',
    new Date(Date.UTC(2025, 2, 1, 2, next() % 60)), new Point(1, 2), new Map([['k', 1]]), Object.create(null) as object, new Number(3),
  ];
  const leaf = () => {
    const all = leaves();
    return all[next() % all.length];
  };
  for (let i = 0; i < 200; i++) {
    const kind = next() % 4;
    if (depth > 2 || kind === 0) yield leaf();
    else if (kind === 1) {
      const items = Array.from({ length: next() % 4 }, () => (next() % 5 === 0 ? undefined : leaf()));
      if (next() % 4 === 0) items.length += 2; // holes
      items.push(values(next(), depth + 1).next().value);
      yield items;
    } else {
      // JSON.parse makes '__proto__' an own key, as a request body would.
      const object: Record<string, unknown> = next() % 9 === 0 ? (JSON.parse('{"__proto__": 1, "m": 2}') as Record<string, unknown>) : {};
      for (let k = 0; k < next() % 6; k++) object[KEYS[next() % KEYS.length]!] = next() % 7 === 0 ? undefined : leaf();
      object.nested = values(next(), depth + 1).next().value;
      yield object;
    }
  }
}

const sample = () => {
  const all: unknown[] = [];
  for (let seed = 1; seed < 40; seed++) for (const value of values(seed)) all.push(value);
  return all;
};

/** Shaped like the store's events (bench/append.ts, the contract suite). */
const payload = (i: number) => ({
  data: { applicationId: `app-${i}`, enterprise: '杭州某某精密制造股份有限公司', round: 2, score: 80 + i / 10, reviewers: ['张伟', '李娜'], at: new Date(0) },
  metadata: { actor: { sub: 'u-42', name: '评审办公室', roles: ['office'] }, occurredAt: '2025-03-01', schemaVersion: 1, extra: undefined },
});

describe('canonical JSON', () => {
  it('matches the definition byte for byte on generated values, on first sight and once compiled', () => {
    const all = sample();
    expect(all.length).toBeGreaterThan(5000);
    for (let pass = 0; pass < 3; pass++) {
      for (const value of all) {
        const expected = referenceCanonical(value);
        expect(buildCanonicalJson(value)).toBe(expected);
        expect(canonicalJson(value)).toBe(expected);
        const fast = fastCanonicalJson(value);
        if (fast !== undefined) expect(fast).toBe(expected);
      }
    }
    expect((globalThis as { injected?: unknown }).injected).toBeUndefined();
  });

  it('takes the fast route for event payloads and leaves integer-like and __proto__ keys to the definition', () => {
    for (let i = 0; i < 5; i++) {
      const { data, metadata } = payload(i);
      expect(fastCanonicalJson(data)).toBe(referenceCanonical(data));
      expect(fastCanonicalJson(metadata)).toBe(referenceCanonical(metadata));
    }
    const indexed = { b: 1, 10: 'x', 9: 'y' };
    expect(fastCanonicalJson(indexed)).toBeUndefined();
    expect(canonicalJson(indexed)).toBe('{"10":"x","9":"y","b":1}');
    const proto = JSON.parse('{"z": 1, "__proto__": {"a": 2}}') as unknown;
    expect(fastCanonicalJson(proto)).toBeUndefined();
    expect(canonicalJson(proto)).toBe('{"__proto__":{"a":2},"z":1}');
  });

  it('sorts keys, drops undefined members and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [1, undefined, 'x'], c: undefined, d: { z: null, y: -0 } })).toBe('{"a":[1,null,"x"],"b":1,"d":{"y":0,"z":null}}');
    expect(canonicalJson(Number.NaN)).toBe('null');
    expect(canonicalJson({ at: new Date(Date.UTC(2025, 2, 1)) })).toBe('{"at":"2025-03-01T00:00:00.000Z"}');
  });

  it('refuses what the definition refuses, with the same error', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const refused: unknown[] = [undefined, () => 1, Symbol('s'), 10n, { f: () => 1 }, [Symbol('s')], { d: new Date(Number.NaN) }, cyclic];
    for (const value of refused) {
      let expected: unknown;
      try {
        buildCanonicalJson(value);
      } catch (error) {
        expected = error;
      }
      expect(expected).toBeInstanceOf(Error);
      expect(() => canonicalJson(value)).toThrow(expected as Error);
    }
  });

  it('stays the definition when a prototype is polluted with toJSON', () => {
    const value = { b: [1, { d: 2, c: 3 }], a: 'x' };
    for (const proto of [Object.prototype, Array.prototype] as Array<{ toJSON?: () => string }>) {
      proto.toJSON = () => 'polluted';
      try {
        expect(canonicalJson(value)).toBe('{"a":"x","b":[1,{"c":3,"d":2}]}');
      } finally {
        delete proto.toJSON;
      }
    }
  });

  it('compiles each key set once when many share a first key (event data: applicationId first)', () => {
    // 40 event types' data, all starting with applicationId, seen over and over as in a server's life.
    const shapes = Array.from({ length: 40 }, (_, type) => {
      const keys = ['applicationId', ...Array.from({ length: 1 + (type % 5) }, (_, k) => `field${type}_${k}`)];
      return (n: number) => Object.fromEntries(keys.map((key, k) => [key, k === 0 ? `app-${n}` : n + k]));
    });
    canonicalJson(shapes[0]!(0));
    const before = shapeCacheStats().compilations;
    for (let round = 0; round < 10; round++) {
      for (const make of shapes) {
        const value = make(round);
        expect(canonicalJson(value)).toBe(buildCanonicalJson(value));
      }
    }
    // Compiled at each shape's second sighting, never again. With 8 kept per first key they pushed
    // each other out before a second sighting: none compiled, every copy the slow generic one.
    expect(shapeCacheStats().compilations - before).toBe(40);
  });

  it('stays exact while its cache of key sets churns (objects used as dictionaries)', () => {
    for (let i = 0; i < 3000; i++) {
      const value = { [`k${i % 700}`]: i, [`k${i % 13}`]: { [`n${i}`]: true, a: [i] }, z: 1 };
      expect(canonicalJson(value)).toBe(referenceCanonical(value));
    }
  });

  it('keeps a bounded number of key sets in all (500 first keys, 12 key sets each)', () => {
    for (let i = 0; i < 6000; i++) {
      const value = { [`a${i % 500}`]: i, [`b${Math.floor(i / 500)}`]: i, c: [i] };
      expect(canonicalJson(value)).toBe(referenceCanonical(value));
      expect(shapeCacheStats().shapes).toBeLessThanOrEqual(4096);
    }
  });
});
