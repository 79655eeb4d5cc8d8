import { afterEach, describe, expect, test } from 'vitest';
import { SqliteStore } from '../../../src/stores/sqlite/sqlite-store.js';
import { expectStrataError } from '../../helpers/memory.js';
import { freePort } from '../../helpers/redis.js';
import { type TieredMemory, tieredMemory, turns } from './redis-fixture.js';

// No service needed: the tier points at a port where nothing listens, which is the point.
describe('Redis tier with Redis down', () => {
  let made: TieredMemory | null = null;
  afterEach(async () => {
    await made?.close();
    made = null;
  });

  test('writes land in the durable store and reads fall back to it', async () => {
    made = await tieredMemory(`redis://127.0.0.1:${await freePort()}`);
    const { memory, tier } = made;
    await memory.createSession({ id: 'chat', userId: 'alice' });
    const added = await memory.addMessages('chat', turns(6, 'down'));
    expect(added.map((message) => message.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // A retry is still idempotent (the durable store decides).
    expect((await memory.addMessages('chat', turns(2, 'down'))).map((message) => message.created)).toEqual([false, false]);
    await memory.remember({ userId: 'alice', text: 'Alice takes the early ferry to Bergen' });
    await memory.setFact({ userId: 'alice', subject: 'user', key: 'city', value: 'Bergen' });
    await tier.putCachedEmbeddings('m@1/2', new Map([['h', new Float32Array([1, 0])]]));

    expect((await memory.getSession('chat')).lastSeq).toBe(6);
    expect(await memory.listMessages('chat', { limit: 4, order: 'desc' })).toEqual(
      await tier.durable.listMessages('default', 'chat', { limit: 4, order: 'desc' }),
    );
    expect((await tier.findByClientMsgIds('default', 'chat', ['down-1'])).get('down-1')?.seq).toBe(2);
    expect([...((await tier.getCachedEmbeddings('m@1/2', ['h'])).get('h') ?? [])]).toEqual([1, 0]);
    const context = await memory.getContext('chat', { query: 'which ferry' });
    expect(context.used).toBe(true);
    expect(context.text).toContain('Bergen');
    expect((await memory.search('early ferry Bergen', { userId: 'alice' })).results.length).toBeGreaterThan(0);
    expect(tier.stats.errors).toBeGreaterThan(5);
    expect(tier.stats.windowHits + tier.stats.sessionHits).toBe(0);

    const counts = await memory.forgetUser('alice');
    expect(counts).toMatchObject({ sessions: 1, messages: 6 });
    await expectStrataError(memory.getSession('chat'), 'SESSION_NOT_FOUND');
  });

  test('everything written while Redis was down is in the durable file', async () => {
    const { tempDir } = await import('../../helpers/memory.js');
    const dir = tempDir();
    try {
      made = await tieredMemory(`redis://127.0.0.1:${await freePort()}`, { path: `${dir.dir}/strata.db` });
      await made.memory.createSession({ id: 'chat', userId: 'alice' });
      await made.memory.addMessages('chat', turns(3, 'file'));
      await made.close();
      made = null;
      const reopened = new SqliteStore({ path: `${dir.dir}/strata.db` });
      await reopened.open();
      try {
        const messages = await reopened.listMessages('default', 'chat', { limit: 10, order: 'asc' });
        expect(messages.map((message) => message.clientMsgId)).toEqual(['file-0', 'file-1', 'file-2']);
      } finally {
        await reopened.close();
      }
    } finally {
      dir.cleanup();
    }
  });

  test('scratchpads have no durable copy: Redis down is STORE_UNAVAILABLE', async () => {
    made = await tieredMemory(`redis://127.0.0.1:${await freePort()}`);
    await made.memory.createSession({ id: 'chat', userId: 'alice' });
    await expectStrataError(made.memory.scratch.set('chat', 'plan', 1), 'STORE_UNAVAILABLE');
    await expectStrataError(made.memory.scratch.get('chat', 'plan'), 'STORE_UNAVAILABLE');
  });
});
