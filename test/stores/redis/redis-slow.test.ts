import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasRedisServerBinary, PrivateRedis } from '../../helpers/redis.js';
import { checkService } from '../../helpers/services.js';
import { sleep, type TieredMemory, tieredMemory, turns } from './redis-fixture.js';

const redis = await checkService('redis');
// A private server: the shared one is never stopped or stalled.
const hasBinary = hasRedisServerBinary();

// A private server (DEBUG SLEEP stalls the whole server; the shared one is never touched).
describe.skipIf(!redis.reachable || !hasBinary)(`a stalled Redis ${redis.reason}`, () => {
  let server: PrivateRedis;
  let made: TieredMemory;

  beforeAll(async () => {
    server = await PrivateRedis.start(['--enable-debug-command', 'yes']);
    made = await tieredMemory(server.url);
  });
  afterAll(async () => {
    await made?.close();
    await server?.stop();
  });

  test('a timed-out command falls back to the durable store, and Redis is skipped during the cool-down', async () => {
    const { memory, tier } = made;
    await memory.createSession({ id: 'chat', userId: 'alice' });
    await memory.addMessages('chat', turns(3, 'slow'));
    await memory.listMessages('chat', { limit: 3, order: 'desc' });
    expect(tier.connection.usable()).toBe(true);

    const staller = new Redis(server.url);
    try {
      const stalled = staller.call('DEBUG', 'SLEEP', '1.5');
      await sleep(50);
      const errors = tier.stats.errors;
      // The command times out (250 ms); the answer comes from SQLite.
      expect((await memory.listMessages('chat', { limit: 3, order: 'desc' })).map((message) => message.seq)).toEqual([3, 2, 1]);
      expect(tier.stats.errors).toBeGreaterThan(errors);
      expect(tier.connection.usable()).toBe(false);
      // Cooling down: writes still land durably (their cache keys are invalidated later).
      await memory.addMessages('chat', turns(1, 'slow', 3));
      expect((await memory.getSession('chat')).lastSeq).toBe(4);
      await stalled;
    } finally {
      staller.disconnect();
    }
    for (let waited = 0; !tier.connection.usable() && waited < 3_000; waited += 20) await sleep(20);
    expect(tier.connection.usable()).toBe(true);
    expect(await memory.listMessages('chat', { limit: 10 })).toEqual(
      await tier.durable.listMessages('default', 'chat', { limit: 10, order: 'asc' }),
    );
    const hits = tier.stats.windowHits;
    expect((await memory.listMessages('chat', { limit: 2, order: 'desc' })).map((message) => message.seq)).toEqual([4, 3]);
    expect(tier.stats.windowHits).toBe(hits + 1);
  });
});
