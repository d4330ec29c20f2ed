/**
 * How the rebuild CLI spreads projections over worker threads: longest first onto the least
 * loaded worker (LPT scheduling), with the number of event types a projection handles as its
 * weight, the only cost every projection declares. Each worker reads the store once for its own
 * projections, so fewer workers than projections also means fewer reads.
 */
export function partitionProjections<P extends { name: string; handles: readonly string[] }>(projections: readonly P[], workers: number): P[][] {
  const count = Math.max(1, Math.min(Math.floor(workers), projections.length));
  const groups = Array.from({ length: count }, () => ({ weight: 0, members: [] as P[] }));
  const byWeight = [...projections].sort((a, b) => b.handles.length - a.handles.length || (a.name < b.name ? -1 : 1));
  for (const projection of byWeight) {
    const lightest = groups.reduce((best, group) => (group.weight < best.weight ? group : best));
    lightest.members.push(projection);
    lightest.weight += Math.max(1, projection.handles.length);
  }
  return groups.map((group) => group.members).filter((members) => members.length > 0);
}
