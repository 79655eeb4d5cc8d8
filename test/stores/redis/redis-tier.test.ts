import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import type { MessageQuery } from '../../../src/spec/memory-store.js';
import { keysUnder } from '../../helpers/redis.js';
import { checkService } from '../../helpers/services.js';
import { sleep, type TieredMemory, tieredMemory, turns } from './redis-fixture.js';

const redis = await checkService('redis');

describe.skipIf(!redis.reachable)(`Redis tier over SQLite ${redis.reason}`, () => {
  let open: TieredMemory[] = [];
  const tiered = async (options: Parameters<typeof tieredMemory>[1] = {}) => {
    const made = await tieredMemory(redis.url, options);
    open.push(made);
    return made;
  };
  afterEach(async () => {
    for (const made of open) await made.close();
    open = [];
  });

  test('the recent-message window is served from Redis and equals the durable answer', async () => {
    const { memory, tier, prefix } = await tiered({ windowSize: 8 });
    await memory.createSession({ id: 'chat', userId: 'alice' });
    for (let batch = 0; batch < 5; batch++) await memory.addMessages('chat', turns(4, 'w', batch * 4));
    const queries: MessageQuery[] = [
      { limit: 6, order: 'desc' },
      { limit: 8, order: 'desc' },
      { limit: 3, order: 'desc', beforeSeq: 19 },
      { limit: 10, order: 'asc', afterSeq: 14 },
      { limit: 2, order: 'asc', afterSeq: 16 },
      { limit: 5, order: 'desc', afterSeq: 18 },
      { limit: 5, order: 'desc', afterSeq: 25 },
    ];
    const hitsBefore = tier.stats.windowHits;
    const missesBefore = tier.stats.windowMisses;
    for (const query of queries) {
      expect(await tier.listMessages('default', 'chat', query), JSON.stringify(query)).toEqual(
        await tier.durable.listMessages('default', 'chat', query),
      );
    }
    expect(tier.stats.windowHits - hitsBefore).toBe(queries.length);
    expect(tier.stats.windowMisses - missesBefore).toBe(0);
    // Queries reaching below the window go to SQLite, and still agree.
    for (const query of [
      { limit: 12, order: 'desc' },
      { limit: 5, order: 'asc' },
    ] satisfies MessageQuery[]) {
      expect(await tier.listMessages('default', 'chat', query)).toEqual(await tier.durable.listMessages('default', 'chat', query));
    }
    expect(tier.stats.windowMisses - missesBefore).toBe(2);
    // The window really is a Redis list of the 8 newest messages.
    const client = new Redis(redis.url);
    try {
      const window = await client.lrange(`${prefix}:{default}:s:chat:win`, 0, -1);
      expect(window.map((item) => JSON.parse(item).seq)).toEqual([13, 14, 15, 16, 17, 18, 19, 20]);
    } finally {
      client.disconnect();
    }
  });

  test('a cold window is warmed from the durable store on the first read', async () => {
    const { memory, tier, prefix } = await tiered({ windowSize: 8 });
    await memory.createSession({ id: 'chat', userId: 'alice' });
    await memory.addMessages('chat', turns(5, 'c'));
    const client = new Redis(redis.url);
    try {
      await client.del(`${prefix}:{default}:s:chat:win`, `${prefix}:{default}:s:chat:rec`);
      const first = await memory.listMessages('chat', { limit: 3, order: 'desc' });
      expect(first.map((message) => message.seq)).toEqual([5, 4, 3]);
      expect(await client.llen(`${prefix}:{default}:s:chat:win`)).toBe(5);
      const hits = tier.stats.windowHits;
      expect(await memory.listMessages('chat', { limit: 100 })).toEqual(
        await tier.durable.listMessages('default', 'chat', { limit: 100, order: 'asc' }),
      );
      expect(tier.stats.windowHits).toBe(hits + 1);
    } finally {
      client.disconnect();
    }
  });

  test('session records are answered from Redis and follow appends', async () => {
    const { memory, tier } = await tiered();
    await memory.createSession({ id: 'chat', userId: 'alice', metadata: { channel: 'web' } });
    await memory.getSession('chat');
    await memory.addMessages('chat', turns(3, 's'));
    const hits = tier.stats.sessionHits;
    const cached = await memory.getSession('chat');
    expect(tier.stats.sessionHits).toBe(hits + 1);
    expect(cached).toEqual(await tier.durable.getSession('default', 'chat'));
    expect(cached.lastSeq).toBe(3);
  });

  test('embedding cache: Redis first, the durable cache behind it, filled on a miss', async () => {
    const { tier, prefix } = await tiered();
    const model = 'test-model@1/4';
    const a = new Float32Array([0.5, -0.25, 0.125, 1]);
    const b = new Float32Array([0, 1, 0, 0]);
    await tier.putCachedEmbeddings(model, new Map([['hash-a', a]]));
    // Only in SQLite: written behind the tier's back.
    await tier.durable.putCachedEmbeddings(model, new Map([['hash-b', b]]));
    expect(await keysUnder(redis.url, prefix)).toEqual([`${prefix}:{emb:${model}}:hash-a`]);

    const first = await tier.getCachedEmbeddings(model, ['hash-a', 'hash-b', 'hash-c']);
    expect([...first.keys()].sort()).toEqual(['hash-a', 'hash-b']);
    expect([...(first.get('hash-a') as Float32Array)]).toEqual([...a]);
    expect([...(first.get('hash-b') as Float32Array)]).toEqual([...b]);
    expect(tier.stats.embeddingHits).toBe(1);
    expect(tier.stats.embeddingMisses).toBe(2);
    // hash-b was copied into Redis: the second lookup is all hits.
    const second = await tier.getCachedEmbeddings(model, ['hash-a', 'hash-b']);
    expect([...(second.get('hash-b') as Float32Array)]).toEqual([...b]);
    expect(tier.stats.embeddingHits).toBe(3);
    expect(tier.stats.embeddingMisses).toBe(2);
    const client = new Redis(redis.url);
    try {
      const ttl = await client.pttl(`${prefix}:{emb:${model}}:hash-b`);
      expect(ttl).toBeGreaterThan(6 * 86_400_000);
    } finally {
      client.disconnect();
    }
  });

  test('idempotency keys are answered from Redis: a retried message is not stored again', async () => {
    const { memory, tier, prefix } = await tiered();
    await memory.createSession({ id: 'chat', userId: 'alice' });
    const sent = await memory.addMessages('chat', turns(3, 'idem'));
    expect(sent.every((message) => message.created)).toBe(true);
    const client = new Redis(redis.url);
    try {
      expect((await client.hkeys(`${prefix}:{default}:s:chat:idem`)).sort()).toEqual(['idem-0', 'idem-1', 'idem-2']);
    } finally {
      client.disconnect();
    }
    const hits = tier.stats.idempotencyHits;
    const retried = await memory.addMessages('chat', turns(4, 'idem'));
    expect(retried.map((message) => message.created)).toEqual([false, false, false, true]);
    expect(retried.slice(0, 3).map((message) => message.id)).toEqual(sent.map((message) => message.id));
    expect(tier.stats.idempotencyHits).toBe(hits + 3);
    expect(await tier.durable.listMessages('default', 'chat', { limit: 100, order: 'asc' })).toHaveLength(4);
    const found = await tier.findByClientMsgIds('default', 'chat', ['idem-1', 'idem-3', 'nope']);
    expect([...found.keys()].sort()).toEqual(['idem-1', 'idem-3']);
    expect(found).toEqual(await tier.durable.findByClientMsgIds('default', 'chat', ['idem-1', 'idem-3', 'nope']));
  });

  test('forgetUser erases the user’s Redis keys in every namespace and leaves other users’', async () => {
    const { memory, tier, prefix } = await tiered();
    for (const user of ['alice', 'bob']) {
      await memory.createSession({ id: `${user}-chat`, userId: user });
      await memory.addMessages(`${user}-chat`, turns(3, user));
      await memory.listMessages(`${user}-chat`, { limit: 5, order: 'desc' });
      await memory.scratch.set(`${user}-chat`, 'plan', { user });
      await memory.getContext(`${user}-chat`, { query: 'when does the ferry leave' });
      await memory.setFact({ userId: user, subject: 'user', key: 'city', value: 'Bergen' });
    }
    const before = await keysUnder(redis.url, prefix);
    for (const suffix of ['rec', 'win', 'idem', 'scratch', 'ctx']) {
      expect(before).toContain(`${prefix}:{default}:s:alice-chat:${suffix}`);
      expect(before).toContain(`${prefix}:{default}:s:bob-chat:${suffix}`);
    }
    const counts = await memory.forgetUser('alice');
    expect(counts.sessions).toBe(1);
    const after = await keysUnder(redis.url, prefix);
    const alice = after.filter((key) => key.includes('alice'));
    // Only the fencing counters stay, holding no content, for a minute or two.
    expect(alice.sort()).toEqual([`${prefix}:{default}:s:alice-chat:gen`, `${prefix}:{default}:u:alice:ctxgen`]);
    const client = new Redis(redis.url);
    try {
      for (const key of alice) {
        expect(Number(await client.get(key))).toBeGreaterThan(0);
        const ttl = await client.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(120_000);
      }
    } finally {
      client.disconnect();
    }
    expect(after.filter((key) => key.includes('bob'))).toEqual(before.filter((key) => key.includes('bob')));
    expect(await tier.getSession('default', 'alice-chat')).toBeNull();
    expect(await tier.listMessages('default', 'alice-chat', { limit: 10, order: 'desc' })).toEqual([]);
    expect((await memory.scratch.get('bob-chat', 'plan'))?.value).toEqual({ user: 'bob' });
  });

  test('tenants never share a key: each tenant’s keys carry its hash tag and answer only it', async () => {
    const { memory, tier, prefix } = await tiered();
    const acme = memory.forTenant('acme');
    const globex = memory.forTenant('globex');
    for (const [tenant, view] of [
      ['acme', acme],
      ['globex', globex],
    ] as const) {
      await view.createSession({ id: 'chat', userId: 'alice' });
      await view.addMessages('chat', [{ role: 'user', content: `secret of ${tenant}`, clientMsgId: 'same-id' }]);
      await view.scratch.set('chat', 'k', tenant);
      await view.listMessages('chat', { limit: 5, order: 'desc' });
    }
    const keys = await keysUnder(redis.url, prefix);
    const acmeKeys = keys.filter((key) => key.startsWith(`${prefix}:{acme}:`));
    const globexKeys = keys.filter((key) => key.startsWith(`${prefix}:{globex}:`));
    expect(acmeKeys.length).toBeGreaterThan(3);
    expect(acmeKeys.length + globexKeys.length).toBe(keys.length);
    expect(acmeKeys.map((key) => key.replace('{acme}', '{t}'))).toEqual(globexKeys.map((key) => key.replace('{globex}', '{t}')));
    expect((await acme.listMessages('chat', { order: 'desc', limit: 5 })).map((message) => message.content)).toEqual(['secret of acme']);
    expect((await globex.listMessages('chat', { order: 'desc', limit: 5 })).map((message) => message.content)).toEqual([
      'secret of globex',
    ]);
    expect([...(await tier.findByClientMsgIds('globex', 'chat', ['same-id'])).values()].map((message) => message.content)).toEqual([
      'secret of globex',
    ]);
    expect((await acme.scratch.get('chat', 'k'))?.value).toBe('acme');
    await acme.forgetUser('alice');
    expect((await keysUnder(redis.url, prefix)).filter((key) => key.startsWith(`${prefix}:{globex}:`))).toEqual(globexKeys);
    expect(await memory.forTenant('nobody').listSessions()).toEqual([]);
    await expect(memory.forTenant('nobody').getSession('chat')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });

  test('a cache update that failed is repaired before Redis is trusted again', async () => {
    const { memory, tier } = await tiered();
    await memory.createSession({ id: 'chat', userId: 'alice' });
    await memory.addMessages('chat', turns(2, 'r'));
    expect((await memory.listMessages('chat', { limit: 5, order: 'desc' })).map((m) => m.seq)).toEqual([2, 1]);
    // Cut this client off (Redis keeps the now-warm keys), write, reconnect.
    tier.connection.client.disconnect();
    const errors = tier.stats.errors;
    await memory.addMessages('chat', turns(2, 'r', 2));
    expect(tier.stats.errors).toBeGreaterThan(errors);
    while (tier.connection.client.status !== 'end') await sleep(5);
    await tier.connection.client.connect();
    // The stale window and record are deleted before the first read trusts Redis.
    expect((await memory.listMessages('chat', { limit: 5, order: 'desc' })).map((m) => m.seq)).toEqual([4, 3, 2, 1]);
    expect((await memory.getSession('chat')).lastSeq).toBe(4);
    const hits = tier.stats.windowHits;
    expect((await memory.listMessages('chat', { limit: 5, order: 'desc' })).map((m) => m.seq)).toEqual([4, 3, 2, 1]);
    expect(tier.stats.windowHits).toBe(hits + 1);
  });
});
