import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RedisConnection } from '../../src/stores/redis/redis-connection.js';
import { RedisTierStore } from '../../src/stores/redis/redis-tier-store.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { storeConformance } from '../../src/testing/store-conformance.js';
import { tempDir } from '../helpers/memory.js';
import { dropPrefix, randomPrefix } from '../helpers/redis.js';
import { checkService } from '../helpers/services.js';

// The Redis tier (real Redis, a random key prefix per run) in front of a real SQLite file. Each
// `create` is another process's view: its own Redis connection and SQLite connection over the
// same key prefix and file, so the suite's second writer shares both the cache and the truth.
const service = await checkService('redis');
const prefix = randomPrefix();
const { dir, cleanup } = tempDir();
const path = join(dir, 'conformance.db');
const tiers: RedisTierStore[] = [];

describe.skipIf(!service.reachable)(`redis tier over sqlite ${service.reason}`, () => {
  storeConformance({
    name: 'redis tier over sqlite',
    create: async () => {
      const tier = new RedisTierStore(
        new SqliteStore({ path, exactSearchThreshold: 2 }),
        new RedisConnection({ url: service.url, keyPrefix: prefix }),
      );
      tiers.push(tier);
      return tier;
    },
    cleanup: async () => {
      await dropPrefix(service.url, prefix);
      cleanup();
    },
  });

  // Runs after the suite: it passed through Redis, not around it.
  it('the suite was answered from Redis (session, window and idempotency hits), with no Redis error', () => {
    const sum = (key: 'sessionHits' | 'windowHits' | 'idempotencyHits' | 'errors') => tiers.reduce((n, tier) => n + tier.stats[key], 0);
    expect(sum('errors')).toBe(0);
    expect(sum('sessionHits')).toBeGreaterThan(0);
    expect(sum('windowHits')).toBeGreaterThan(0);
    expect(sum('idempotencyHits')).toBeGreaterThan(0);
  });
});
