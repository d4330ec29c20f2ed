import { canonicalJson, chainHash, chainHashOfCanonical, GENESIS_HASH, verifyChain } from './hash.js';

/** The obvious definition the fast one must match byte for byte. */
function referenceCanonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : referenceCanonical(v))).join(',')}]`;
  return `{${Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${referenceCanonical((value as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

/** Deterministic generator (no randomness in the assertion's inputs between runs). */
function* values(seed: number, depth = 0): Generator<unknown> {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648);
  const leaf = () => {
    const pick = next() % 9;
    return [null, true, false, -0, 1.5e-7, next(), '济南 "质量" \\ \n 😀', '', 'key'][pick];
  };
  for (let i = 0; i < 200; i++) {
    const kind = next() % 3;
    if (depth > 2 || kind === 0) yield leaf();
    else if (kind === 1) yield Array.from({ length: next() % 4 }, () => (next() % 5 === 0 ? undefined : leaf()));
    else {
      const object: Record<string, unknown> = {};
      for (let k = 0; k < next() % 6; k++) object[['b', 'a', '中', 'Z', '_', '10', '9', 'é'][next() % 8]!] = next() % 7 === 0 ? undefined : leaf();
      object.nested = values(next(), depth + 1).next().value;
      yield object;
    }
  }
}

describe('canonical JSON and the hash chain', () => {
  it('matches the sort-then-stringify definition on generated values', () => {
    let checked = 0;
    for (let seed = 1; seed < 40; seed++) {
      for (const value of values(seed)) {
        expect(canonicalJson(value)).toBe(referenceCanonical(value));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it('sorts keys, drops undefined members and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [1, undefined, 'x'], c: undefined, d: { z: null, y: -0 } })).toBe(
      '{"a":[1,null,"x"],"b":1,"d":{"y":0,"z":null}}',
    );
    expect(canonicalJson(Number.NaN)).toBe('null');
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });

  it('hashes pre-serialised parts exactly as the generic chain hash does', () => {
    const data = { applicant: { name: '朝阳市某某股份有限公司' }, score: 812.5 };
    const metadata = { actor: { sub: 'u', name: '王芳', roles: ['office'] }, occurredAt: '2025-03-01' };
    const fields = { streamId: 'application-1', revision: 3, id: 'e-1', type: 'MaterialsReviewScored', data, metadata };
    expect(chainHashOfCanonical(GENESIS_HASH, 'application-1', 3, 'e-1', 'MaterialsReviewScored', canonicalJson(data), canonicalJson(metadata))).toBe(
      chainHash(GENESIS_HASH, fields),
    );
  });

  it('reports the first altered, removed or reordered event', () => {
    let previous = GENESIS_HASH;
    const events = [0, 1, 2].map((revision) => {
      const fields = { streamId: 's', revision, id: `e${revision}`, type: 'T', data: { n: revision }, metadata: {} };
      previous = chainHash(previous, fields);
      return { ...fields, hash: previous };
    });
    expect(verifyChain(events).ok).toBe(true);
    expect(verifyChain([events[0]!, { ...events[1]!, data: { n: 9 } }, events[2]!]).firstMismatch).toMatchObject({ revision: 1, reason: 'hash mismatch' });
    expect(verifyChain([events[0]!, events[2]!]).firstMismatch).toMatchObject({ revision: 2, reason: 'missing or reordered event' });
    expect(verifyChain([events[1]!, events[0]!]).ok).toBe(false);
  });
});
