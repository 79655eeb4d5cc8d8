import { dot } from '../util/vector-math.js';

/**
 * Maximal marginal relevance: picks items one by one, trading relevance against similarity
 * to what is already picked. `lambda` 1 = pure relevance, 0 = pure diversity. Each item's
 * redundancy is updated only against the newly picked item: O(k x n) similarities.
 */
export function mmrOrder<T extends { id: string; score: number }>(
  items: readonly T[],
  vectors: ReadonlyMap<string, Float32Array>,
  lambda: number,
  k: number,
): T[] {
  const pool = items.map((item) => {
    const vector = vectors.get(item.id);
    return { item, vector, inverseNorm: vector ? inverseNorm(vector) : 0, redundancy: 0, taken: false };
  });
  const picked: T[] = [];
  while (picked.length < k && picked.length < pool.length) {
    let best: (typeof pool)[number] | undefined;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (const entry of pool) {
      if (entry.taken) continue;
      const value = lambda * entry.item.score - (1 - lambda) * entry.redundancy;
      if (value > bestValue) {
        bestValue = value;
        best = entry;
      }
    }
    if (!best) break;
    best.taken = true;
    picked.push(best.item);
    const chosen = best.vector;
    if (!chosen) continue;
    const scale = best.inverseNorm;
    for (const entry of pool) {
      if (entry.taken || !entry.vector) continue;
      entry.redundancy = Math.max(entry.redundancy, dot(chosen, entry.vector) * scale * entry.inverseNorm);
    }
  }
  return picked;
}

/** Each vector's norm once, not once per pair: cosine = dot x both inverse norms. */
function inverseNorm(v: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) * (v[i] as number);
  return sum === 0 ? 0 : 1 / Math.sqrt(sum);
}
