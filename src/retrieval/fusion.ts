import type { ScoredId } from '../spec/memory-store.js';

export type FusionMethod = 'rrf' | 'weighted';

export interface FusedCandidate {
  readonly id: string;
  /** Raw BM25 (higher is better), absent when keyword search did not return it. */
  readonly keyword: number | null;
  /** Raw cosine similarity, absent when vector search did not return it. */
  readonly vector: number | null;
  readonly keywordRank: number | null;
  readonly vectorRank: number | null;
  /** Fused score in [0, 1] (weighted) or RRF units. */
  readonly fused: number;
}

export interface FusionOptions {
  readonly method: FusionMethod;
  /** Weight of the keyword signal in weighted fusion; the vector signal gets 1 - this. */
  readonly keywordWeight: number;
  /** RRF constant. */
  readonly rrfK: number;
}

/**
 * Fuses a keyword and a vector ranking. `rrf`: sum of 1/(k + rank). `weighted`: a convex
 * combination of the two scores, each min-max normalised over the candidate set (a missing
 * score counts as the list's minimum).
 */
export function fuse(keyword: readonly ScoredId[], vector: readonly ScoredId[], options: FusionOptions): FusedCandidate[] {
  const ids = new Set<string>([...keyword.map((hit) => hit.id), ...vector.map((hit) => hit.id)]);
  const kw = indexed(keyword);
  const vec = indexed(vector);
  const kwRange = range(keyword);
  const vecRange = range(vector);
  const out: FusedCandidate[] = [];
  for (const id of ids) {
    const k = kw.get(id);
    const v = vec.get(id);
    let fused: number;
    if (options.method === 'rrf') {
      fused = (k ? 1 / (options.rrfK + k.rank) : 0) + (v ? 1 / (options.rrfK + v.rank) : 0);
    } else {
      const kn = k ? normalise(k.score, kwRange) : 0;
      const vn = v ? normalise(v.score, vecRange) : 0;
      const kwWeight = keyword.length === 0 ? 0 : vector.length === 0 ? 1 : options.keywordWeight;
      fused = kwWeight * kn + (1 - kwWeight) * vn;
    }
    out.push({
      id,
      keyword: k?.score ?? null,
      vector: v?.score ?? null,
      keywordRank: k?.rank ?? null,
      vectorRank: v?.rank ?? null,
      fused,
    });
  }
  return out.sort((a, b) => b.fused - a.fused);
}

function indexed(hits: readonly ScoredId[]): Map<string, { score: number; rank: number }> {
  return new Map(hits.map((hit, i) => [hit.id, { score: hit.score, rank: i + 1 }]));
}

function range(hits: readonly ScoredId[]): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const hit of hits) {
    min = Math.min(min, hit.score);
    max = Math.max(max, hit.score);
  }
  return { min, max };
}

function normalise(score: number, { min, max }: { min: number; max: number }): number {
  if (!(max > min)) return 1;
  return (score - min) / (max - min);
}
