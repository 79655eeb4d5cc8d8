import { LruContextCache } from '../../src/stores/in-process/lru-context-cache.js';
import { contextCacheConformance } from '../../src/testing/context-cache-conformance.js';
import { memoryInRam } from '../helpers/memory.js';

contextCacheConformance('in-process (lru-cache)', {
  create: async (contextCacheTtlMs) => {
    const memory = await memoryInRam({ contextCache: new LruContextCache(), contextCacheTtlMs });
    return { memory, cleanup: () => memory.close() };
  },
});
