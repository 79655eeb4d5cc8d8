import type { ContextCacheKey, ContextCacheLookup, ContextCacheV1 } from '../../spec/context-cache.js';
import type { RedisConnection } from './redis-connection.js';
import { SCRIPTS } from './redis-scripts.js';

/** The longest an entry may live; set() clamps its ttl to this. */
export const MAX_CONTEXT_TTL_MS = 60_000;
/** A user's context generation outlives every entry written under it, so an expired one cannot revive older entries. */
const GENERATION_TTL_MS = 2 * MAX_CONTEXT_TTL_MS;

/**
 * The per-turn context cache in Redis: one hash per session (variant -> answer with its expiry),
 * dropped whole when the session gets a message (messages-append.lua) or here; a generation per
 * user invalidates every session of the user. Redis failures are misses (null), never errors.
 */
export class RedisContextCache implements ContextCacheV1 {
  readonly specificationVersion = 'v1' as const;

  constructor(
    private readonly connection: RedisConnection,
    private readonly onError?: (operation: string, error: unknown) => void,
  ) {}

  async open(): Promise<void> {
    await this.connection.acquire();
  }

  async close(): Promise<void> {
    await this.connection.release();
  }

  private keys(key: ContextCacheKey): [string, string] {
    return [
      this.connection.keys.session(key.tenantId, key.sessionId).context,
      this.connection.keys.userContextGeneration(key.tenantId, key.userId),
    ];
  }

  async get(key: ContextCacheKey): Promise<ContextCacheLookup> {
    if (!this.connection.usable()) return { payload: null, fence: '' };
    try {
      const [generation, payload] = (await SCRIPTS.contextGet.run(this.connection.client, this.keys(key), [key.variant])) as [
        string,
        string,
      ];
      return { payload: payload === '' ? null : payload, fence: generation };
    } catch (error) {
      this.connection.failed(error);
      this.onError?.('contextGet', error);
      // An unusable fence: nothing is stored under it.
      return { payload: null, fence: '' };
    }
  }

  async set(key: ContextCacheKey, payload: string, ttlMs: number, fence: string): Promise<void> {
    if (fence === '') return;
    try {
      await SCRIPTS.contextSet.run(this.connection.client, this.keys(key), [
        key.variant,
        payload,
        Math.min(Math.max(1, Math.round(ttlMs)), MAX_CONTEXT_TTL_MS),
        fence,
      ]);
    } catch (error) {
      this.onError?.('contextSet', error);
    }
  }

  async invalidateSession(tenantId: string, sessionId: string): Promise<void> {
    try {
      await this.connection.client.del(this.connection.keys.session(tenantId, sessionId).context);
    } catch (error) {
      this.onError?.('contextInvalidate', error);
    }
  }

  async invalidateUser(tenantId: string, userId: string): Promise<void> {
    const generation = this.connection.keys.userContextGeneration(tenantId, userId);
    try {
      await this.connection.client.multi().incr(generation).pexpire(generation, GENERATION_TTL_MS).exec();
    } catch (error) {
      this.onError?.('contextInvalidate', error);
    }
  }
}
