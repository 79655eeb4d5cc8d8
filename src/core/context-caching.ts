import { createHash } from 'node:crypto';
import type { ContextCacheV1 } from '../spec/context-cache.js';
import type { SessionRecord } from '../spec/records.js';
import type { ContextOptions, ContextResponse } from './types.js';

/** Default life of a cached getContext answer. */
export const CONTEXT_CACHE_TTL_MS = 30_000;

/**
 * getContext through the per-turn cache: the same session state (last seq, summary), depth,
 * budget, query and `now` within the TTL get the stored answer. A new message, and any
 * memory or fact change of the user, invalidates it (MemoryService calls the cache).
 */
export async function cachedContext(
  cache: ContextCacheV1,
  ttlMs: number,
  session: SessionRecord,
  options: ContextOptions,
  build: () => Promise<ContextResponse>,
): Promise<ContextResponse> {
  const variant = createHash('sha256')
    .update(
      JSON.stringify([
        options.depth ?? null,
        options.tokenBudget ?? null,
        options.query ?? null,
        options.now === undefined ? null : options.now instanceof Date ? options.now.getTime() : options.now,
        session.lastSeq,
        session.summarizedUpToSeq,
        session.summary,
      ]),
    )
    .digest('base64url');
  const key = { tenantId: session.tenantId, sessionId: session.id, userId: session.userId, variant };
  const lookup = await cache.get(key);
  if (lookup.payload !== null) return JSON.parse(lookup.payload) as ContextResponse;
  const context = await build();
  await cache.set(key, JSON.stringify(context), ttlMs, lookup.fence);
  return context;
}
