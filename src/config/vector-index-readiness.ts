import type { MemoryService } from '../core/memory-service.js';
import type { TierState } from '../http/readiness.js';
import { VectorIndexedStore } from '../stores/vector-indexed-store.js';

/**
 * Readiness of the external vector index (Qdrant): it answers a listing of its collections, each
 * live one has its payload indexes, and no index writes are owed. While it is not ready, vector
 * search is answered by the durable store, so this tier degrades the service rather than stopping it.
 */
export function vectorIndexProbe(memory: MemoryService): () => Promise<TierState> {
  return async () => {
    const store = memory.store;
    if (!(store instanceof VectorIndexedStore)) return { status: 'not_ready', reachable: false, detail: 'no vector index is configured' };
    const started = performance.now();
    try {
      const collections = await store.vectorIndex.listCollections();
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      const pending = store.pendingRepairs;
      const owed = pending.memories + pending.users > 0 || store.needsRebuild;
      return {
        status: owed ? 'not_ready' : 'ready',
        reachable: true,
        provider: store.vectorIndex.provider,
        latencyMs,
        collections: collections.length,
        pendingRepairs: pending,
        ...(owed
          ? {
              detail: store.needsRebuild
                ? 'the repair queue overflowed: run `strata rebuild-index`'
                : 'index writes are owed (retried on the next write or search)',
            }
          : {}),
      };
    } catch (error) {
      return { status: 'not_ready', reachable: false, provider: store.vectorIndex.provider, detail: (error as Error).message };
    }
  };
}
