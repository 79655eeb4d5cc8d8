import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { backup } from '../../../src/archive/backup.js';
import { restore } from '../../../src/archive/restore.js';
import { archiveStoresOf, retentionStoreOf } from '../../../src/config/archive-stores.js';
import { createMemory } from '../../../src/config/create-memory.js';
import type { MemoryService } from '../../../src/core/memory-service.js';
import { prune } from '../../../src/core/retention/prune.js';
import { RedisTierStore } from '../../../src/stores/redis/redis-tier-store.js';
import { dropPrefix, keysUnder, randomPrefix } from '../../helpers/redis.js';
import { checkService } from '../../helpers/services.js';

const redis = await checkService('redis');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** SQLite in memory behind the real Redis tier and context cache, under a key prefix of its own. */
async function tiered(): Promise<{ memory: MemoryService; tier: RedisTierStore; prefix: string }> {
  const prefix = randomPrefix();
  const memory = await createMemory({ path: ':memory:', redisUrl: redis.url, redisKeyPrefix: prefix });
  cleanups.push(async () => {
    await memory.close();
    await dropPrefix(redis.url, prefix);
  });
  expect(memory.store).toBeInstanceOf(RedisTierStore);
  return { memory, tier: memory.store as unknown as RedisTierStore, prefix };
}

const DAY = 86_400_000;

