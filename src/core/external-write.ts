import type { ContextCacheV1 } from '../spec/context-cache.js';
import { acceptsExternalWrites, type ExternalWrite } from '../spec/external-writes.js';
import type { MemoryStoreV1 } from '../spec/memory-store.js';

/**
 * Tells the service's decorated store and its context cache about a write committed beside them
 * in the durable store (consolidation, restore, prune). The store's caches go first, then the
 * contexts: a context built in between from a stale cached session would otherwise be kept.
 * Every step absorbs its own failures (a repair queue, pending invalidations, a cache miss).
 */
export async function propagateExternalWrite(
  store: MemoryStoreV1,
  contextCache: ContextCacheV1 | undefined,
  write: ExternalWrite,
): Promise<void> {
  if (acceptsExternalWrites(store)) await store.afterExternalWrite(write);
  if (!contextCache) return;
  for (const sessionId of new Set(write.sessions ?? [])) await contextCache.invalidateSession(write.tenantId, sessionId);
  for (const userId of new Set(write.users ?? [])) await contextCache.invalidateUser(write.tenantId, userId);
}
