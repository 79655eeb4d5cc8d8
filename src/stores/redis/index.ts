export type { RedisConnectionOptions } from './redis-connection.js';
export { RedisConnection } from './redis-connection.js';
export { RedisContextCache } from './redis-context-cache.js';
export { RedisKeys } from './redis-keys.js';
export type { RedisTierOptions, RedisTierStats } from './redis-tier-store.js';
export { RedisTierStore } from './redis-tier-store.js';
export { RedisWorkingMemory } from './redis-working-memory.js';
