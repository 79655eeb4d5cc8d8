import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { PrometheusMetrics } from '../../src/observability/prometheus-metrics.js';
import { CircuitBreakers } from '../../src/resilience/breaker.js';
import { captureLog } from '../helpers/log-capture.js';
import { hasRedisServerBinary, PrivateRedis, randomPrefix } from '../helpers/redis.js';

/**
 * Redis stopped mid-run: a private redis-server (never the shared one) in front of a real SQLite
 * store, wired by createMemory({ redisUrl }). The connection's own fail-fast and cool-down are the
 * Redis breaker; its state shows as tier `redis` in the gauge and the turn log.
 */
const hasBinary = hasRedisServerBinary();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const turns = (tag: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    role: (i % 2 === 0 ? 'user' : 'assistant') as 'user' | 'assistant',
    content: `${tag} ${i}: the ferry to the fjords leaves at ${7 + i} o'clock`,
    clientMsgId: `${tag}-${i}`,
  }));

describe.skipIf(!hasBinary)('Redis stopped mid-run (private redis-server)', () => {
  let server: PrivateRedis;
  let memory: MemoryService;
  const metrics = new PrometheusMetrics();
  const breakers = new CircuitBreakers();
  const log = captureLog();

  beforeAll(async () => {
    server = await PrivateRedis.start();
    memory = await createMemory({
      path: ':memory:',
      redisUrl: server.url,
      redisKeyPrefix: randomPrefix(),
      breakers,
      metrics,
      logger: log.logger,
      readDeadlineMs: 1_000,
    });
  });
  afterAll(async () => {
    await memory?.close();
    await server?.stop();
  });

  test('calls keep answering from the durable store while Redis is down; the redis breaker shows open, then closed', async () => {
    await memory.createSession({ id: 'chat', userId: 'alice' });
    await memory.addMessages('chat', turns('before', 4));
    expect((await memory.getContext('chat', { query: 'ferry' })).used).toBe(true);
    expect(breakers.state('redis')).toBe('closed');

    await server.stop();
    for (let waited = 0; breakers.state('redis') !== 'open' && waited < 3_000; waited += 20) await sleep(20);
    expect(breakers.state('redis')).toBe('open');

    // Writes land in the durable store; reads answer from it, with memory (used: true).
    const added = await memory.addMessages('chat', turns('during', 2));
    expect(added.every((message) => message.created)).toBe(true);
    const context = await memory.getContext('chat', { query: 'ferry fjords' });
    expect(context.used).toBe(true);
    expect(context.text).toContain('during 1');
    const search = await memory.search('ferry fjords', { userId: 'alice', k: 20 });
    expect(search.used).toBe(true);
    expect(search.results.length).toBeGreaterThan(0);
    expect((await memory.listMessages('chat', { limit: 100 })).map((message) => message.clientMsgId)).toEqual([
      'before-0',
      'before-1',
      'before-2',
      'before-3',
      'during-0',
      'during-1',
    ]);
    const lastTurn = log
      .lines()
      .filter((line) => line.msg === 'memory_turn')
      .at(-1) as { op: string; memory: { breaker: string; used: boolean } };
    expect(lastTurn).toMatchObject({ op: 'search', memory: { breaker: 'open', used: true } });
    expect((await metrics.render()).body).toContain('strata_breaker_state{tier="redis"} 2');

    await server.start();
    for (let waited = 0; breakers.state('redis') !== 'closed' && waited < 5_000; waited += 20) await sleep(20);
    expect(breakers.state('redis')).toBe('closed');
    const exposed = (await metrics.render()).body;
    expect(exposed).toContain('strata_breaker_state{tier="redis"} 0');
    expect(exposed).toMatch(/strata_breaker_transitions_total\{tier="redis",from="open",to="closed"\} 1/);
    expect((await memory.getContext('chat', { query: 'ferry' })).used).toBe(true);
  }, 30_000);
});
