/**
 * `npm run bench:redis`: getContext, search, listMessages, getSession and addMessages latency
 * on the embedded SQLite store alone, and with the Redis tier in front of the same file (without
 * and with the per-turn context cache), in one run on the same data.
 *
 *   node --import tsx bench/redis-tier.ts [--sessions 200] [--queries 200] [--redis redis://127.0.0.1:6379]
 *
 * Uses a random key prefix on the Redis it is given and deletes its keys at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createMemory } from '../src/config/create-memory.js';
import type { MemoryService } from '../src/core/memory-service.js';
import { RedisConnection } from '../src/stores/redis/redis-connection.js';
import { RedisContextCache } from '../src/stores/redis/redis-context-cache.js';
import { RedisTierStore } from '../src/stores/redis/redis-tier-store.js';
import { RedisWorkingMemory } from '../src/stores/redis/redis-working-memory.js';
import { SqliteStore } from '../src/stores/sqlite/sqlite-store.js';
import { benchQueries, benchSession } from './corpus.js';
import { type Latency, summarise } from './stats.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '200' },
    queries: { type: 'string', default: '200' },
    redis: { type: 'string', default: process.env.STRATA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' },
    seed: { type: 'string', default: '42' },
  },
});
const sessions = Number(values.sessions);
const queryCount = Number(values.queries);
const seed = Number(values.seed);
const dir = mkdtempSync(join(tmpdir(), 'strata-bench-redis-'));
const path = join(dir, 'bench.db');
const prefix = `strata-bench-${randomBytes(4).toString('hex')}`;

const log = (message: string) => process.stderr.write(`[bench:redis] ${message}\n`);

async function ingest(): Promise<number> {
  const memory = await createMemory({ path });
  let messages = 0;
  for (let i = 0; i < sessions; i++) {
    const session = benchSession(seed, i);
    await memory.createSession({ id: session.id, userId: 'bench-user', createdAt: session.createdAt });
    for (let j = 0; j < session.messages.length; j += 20) {
      await memory.addMessages(session.id, session.messages.slice(j, j + 20));
    }
    messages += session.messages.length;
  }
  await memory.close();
  return messages;
}

type Config = 'sqlite' | 'redis tier' | 'redis tier + context cache';

async function open(config: Config): Promise<{ memory: MemoryService; tier: RedisTierStore | null }> {
  if (config === 'sqlite') return { memory: await createMemory({ path, contextCache: false }), tier: null };
  // Each configuration under its own prefix: none starts with another's warm keys.
  const connection = new RedisConnection({ url: values.redis, keyPrefix: `${prefix}-${config === 'redis tier' ? 't' : 'tc'}` });
  const tier = new RedisTierStore(new SqliteStore({ path }), connection);
  const memory = await createMemory({
    store: tier,
    working: new RedisWorkingMemory(connection),
    contextCache: config === 'redis tier' ? false : new RedisContextCache(connection),
  });
  return { memory, tier };
}

async function time(samples: number[], run: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  await run();
  samples.push(performance.now() - started);
}

let pass = 0;

async function measure(config: Config): Promise<Record<string, Latency>> {
  pass++;
  const { memory, tier } = await open(config);
  await (memory.store as { warm?: () => Promise<void> }).warm?.();
  const queries = benchQueries(seed, queryCount);
  const ids = Array.from({ length: queryCount }, (_, i) => benchSession(seed, (i * 7919) % sessions).id);
  const samples: Record<string, number[]> = {
    'getContext (first call of a turn)': [],
    'getContext (same turn again)': [],
    search: [],
    'listMessages newest 10': [],
    getSession: [],
    'addMessages (1 message)': [],
  };
  // One warm-up pass (module loading, statement caches, Redis windows filled on first read).
  for (let i = 0; i < Math.min(20, queryCount); i++) {
    await memory.getContext(ids[i] as string, { query: `warm ${i}` });
  }
  for (let i = 0; i < queryCount; i++) {
    const sessionId = ids[i] as string;
    const query = (queries[i] as { text: string }).text;
    await time(samples['getContext (first call of a turn)'] as number[], () => memory.getContext(sessionId, { query, tokenBudget: 1500 }));
    await time(samples['getContext (same turn again)'] as number[], () => memory.getContext(sessionId, { query, tokenBudget: 1500 }));
    await time(samples.search as number[], () => memory.search(query, { userId: 'bench-user', k: 10 }));
    await time(samples['listMessages newest 10'] as number[], () => memory.listMessages(sessionId, { limit: 10, order: 'desc' }));
    await time(samples.getSession as number[], () => memory.getSession(sessionId));
    await time(samples['addMessages (1 message)'] as number[], () =>
      memory.addMessages(sessionId, [{ role: 'user', content: `${config} follow-up ${i}: ${query}`, clientMsgId: `pass${pass}-${i}` }]),
    );
  }
  if (tier) log(`${config}: ${JSON.stringify(tier.stats)}`);
  await memory.close();
  return Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, summarise(list)]));
}

async function main(): Promise<void> {
  const started = performance.now();
  const messages = await ingest();
  log(`ingested ${sessions} sessions, ${messages} messages (${Math.round((performance.now() - started) / 1000)} s)`);
  const results: Partial<Record<Config, Record<string, Latency>>> = {};
  // A discarded pass first (JIT, page cache), so that the first measured configuration is not the coldest.
  await measure('sqlite');
  for (const config of ['sqlite', 'redis tier', 'redis tier + context cache'] as const) {
    results[config] = await measure(config);
    log(`measured ${config}`);
  }
  const ops = Object.keys(results.sqlite ?? {});
  const load = (await import('node:os')).loadavg()[0]?.toFixed(2);
  const lines = [
    `Redis tier bench: load average ${load} at the end; ${sessions} sessions, ${messages} messages (+ turn memories), ${queryCount} rounds per config; p50 / p95 ms`,
    '',
    `| operation | ${Object.keys(results).join(' | ')} |`,
    `|---|${Object.keys(results)
      .map(() => '---')
      .join('|')}|`,
    ...ops.map(
      (op) =>
        `| ${op} | ${Object.values(results)
          .map((byOp) => `${byOp?.[op]?.p50.toFixed(2)} / ${byOp?.[op]?.p95.toFixed(2)}`)
          .join(' | ')} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

try {
  await main();
} finally {
  const client = new Redis(values.redis, { lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}-*`, 'COUNT', 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // Redis gone: nothing to clean.
  }
  client.disconnect();
  rmSync(dir, { recursive: true, force: true });
}
