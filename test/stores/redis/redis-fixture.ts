import { createMemory } from '../../../src/config/create-memory.js';
import type { MemoryService } from '../../../src/core/memory-service.js';
import { RedisConnection } from '../../../src/stores/redis/redis-connection.js';
import { RedisContextCache } from '../../../src/stores/redis/redis-context-cache.js';
import { type RedisTierOptions, RedisTierStore } from '../../../src/stores/redis/redis-tier-store.js';
import { RedisWorkingMemory } from '../../../src/stores/redis/redis-working-memory.js';
import { SqliteStore } from '../../../src/stores/sqlite/sqlite-store.js';
import { dropPrefix, randomPrefix } from '../../helpers/redis.js';

export interface TieredMemory {
  readonly memory: MemoryService;
  readonly tier: RedisTierStore;
  readonly prefix: string;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A MemoryService over the Redis tier in front of a real SQLite store (`:memory:` unless a path
 * is given), with Redis scratchpads and context cache, under a random key prefix. `close`
 * closes it and deletes every key of the prefix (when the server still answers).
 */
export async function tieredMemory(url: string, options: RedisTierOptions & { path?: string } = {}): Promise<TieredMemory> {
  const prefix = randomPrefix();
  const connection = new RedisConnection({ url, keyPrefix: prefix });
  const tier = new RedisTierStore(new SqliteStore({ path: options.path ?? ':memory:' }), connection, options);
  const memory = await createMemory({
    store: tier,
    working: new RedisWorkingMemory(connection),
    contextCache: new RedisContextCache(connection),
  });
  return {
    memory,
    tier,
    prefix,
    url,
    close: async () => {
      await memory.close();
      await dropPrefix(url, prefix).catch(() => undefined);
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` user/assistant messages with distinct content and clientMsgIds `${tag}-${i}`. */
export function turns(count: number, tag: string, from = 0) {
  return Array.from({ length: count }, (_, i) => ({
    role: (i % 2 === 0 ? 'user' : 'assistant') as 'user' | 'assistant',
    content: `${tag} message ${from + i}: the ferry to the fjords leaves at ${7 + ((from + i) % 12)} o'clock`,
    clientMsgId: `${tag}-${from + i}`,
  }));
}
