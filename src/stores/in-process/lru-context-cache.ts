import { LRUCache } from 'lru-cache';
import type { ContextCacheKey, ContextCacheLookup, ContextCacheV1 } from '../../spec/context-cache.js';

interface Entry {
  readonly payload: string;
  readonly sessionGeneration: number;
  readonly userGeneration: number;
}

/**
 * The embedded per-turn context cache: answers kept in this process, bounded by an LRU, each
 * for its TTL. Invalidation bumps a generation per session and per user: entries written
 * under an older generation are misses.
 */
export class LruContextCache implements ContextCacheV1 {
  readonly specificationVersion = 'v1' as const;
  private readonly entries: LRUCache<string, Entry>;
  /** Last generation handed out; every bump takes the next one, so a value is never reused. */
  private counter = 0;
  /** The generation of a session or user that has none (never bumped, or evicted: then every older entry is stale). */
  private floor = 0;
  private readonly generations = new LRUCache<string, number>({
    max: 100_000,
    dispose: (_value, _key, reason) => {
      if (reason === 'evict') this.floor = ++this.counter;
    },
  });

  /**
   * `maxBytes` bounds the payloads held (two bytes a character, the worst case on the V8 heap;
   * default 4 MiB, a few hundred 2,000-token contexts), `maxEntries` their number (default 1,000).
   * Counted in entries alone, 1,000 contexts were ~20 MiB of live heap, which a long-running
   * process's old generation multiplies before it collects. A hit needs the same session state
   * within the TTL (30 s): the entries that serve are the recent ones.
   */
  constructor(options: { maxEntries?: number | undefined; maxBytes?: number | undefined } = {}) {
    this.entries = new LRUCache<string, Entry>({
      max: options.maxEntries ?? 1_000,
      maxSize: options.maxBytes ?? 4 * 2 ** 20,
      sizeCalculation: (entry, key) => 2 * (entry.payload.length + key.length) + 64,
    });
  }

  async open(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
    this.generations.clear();
  }

  async get(key: ContextCacheKey): Promise<ContextCacheLookup> {
    const sessionGeneration = this.generation(`s\u0000${key.tenantId}\u0000${key.sessionId}`);
    const userGeneration = this.generation(`u\u0000${key.tenantId}\u0000${key.userId}`);
    const fence = `${sessionGeneration}:${userGeneration}`;
    const entry = this.entries.get(entryKey(key));
    const current = entry !== undefined && entry.sessionGeneration === sessionGeneration && entry.userGeneration === userGeneration;
    return { payload: current ? entry.payload : null, fence };
  }

  async set(key: ContextCacheKey, payload: string, ttlMs: number, fence: string): Promise<void> {
    const sessionGeneration = this.generation(`s\u0000${key.tenantId}\u0000${key.sessionId}`);
    const userGeneration = this.generation(`u\u0000${key.tenantId}\u0000${key.userId}`);
    if (fence !== `${sessionGeneration}:${userGeneration}`) return;
    this.entries.set(entryKey(key), { payload, sessionGeneration, userGeneration }, { ttl: ttlMs });
  }

  async invalidateSession(tenantId: string, sessionId: string): Promise<void> {
    this.bump(`s\u0000${tenantId}\u0000${sessionId}`);
  }

  async invalidateUser(tenantId: string, userId: string): Promise<void> {
    this.bump(`u\u0000${tenantId}\u0000${userId}`);
  }

  private generation(id: string): number {
    return this.generations.get(id) ?? this.floor;
  }

  private bump(id: string): void {
    this.generations.set(id, ++this.counter);
  }
}

function entryKey(key: ContextCacheKey): string {
  return [key.tenantId, key.sessionId, key.userId, key.variant].join('\u0000');
}
