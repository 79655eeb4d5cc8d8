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
  const pool = items.map((item) => ({ item, vector: vectors.get(item.id), redundancy: 0, taken: false }));
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
    for (const entry of pool) {
      if (entry.taken || !entry.vector) continue;
      entry.redundancy = Math.max(entry.redundancy, cosine(chosen, entry.vector));
    }
  }
  return picked;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
