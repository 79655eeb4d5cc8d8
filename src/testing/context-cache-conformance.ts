import { describe, expect, test } from 'vitest';
import type { MemoryService } from '../core/memory-service.js';

export interface ContextCacheConformanceOptions {
  /** A fresh memory service whose getContext goes through the cache under test, with this TTL. */
  readonly create: (contextCacheTtlMs: number) => Promise<{ memory: MemoryService; cleanup: () => Promise<void> }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What every ContextCacheV1 must do behind MemoryService.getContext: answer a repeated call from
 * the cache, and stop answering after a new message, a memory or fact write of the user, or the TTL.
 * "From the cache" is shown by a fact written behind core's back (straight into the store):
 * a cached answer cannot contain it.
 */
export function contextCacheConformance(name: string, options: ContextCacheConformanceOptions): void {
  const it = (title: string, ttlMs: number, body: (memory: MemoryService) => Promise<void>) =>
    test(title, async () => {
      const { memory, cleanup } = await options.create(ttlMs);
      try {
        await memory.createSession({ id: 'chat', userId: 'alice' });
        await memory.addMessages('chat', [
          { role: 'user', content: 'Book the ferry to Bergen for Friday' },
          { role: 'assistant', content: 'The 7 o’clock ferry to Bergen has seats.' },
        ]);
        await body(memory);
      } finally {
        await cleanup();
      }
    });
  const behindTheBack = (memory: MemoryService, key: string, value: string) =>
    memory.store.setFact({
      tenantId: memory.tenantId,
      userId: 'alice',
      id: `fact_${key}`,
      subject: 'user',
      key,
      value,
      validFrom: Date.now() - 1000,
      recordedAt: Date.now(),
      source: null,
    });

  describe(`ContextCacheV1 behind getContext: ${name}`, () => {
    it('a repeated call is answered from the cache; another query is built', 30_000, async (memory) => {
      const first = await memory.getContext('chat', { query: 'ferry time', tokenBudget: 800 });
      await behindTheBack(memory, 'seat', 'window');
      const second = await memory.getContext('chat', { query: 'ferry time', tokenBudget: 800 });
      expect(second).toEqual(first);
      expect(second.text).not.toContain('window');
      const other = await memory.getContext('chat', { query: 'ferry seats', tokenBudget: 800 });
      expect(other.text).toContain('user.seat = "window"');
    });

    it('a new message in the session invalidates it', 30_000, async (memory) => {
      await memory.getContext('chat', { query: 'ferry time' });
      await memory.addMessages('chat', [{ role: 'user', content: 'Make it the 9 o’clock one instead' }]);
      const after = await memory.getContext('chat', { query: 'ferry time' });
      expect(after.text).toContain('9 o’clock one instead');
    });

    it('a fact or memory written through the service invalidates it', 30_000, async (memory) => {
      await memory.getContext('chat', { query: 'ferry time' });
      await memory.setFact({ userId: 'alice', subject: 'user', key: 'party_size', value: 3 });
      expect((await memory.getContext('chat', { query: 'ferry time' })).text).toContain('user.party_size = 3');
      await memory.remember({ userId: 'alice', text: 'Alice gets seasick on rough ferry crossings' });
      expect((await memory.getContext('chat', { query: 'ferry time' })).text).toContain('seasick');
    });

    it('an entry expires after the TTL', 200, async (memory) => {
      await memory.getContext('chat', { query: 'ferry time' });
      await behindTheBack(memory, 'seat', 'aisle');
      expect((await memory.getContext('chat', { query: 'ferry time' })).text).not.toContain('aisle');
      await sleep(350);
      expect((await memory.getContext('chat', { query: 'ferry time' })).text).toContain('user.seat = "aisle"');
    });
  });
}
