/**
 * Maximal marginal relevance: picks items one by one, trading relevance against similarity
 * to what is already picked. `lambda` 1 = pure relevance, 0 = pure diversity.
 */
export function mmrOrder<T extends { id: string; score: number }>(
  items: readonly T[],
  vectors: ReadonlyMap<string, Float32Array>,
  lambda: number,
  k: number,
): T[] {
  const pool = [...items];
  const picked: T[] = [];
  while (picked.length < k && pool.length > 0) {
    let bestIndex = 0;
    let best = Number.NEGATIVE_INFINITY;
    pool.forEach((item, index) => {
      const vector = vectors.get(item.id);
      let redundancy = 0;
      if (vector) {
        for (const chosen of picked) {
          const other = vectors.get(chosen.id);
          if (other) redundancy = Math.max(redundancy, cosine(vector, other));
        }
      }
      const value = lambda * item.score - (1 - lambda) * redundancy;
      if (value > best) {
        best = value;
        bestIndex = index;
      }
    });
    picked.push(pool.splice(bestIndex, 1)[0] as T);
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
