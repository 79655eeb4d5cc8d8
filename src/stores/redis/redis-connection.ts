import { Redis, type RedisOptions } from 'ioredis';
import { RedisKeys } from './redis-keys.js';

export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  readonly url: string;
  /** First segment of every key; default `strata`. Tests use a random one. */
  readonly keyPrefix?: string | undefined;
  /** A command that takes longer fails (and the caller falls back to the durable store). Default 250 ms. */
  readonly commandTimeoutMs?: number | undefined;
  /** Default 1,000 ms. */
  readonly connectTimeoutMs?: number | undefined;
  /** After a command timed out, Redis is skipped (as if down) for this long. Default 1,000 ms. */
  readonly cooldownMs?: number | undefined;
}

/**
 * One ioredis client shared by the Redis tier, the Redis working memory and the context cache
 * (reference-counted: the last `release` disconnects). Commands fail fast while disconnected
 * (no offline queue, one attempt each): a cache that waits for Redis would hold the agent up,
 * and every caller has a durable answer to fall back to. ioredis reconnects in the background.
 */
export class RedisConnection {
  readonly client: Redis;
  readonly keys: RedisKeys;
  private users = 0;
  private connecting: Promise<void> | null = null;
  private skipUntil = 0;

  constructor(readonly options: RedisConnectionOptions) {
    this.keys = new RedisKeys(options.keyPrefix ?? 'strata');
    const redisOptions: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 250,
      connectTimeout: options.connectTimeoutMs ?? 1_000,
      // Reconnect forever, backing off to 2 s between attempts.
      retryStrategy: (times) => Math.min(times * 100, 2_000),
    };
    this.client = new Redis(options.url, redisOptions);
    // Errors reach the callers of the failed commands; without a listener ioredis would print each one.
    this.client.on('error', () => {});
  }

  /** Connects on first use; a Redis that is down does not fail this (the tier degrades to the durable store). */
  async acquire(): Promise<void> {
    this.users++;
    if (this.users > 1) return this.connecting ?? undefined;
    this.connecting = this.client.connect().catch(() => undefined);
    await this.connecting;
  }

  async release(): Promise<void> {
    if (this.users === 0) return;
    this.users--;
    if (this.users > 0) return;
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }

  /**
   * False while disconnected, or cooling down after a timeout: callers with a durable fallback
   * skip Redis at once instead of waiting out another timeout (a slow Redis must not add 250 ms
   * to every call).
   */
  usable(): boolean {
    return this.client.status === 'ready' && performance.now() >= this.skipUntil;
  }

  /** Tells the connection a command failed; a timeout starts the cool-down. */
  failed(error: unknown): void {
    if (error instanceof Error && /timed out/i.test(error.message)) this.skipUntil = performance.now() + (this.options.cooldownMs ?? 1_000);
  }

  /** Round-trip time of a PING in milliseconds; throws when Redis does not answer. */
  async ping(): Promise<number> {
    const started = performance.now();
    await this.client.ping();
    return performance.now() - started;
  }
}
