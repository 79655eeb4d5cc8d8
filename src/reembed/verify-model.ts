import type { Embedder } from '../embeddings/embedder.js';
import type { MemoryStoreV1 } from '../spec/memory-store.js';
import type { ReembedStoreV1 } from '../spec/reembed-store.js';

/** What a re-embed job checks before it switches. */
export interface Verification {
  /** Memories in the store, those with a vector in the target model, and those without (must be 0). */
  readonly memories: number;
  readonly embedded: number;
  readonly missing: number;
  /** Sample searches run: memories' own texts as queries, in their user's scope, k = 10. */
  readonly queries: number;
  /** Sample searches that found nothing under the target model (must be 0). */
  readonly failedQueries: number;
  /** Sample searches whose own memory is in the target model's top 10 (informative). */
  readonly selfHits: number;
  /**
   * Mean share of the top-10 ids the two models have in common, null without the current model.
   * Informative only: two different models rank differently.
   */
  readonly overlapAt10: number | null;
}

/** A store the job can re-embed: its ReembedStoreV1 side and vector search. */
export type ReembeddableStore = ReembedStoreV1 & Pick<MemoryStoreV1, 'vectorSearch'>;

const K = 10;

/**
 * Counts the target model's coverage and runs a sample of searches under it and under the
 * current model. With `sampleSize` 0 the previous verification's sample is kept and only the
 * counts are taken again (a catch-up pass between switch attempts).
 */
export async function verifyModel(
  store: ReembeddableStore,
  target: Embedder,
  current: Embedder | null,
  sampleSize: number,
  previous?: Verification,
): Promise<Verification> {
  const coverage = await store.countEmbeddings(target.modelId);
  const counts = { memories: coverage.memories, embedded: coverage.embedded, missing: Math.max(0, coverage.memories - coverage.embedded) };
  if (sampleSize <= 0 && previous) return { ...previous, ...counts };
  const sample = sampleSize > 0 ? await store.sampleMemories(sampleSize) : [];
  let failedQueries = 0;
  let selfHits = 0;
  let overlapSum = 0;
  if (sample.length > 0) {
    const texts = sample.map((memory) => memory.text);
    const targetVectors = await target.embed(texts);
    const currentVectors = current && current.modelId !== target.modelId ? await current.embed(texts) : null;
    for (const [i, memory] of sample.entries()) {
      const filter = { tenantId: memory.tenantId, userId: memory.userId, includeSuperseded: true };
      const hits = await store.vectorSearch(filter, targetVectors[i] as Float32Array, target.modelId, K);
      if (hits.length === 0) failedQueries += 1;
      if (hits.some((hit) => hit.id === memory.id)) selfHits += 1;
      if (currentVectors && current) {
        const before = await store.vectorSearch(filter, currentVectors[i] as Float32Array, current.modelId, K);
        const ids = new Set(before.map((hit) => hit.id));
        const denominator = Math.max(1, Math.min(K, Math.max(hits.length, before.length)));
        overlapSum += hits.filter((hit) => ids.has(hit.id)).length / denominator;
      }
    }
  }
  return {
    ...counts,
    queries: sample.length,
    failedQueries,
    selfHits,
    overlapAt10: current && current.modelId !== target.modelId && sample.length > 0 ? overlapSum / sample.length : null,
  };
}
