import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import type { ContextResponse } from '../../src/core/types.js';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { dropSchema, randomSchema } from '../helpers/postgres.js';
import { dropPrefix, keysUnder, randomPrefix } from '../helpers/redis.js';
import { checkService } from '../helpers/services.js';
import { StrataPeer } from '../helpers/strata-peer.js';

// Two Strata processes on one PostgreSQL database and one Redis, as two `strata serve` replicas:
// this test's process and a forked one (test/helpers/strata-peer.ts), each with its own
// createMemory({ store: postgres, redisUrl }) under the same key prefix. The Redis tier serves
// session records, newest-N message windows, idempotency keys and cached contexts; what one
// process writes, the other must see at once through those caches, never a stale copy.
const postgres = await checkService('postgres');
const redis = await checkService('redis');
const schema = randomSchema('strata_two_redis');
const prefix = randomPrefix();

const texts = (context: ContextResponse) => context.items.map((item) => item.text).join('\n');

describe.skipIf(!postgres.reachable || !redis.reachable)(
  `two Strata processes on one PostgreSQL and one Redis ${postgres.reason}${redis.reason}`,
  () => {
    let local: MemoryService;
    let peer: StrataPeer;

    beforeAll(async () => {
      local = await createMemory({
        store: createPostgresStore({ connectionString: postgres.url, schema, poolMax: 4, log: () => {} }),
        redisUrl: redis.url,
        redisKeyPrefix: prefix,
      });
      peer = new StrataPeer({ DATABASE_URL: postgres.url, STRATA_PG_SCHEMA: schema, REDIS_URL: redis.url, STRATA_REDIS_PREFIX: prefix });
      await peer.ready;
    }, 60_000);

    afterAll(async () => {
      await peer?.stop();
      await local?.close();
      await dropPrefix(redis.url, prefix);
      await dropSchema(schema, postgres.url);
    });

    it('runs in another OS process', async () => {
      expect(await peer.ready).not.toBe(process.pid);
    });

    it('a message written by the other process is in the newest-N window here at once, and found by search', async () => {
      await peer.call('createSession', { id: 'r-1', userId: 'alice' });
      await peer.call('addMessages', 'r-1', [{ role: 'user', content: 'The Skerryvore lighthouse needs a new lamp', clientMsgId: 'p-1' }]);
      // This process warms its view of the window, then the other process writes again.
      expect((await local.listMessages('r-1', { limit: 5, order: 'desc' })).map((m) => m.seq)).toEqual([1]);
      await peer.call('addMessages', 'r-1', [
        { role: 'assistant', content: 'A keeper rows out to the reef on Tuesday', clientMsgId: 'p-2' },
      ]);
      const newest = await local.listMessages('r-1', { limit: 5, order: 'desc' });
      expect(newest.map((m) => [m.seq, m.content])).toEqual([
        [2, 'A keeper rows out to the reef on Tuesday'],
        [1, 'The Skerryvore lighthouse needs a new lamp'],
      ]);
      // The window is in Redis (the tier served it), under the shared prefix.
      expect((await keysUnder(redis.url, prefix)).some((key) => key.endsWith(':s:r-1:win'))).toBe(true);
      const keyword = await local.search('keeper reef Tuesday', { userId: 'alice', mode: 'keyword' });
      expect(keyword.results[0]?.memory.text).toContain('keeper rows out');
      const hybrid = await local.search('lighthouse lamp', { userId: 'alice' });
      expect(hybrid.results.map((hit) => hit.memory.text).join('\n')).toContain('Skerryvore');
    });

    it('an idempotent retry in the other process stores nothing', async () => {
      await local.createSession({ id: 'r-2', userId: 'bob' });
      const first = await local.addMessages('r-2', [{ role: 'user', content: 'My cello bow needs rehairing', clientMsgId: 'l-1' }]);
      const retry = await peer.call<Array<{ id: string; seq: number; created: boolean }>>('addMessages', 'r-2', [
        { role: 'user', content: 'My cello bow needs rehairing', clientMsgId: 'l-1' },
      ]);
      expect(retry).toEqual([expect.objectContaining({ id: first[0]?.id, seq: 1, created: false })]);
      expect(await local.listMessages('r-2', { limit: 10, order: 'desc' })).toHaveLength(1);
      expect(await peer.call<unknown[]>('listMessages', 'r-2', { limit: 10, order: 'desc' })).toHaveLength(1);
      expect((await local.getSession('r-2')).lastSeq).toBe(1);
      expect(await local.countMemories({ userId: 'bob' })).toBe(1);
    });

    it('a session created by one process is read by the other, with the lastSeq the other wrote', async () => {
      await local.createSession({ id: 'r-3', userId: 'carol', metadata: { channel: 'sms' } });
      const read = await peer.call<{ id: string; userId: string; metadata: unknown; lastSeq: number }>('getSession', 'r-3');
      expect(read).toMatchObject({ id: 'r-3', userId: 'carol', metadata: { channel: 'sms' }, lastSeq: 0 });
      // Cached here now; the other process appends, and this process's (Redis) session record follows.
      expect((await local.getSession('r-3')).lastSeq).toBe(0);
      await peer.call('addMessages', 'r-3', [{ role: 'user', content: 'Book the night train to Narvik', clientMsgId: 'p-1' }]);
      expect((await local.getSession('r-3')).lastSeq).toBe(1);
    });

    it('getContext here reflects a message the other process wrote just before (no stale cached context)', async () => {
      await local.createSession({ id: 'r-4', userId: 'dave' });
      await local.addMessages('r-4', [{ role: 'user', content: 'I am planning a trip to the Lofoten islands', clientMsgId: 'l-1' }]);
      const before = await local.getContext('r-4', { query: 'trip plans' });
      expect(texts(before)).toContain('Lofoten');
      // It is cached in Redis now, and the same call again gets the same answer.
      expect((await keysUnder(redis.url, prefix)).some((key) => key.endsWith(':s:r-4:ctx'))).toBe(true);
      expect(await local.getContext('r-4', { query: 'trip plans' })).toEqual(before);
      await peer.call('addMessages', 'r-4', [{ role: 'assistant', content: 'The ferry from Bodø leaves at seven', clientMsgId: 'p-1' }]);
      const after = await local.getContext('r-4', { query: 'trip plans' });
      expect(texts(after)).toContain('ferry from Bodø');
      // And the other way round: the other process caches, this one writes.
      const peerBefore = await peer.call<ContextResponse>('getContext', 'r-4', { query: 'trip plans' });
      expect(texts(peerBefore)).toContain('ferry from Bodø');
      await local.addMessages('r-4', [{ role: 'user', content: 'Then I will take the seven o clock sailing', clientMsgId: 'l-2' }]);
      const peerAfter = await peer.call<ContextResponse>('getContext', 'r-4', { query: 'trip plans' });
      expect(texts(peerAfter)).toContain('seven o clock sailing');
    });
  },
);
