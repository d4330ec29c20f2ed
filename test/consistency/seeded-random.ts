/** A small seeded generator (mulberry32): the same seed gives the same command sequence. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(next() * items.length)]!;
  };
  return {
    next,
    int,
    pick,
    chance: (p: number) => next() < p,
    /** A random subset, in random order. */
    subset: <T>(items: readonly T[], size: number): T[] => {
      const pool = [...items];
      const out: T[] = [];
      while (pool.length > 0 && out.length < size) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0]!);
      return out;
    },
    /** One of the weighted choices (weights need not sum to 1; zero weights are never picked). */
    weighted: <T>(choices: ReadonlyArray<readonly [number, T]>): T => {
      const total = choices.reduce((sum, [w]) => sum + w, 0);
      let r = next() * total;
      for (const [w, value] of choices) {
        if (w <= 0) continue;
        r -= w;
        if (r < 0) return value;
      }
      return choices.filter(([w]) => w > 0).at(-1)![1];
    },
  };
}

export type Random = ReturnType<typeof seededRandom>;
