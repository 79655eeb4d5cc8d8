import { describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { RedisConnection } from '../../src/stores/redis/redis-connection.js';
import { RedisTierStore } from '../../src/stores/redis/redis-tier-store.js';
import { storeConformance } from '../../src/testing/store-conformance.js';
import { dropSchema, randomSchema } from '../helpers/postgres.js';
import { dropPrefix, randomPrefix } from '../helpers/redis.js';
import { checkService } from '../helpers/services.js';

// The Redis tier (real Redis, a random key prefix) in front of the real PostgreSQL server (a
// random schema, through the `pg` pool). Each `create` is another process's view of both.
const postgres = await checkService('postgres');
const redis = await checkService('redis');
const schema = randomSchema();
const prefix = randomPrefix();
const tiers: RedisTierStore[] = [];

describe.skipIf(!postgres.reachable || !redis.reachable)(`redis tier over postgres ${postgres.reason}${redis.reason}`, () => {
  storeConformance({
    name: 'redis tier over postgres (pg pool)',
    create: async () => {
      const tier = new RedisTierStore(
        createPostgresStore({ connectionString: postgres.url, schema, poolMax: 4, log: () => {} }),
        new RedisConnection({ url: redis.url, keyPrefix: prefix }),
      );
      tiers.push(tier);
      return tier;
    },
    cleanup: async () => {
      await dropPrefix(redis.url, prefix);
      await dropSchema(schema, postgres.url);
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
