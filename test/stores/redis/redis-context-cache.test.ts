import { describe, expect, test } from 'vitest';
import { createMemory } from '../../../src/config/create-memory.js';
import { contextCacheConformance } from '../../../src/testing/context-cache-conformance.js';
import { dropPrefix, keysUnder, randomPrefix } from '../../helpers/redis.js';
import { checkService } from '../../helpers/services.js';

const redis = await checkService('redis');

describe.skipIf(!redis.reachable)(`Redis context cache ${redis.reason}`, () => {
  contextCacheConformance('Redis', {
    create: async (contextCacheTtlMs) => {
      const prefix = randomPrefix();
      const memory = await createMemory({ path: ':memory:', redisUrl: redis.url, redisKeyPrefix: prefix, contextCacheTtlMs });
      return {
        memory,
        cleanup: async () => {
          await memory.close();
          await dropPrefix(redis.url, prefix);
        },
      };
    },
  });

  test('createMemory({ redisUrl }) keeps contexts in one hash per session under the tenant tag, dropped by a new message', async () => {
    const prefix = randomPrefix();
    const memory = await createMemory({ path: ':memory:', redisUrl: redis.url, redisKeyPrefix: prefix });
    try {
      const acme = memory.forTenant('acme');
      await acme.createSession({ id: 'chat', userId: 'alice' });
      await acme.addMessages('chat', [{ role: 'user', content: 'hello there' }]);
      await acme.getContext('chat', { query: 'hello', depth: 'rapid' });
      await acme.getContext('chat', { query: 'hello', depth: 'deep' });
      const key = `${prefix}:{acme}:s:chat:ctx`;
      expect(await keysUnder(redis.url, prefix)).toContain(key);
      const { Redis } = await import('ioredis');
      const client = new Redis(redis.url);
      try {
        expect(await client.hlen(key)).toBe(2);
        const ttl = await client.pttl(key);
        expect(ttl).toBeGreaterThan(20_000);
        expect(ttl).toBeLessThanOrEqual(30_000);
        await acme.addMessages('chat', [{ role: 'user', content: 'again' }]);
        expect(await client.exists(key)).toBe(0);
      } finally {
        client.disconnect();
      }
    } finally {
      await memory.close();
      await dropPrefix(redis.url, prefix);
    }
  });
});
