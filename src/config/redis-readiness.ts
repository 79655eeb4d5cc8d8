import type { MemoryService } from '../core/memory-service.js';
import type { TierState } from '../http/readiness.js';

/** What the readiness probe needs of the Redis tier (duck-typed: this file imports no Redis code). */
interface PingsRedis {
  readonly connection: { ping(): Promise<number>; readonly options: { readonly url: string } };
}

/**
 * `{ redis: probe }` when the memory's store is the Redis tier, else `{}`: whether Redis answers
 * a PING (reachable) and its round trip (latencyMs). An unreachable Redis leaves the tier
 * `ready` but `degraded`: every instance shares one Redis, and the durable store answers
 * without it, so taking every instance out of rotation would turn a slower service into an outage.
 */
export function redisProbe(memory: MemoryService): Record<string, () => Promise<TierState>> {
  const store = memory.store as Partial<PingsRedis>;
  const connection = store.connection;
  if (connection === undefined || typeof connection.ping !== 'function') return {};
  const host = safeHost(connection.options.url);
  return {
    redis: async () => {
      try {
        const latencyMs = await connection.ping();
        return { status: 'ready', reachable: true, degraded: false, latencyMs: Math.round(latencyMs * 100) / 100, host };
      } catch (error) {
        return {
          status: 'ready',
          reachable: false,
          degraded: true,
          host,
          detail: `reads fall back to the store: ${(error as Error).message}`,
        };
      }
    },
  };
}

/** host:port of the URL, never its password. */
function safeHost(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.host;
  } catch {
    return 'redis';
  }
}
