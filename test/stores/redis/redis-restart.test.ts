import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasRedisServerBinary, keysUnder, PrivateRedis } from '../../helpers/redis.js';
import { checkService } from '../../helpers/services.js';
import { sleep, type TieredMemory, tieredMemory, turns } from './redis-fixture.js';

const redis = await checkService('redis');
// A private server: the shared one is never stopped or stalled.
const hasBinary = hasRedisServerBinary();

describe.skipIf(!redis.reachable || !hasBinary)(`Redis restart loses the cache, not the data ${redis.reason}`, () => {
  let server: PrivateRedis;
  let made: TieredMemory;

  beforeAll(async () => {
    server = await PrivateRedis.start();
    made = await tieredMemory(server.url, { windowSize: 10 });
  });
  afterAll(async () => {
    await made?.close();
    await server?.stop();
  });

  test('kill and restart a private redis-server: every answer comes from the durable store, then the cache warms again', async () => {
    const { memory, tier } = made;
    await memory.createSession({ id: 'chat', userId: 'alice', metadata: { channel: 'sms' } });
    await memory.addMessages('chat', turns(6, 'before'));
    await memory.listMessages('chat', { limit: 5, order: 'desc' });
    await tier.putCachedEmbeddings('m@1/3', new Map([['h1', new Float32Array([0.1, 0.2, 0.3])]]));
    expect((await keysUnder(server.url, made.prefix)).length).toBeGreaterThanOrEqual(5);
    const durableBefore = await tier.durable.listMessages('default', 'chat', { limit: 100, order: 'asc' });
    expect(durableBefore).toHaveLength(6);

    await server.stop();
    // While Redis is gone: writes still land, reads still answer.
    await memory.addMessages('chat', turns(2, 'during'));
    expect((await memory.getSession('chat')).lastSeq).toBe(8);
    expect((await memory.listMessages('chat', { limit: 3, order: 'desc' })).map((message) => message.seq)).toEqual([8, 7, 6]);

    await server.start();
    // An empty Redis (no persistence): every cached key is gone.
    expect(await keysUnder(server.url, made.prefix)).toEqual([]);
    for (let waited = 0; tier.connection.client.status !== 'ready' && waited < 5_000; waited += 20) await sleep(20);
    expect(tier.connection.client.status).toBe('ready');

    await memory.addMessages('chat', turns(1, 'after'));
    const all = await tier.durable.listMessages('default', 'chat', { limit: 100, order: 'asc' });
    expect(all.map((message) => message.clientMsgId)).toEqual([
      ...['before-0', 'before-1', 'before-2', 'before-3', 'before-4', 'before-5'],
      ...['during-0', 'during-1', 'after-0'],
    ]);
    // Nothing lost: the tier answers exactly what the durable store holds.
    expect(await memory.getSession('chat')).toEqual(await tier.durable.getSession('default', 'chat'));
    expect(await memory.listMessages('chat', { limit: 100 })).toEqual(all);
    expect(await tier.listMessages('default', 'chat', { limit: 4, order: 'desc' })).toEqual(all.slice(-4).reverse());
    expect((await tier.findByClientMsgIds('default', 'chat', ['before-2'])).get('before-2')).toEqual(all[2]);
    expect([...((await tier.getCachedEmbeddings('m@1/3', ['h1'])).get('h1') ?? [])]).toEqual([...new Float32Array([0.1, 0.2, 0.3])]);
    // Every message is found (as its turn, or inside a chunk memory quoting it).
    const found = (await memory.search('ferry fjords', { userId: 'alice', k: 20 })).results.flatMap(({ memory: hit }) => [
      hit.metadata.clientMsgId,
      ...(Array.isArray(hit.metadata.sourceClientMsgIds) ? hit.metadata.sourceClientMsgIds : []),
    ]);
    expect(new Set(found.filter((id) => typeof id === 'string')).size).toBe(9);

    // And the cache is warm again: these answers come from Redis.
    const keys = await keysUnder(server.url, made.prefix);
    for (const suffix of ['rec', 'win', 'idem']) expect(keys).toContain(`${made.prefix}:{default}:s:chat:${suffix}`);
    expect(keys).toContain(`${made.prefix}:{emb:m@1/3}:h1`);
    const hits = { ...tier.stats };
    await memory.getSession('chat');
    expect(await tier.listMessages('default', 'chat', { limit: 4, order: 'desc' })).toEqual(all.slice(-4).reverse());
    await tier.getCachedEmbeddings('m@1/3', ['h1']);
    expect(tier.stats.sessionHits).toBe(hits.sessionHits + 1);
    expect(tier.stats.windowHits).toBe(hits.windowHits + 1);
    expect(tier.stats.embeddingHits).toBe(hits.embeddingHits + 1);
  });

  test('a Redis that comes up after the service is picked up: the cache warms without a restart of the service', async () => {
    const late = await PrivateRedis.reserve();
    const lateMade = await tieredMemory(late.url);
    try {
      const { memory, tier } = lateMade;
      await memory.createSession({ id: 'chat', userId: 'alice' });
      await memory.addMessages('chat', turns(2, 'early'));
      expect(tier.connection.client.status).not.toBe('ready');
      await late.start();
      for (let waited = 0; tier.connection.client.status !== 'ready' && waited < 5_000; waited += 20) await sleep(20);
      expect(tier.connection.client.status).toBe('ready');
      expect((await memory.listMessages('chat', { limit: 5, order: 'desc' })).map((message) => message.seq)).toEqual([2, 1]);
      const hits = tier.stats.windowHits;
      expect((await memory.listMessages('chat', { limit: 5, order: 'desc' })).map((message) => message.seq)).toEqual([2, 1]);
      expect(tier.stats.windowHits).toBe(hits + 1);
    } finally {
      await lateMade.close();
      await late.stop();
    }
  });
});