describe.skipIf(!redis.reachable)(`writes made beside the Redis tier ${redis.reason}`, () => {
  it('after consolidation getSession through the tier shows the new summary at once, and getContext includes it', async () => {
    const { memory, tier, prefix } = await tiered();
    await memory.createSession({ id: 's1', userId: 'u1' });
    await memory.addMessages('s1', [
      { role: 'user', content: 'I am planning a trip to Norway in July with my two kids.' },
      { role: 'assistant', content: 'The fjords are beautiful in summer.' },
      { role: 'user', content: 'My budget is 4000 euros for the whole trip.' },
    ]);
    // The session record is cached, and so is a context of this turn.
    await memory.getSession('s1');
    const hits = tier.stats.sessionHits;
    expect((await memory.getSession('s1')).summary).toBeNull();
    expect(tier.stats.sessionHits).toBe(hits + 1);
    const before = await memory.getContext('s1', { query: 'trip budget' });
    expect(before.items.some((item) => item.kind === 'summary')).toBe(false);
    const contextKey = `${prefix}:{default}:s:s1:ctx`;
    expect(await keysUnder(redis.url, prefix)).toContain(contextKey);

    expect(await memory.consolidate()).toMatchObject({ sessions: 1, summaries: 1 });
    // The cached record and the cached contexts went with the commit.
    expect(await keysUnder(redis.url, prefix)).not.toContain(contextKey);
    const session = await memory.getSession('s1');
    expect(session.summary).toContain('4000 euros');
    expect(session.summarizedUpToSeq).toBe(3);
    // Refilled from the durable store: the next read is a hit with the same record.
    const refilled = tier.stats.sessionHits;
    expect((await memory.getSession('s1')).summary).toBe(session.summary);
    expect(tier.stats.sessionHits).toBe(refilled + 1);
    const context = await memory.getContext('s1', { query: 'trip budget' });
    expect(context.items.find((item) => item.kind === 'summary')?.text).toBe(session.summary);
  });

  it('when Redis fails during the invalidation, the stale record is deleted before Redis is read again', async () => {
    const { memory, tier, prefix } = await tiered();
    await memory.createSession({ id: 's1', userId: 'u1' });
    await memory.addMessages('s1', [{ role: 'user', content: 'My budget is 4000 euros for the whole trip to Norway.' }]);
    await memory.getSession('s1');
    const recordKey = `${prefix}:{default}:s:s1:rec`;
    expect(await keysUnder(redis.url, prefix)).toContain(recordKey);
    // A command timed out: the connection skips Redis for its cool-down (1 s), as in production.
    tier.connection.failed(new Error('Command timed out'));
    expect(tier.connection.usable()).toBe(false);
    await memory.consolidate();
    // Redis still holds the old record; the tier answers from the durable store meanwhile.
    expect(await keysUnder(redis.url, prefix)).toContain(recordKey);
    expect((await memory.getSession('s1')).summary).toContain('4000 euros');
    while (!tier.connection.usable()) await new Promise((resolve) => setTimeout(resolve, 50));
    const misses = tier.stats.sessionMisses;
    expect((await memory.getSession('s1')).summary).toContain('4000 euros');
    // The owed delete ran before the read: a miss, refilled from the durable store.
    expect(tier.stats.sessionMisses).toBe(misses + 1);
  });

  it('after prune the pruned messages no longer come from the cached window or idempotency keys', async () => {
    const { memory, tier } = await tiered();
    const now = Date.now();
    await memory.createSession({ id: 'old', userId: 'alice', createdAt: now - 100 * DAY });
    await memory.addMessages('old', [
      { role: 'user', content: 'I am planning a trip to Lisbon in May with two friends.', createdAt: now - 100 * DAY, clientMsgId: 'c1' },
      { role: 'assistant', content: 'Lisbon is lovely in spring.', createdAt: now - 100 * DAY + 60_000, clientMsgId: 'c2' },
    ]);
    await memory.consolidate();
    await memory.addMessages('old', [{ role: 'user', content: 'We booked the flights today.', createdAt: now - DAY, clientMsgId: 'c3' }]);
    // Fill the window and the idempotency keys, then read them from Redis.
    await memory.listMessages('old');
    const windowHits = tier.stats.windowHits;
    expect(await memory.listMessages('old')).toHaveLength(3);
    expect(tier.stats.windowHits).toBe(windowHits + 1);
    expect([...(await tier.findByClientMsgIds('default', 'old', ['c1', 'c3'])).keys()].sort()).toEqual(['c1', 'c3']);

    const report = await prune(
      { store: memory.store, retention: await retentionStoreOf(memory), afterWrite: (write) => memory.afterExternalWrite(write) },
      'default',
      { keepTurnsDays: 30 },
    );
    expect(report.turns).toMatchObject({ messages: 2, turnMemories: 2 });
    expect((await memory.listMessages('old')).map((m) => m.content)).toEqual(['We booked the flights today.']);
    const turns = (await memory.getContext('old', { depth: 'rapid' })).items.filter((item) => item.kind === 'turn');
    expect(turns.map((item) => item.text)).toEqual([expect.stringContaining('We booked the flights today.')]);
    expect([...(await tier.findByClientMsgIds('default', 'old', ['c1', 'c2', 'c3'])).keys()]).toEqual(['c3']);
  });

  it('restore through archiveStoresOf finds SQLite under the tier and drops what Redis held of the restored sessions', async () => {
    const { memory: source } = await tiered();
    await source.createSession({ id: 's1', userId: 'u1' });
    await source.addMessages('s1', [{ role: 'user', content: 'The espresso machine leaks water from the steam wand gasket.' }]);
    const dir = mkdtempSync(join(tmpdir(), 'strata-xw-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    await backup(await archiveStoresOf(source), join(dir, 'archive'));

    // A target whose Redis prefix still holds a record of `s1` from an earlier store (no message).
    const { memory: target, prefix } = await tiered();
    await target.createSession({ id: 's1', userId: 'u1' });
    expect((await target.getSession('s1')).lastSeq).toBe(0);
    const client = new Redis(redis.url);
    cleanups.push(async () => {
      client.disconnect();
    });
    const stale = await client.hgetall(`${prefix}:{default}:s:s1:rec`);
    expect(stale.lastSeq).toBe('0');
    // Restore needs an empty durable store: a second SQLite file behind the same Redis prefix.
    const fresh = await createMemory({ path: ':memory:', redisUrl: redis.url, redisKeyPrefix: prefix });
    cleanups.push(() => fresh.close());
    await restore(await archiveStoresOf(fresh), join(dir, 'archive'));
    expect((await fresh.getSession('s1')).lastSeq).toBe(1);
    expect((await fresh.listMessages('s1')).map((m) => m.content)).toEqual([
      'The espresso machine leaks water from the steam wand gasket.',
    ]);
  });
});
