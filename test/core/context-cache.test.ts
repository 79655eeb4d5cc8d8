import { describe, expect, it } from 'vitest';
import { LruContextCache } from '../../src/stores/in-process/lru-context-cache.js';
import { contextCacheConformance } from '../../src/testing/context-cache-conformance.js';
import { memoryInRam } from '../helpers/memory.js';

contextCacheConformance('in-process (lru-cache)', {
  create: async (contextCacheTtlMs) => {
    const memory = await memoryInRam({ contextCache: new LruContextCache(), contextCacheTtlMs });
    return { memory, cleanup: () => memory.close() };
  },
});

describe('LruContextCache bounds', () => {
  it('holds payloads up to maxBytes (two bytes a character): the oldest goes first', async () => {
    const cache = new LruContextCache({ maxBytes: 10_000 });
    const key = (sessionId: string) => ({ tenantId: 't', sessionId, userId: 'u', variant: 'v' });
    for (const id of ['a', 'b', 'c']) {
      const { fence } = await cache.get(key(id));
      await cache.set(key(id), id.repeat(2_000), 30_000, fence);
    }
    expect((await cache.get(key('a'))).payload).toBeNull();
    expect((await cache.get(key('b'))).payload).toBe('b'.repeat(2_000));
    expect((await cache.get(key('c'))).payload).toBe('c'.repeat(2_000));
  });
});
