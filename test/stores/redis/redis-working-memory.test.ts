import { describe, expect, test } from 'vitest';
import { RedisConnection } from '../../../src/stores/redis/redis-connection.js';
import { RedisWorkingMemory } from '../../../src/stores/redis/redis-working-memory.js';
import { workingMemoryConformance } from '../../../src/testing/working-memory-conformance.js';
import { dropPrefix, keysUnder, randomPrefix } from '../../helpers/redis.js';
import { checkService } from '../../helpers/services.js';

const redis = await checkService('redis');

describe.skipIf(!redis.reachable)(`Redis working memory ${redis.reason}`, () => {
  workingMemoryConformance('Redis', {
    create: async () => {
      const prefix = randomPrefix();
      const working = new RedisWorkingMemory(new RedisConnection({ url: redis.url, keyPrefix: prefix }));
      await working.open();
      return {
        working,
        cleanup: async () => {
          await working.close();
          await dropPrefix(redis.url, prefix);
        },
      };
    },
  });

  test('a scratchpad is one hash under the tenant hash tag, and expires with its longest-lived entry', async () => {
    const prefix = randomPrefix();
    const working = new RedisWorkingMemory(new RedisConnection({ url: redis.url, keyPrefix: prefix }));
    await working.open();
    try {
      await working.setScratch({ tenantId: 'acme', sessionId: 's1' }, 'a', 1, { ttlMs: 200 });
      expect(await keysUnder(redis.url, prefix)).toEqual([`${prefix}:{acme}:s:s1:scratch`]);
      await new Promise((resolve) => setTimeout(resolve, 400));
      // Redis itself dropped the hash: nothing outlives the entries.
      expect(await keysUnder(redis.url, prefix)).toEqual([]);
    } finally {
      await working.close();
      await dropPrefix(redis.url, prefix);
    }
  });
});
