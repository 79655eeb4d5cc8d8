import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { expectStrataError, memoryInRam, TOPICS } from '../helpers/memory.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-02-01T09:00:00Z');
const NOW = T0 + 40 * MINUTE;

let memory: MemoryService;

beforeAll(async () => {
  memory = await memoryInRam();
  await memory.createSession({ id: 'old', userId: 'alice', createdAt: T0 - 86_400_000 });
  // An older session: its turns are long-term memory, never in the recent window of `s1`.
  await memory.addMessages('old', [
    { role: 'user', content: 'My sister Ingrid lives in Tromsø and works as a glaciologist', createdAt: T0 - 86_400_000 },
  ]);
  await memory.createSession({ id: 's1', userId: 'alice', createdAt: T0 });
  // 16 turns: more than any depth's recent window at the start, so the first ones are only reachable by search.
  for (const [i, topic] of TOPICS.entries()) {
    await memory.addMessages('s1', [
      { role: i % 2 === 0 ? 'user' : 'assistant', content: topic, createdAt: T0 + i * MINUTE, clientMsgId: `m${i}` },
    ]);
  }
  await memory.setFact({ userId: 'alice', subject: 'user', key: 'city', value: 'Girne', validFrom: T0 });
  await memory.setFact({ userId: 'alice', subject: 'user', key: 'allergy', value: 'peanuts', validFrom: T0 });
});

afterAll(async () => {
  await memory.close();
});

describe('getContext', () => {
  it('packs facts, recent turns and relevant memories, each item saying why', async () => {
    const context = await memory.getContext('s1', { query: 'Where does my sister live?', tokenBudget: 2000, now: NOW });
    expect(context.used).toBe(true);
    expect(context.reason).toBeNull();
    expect(context.tokenBudget).toBe(2000);
    expect(context.tokenizer).toBe(memory.tokenizer.name);
    expect(context.depth).toBe('standard');
    expect(context.tokens).toBe(memory.tokenizer.count(context.text));
    expect(context.tokens).toBeLessThanOrEqual(2000);
    for (const item of context.items) {
      expect(item.why.reason.length).toBeGreaterThan(0);
      expect(context.text).toContain(item.text);
      expect(item.tokens).toBeGreaterThan(0);
    }
    // Facts of the session's user.
    const facts = context.items.filter((item) => item.kind === 'fact');
    expect(facts).toHaveLength(2);
    expect(context.text).toContain('Girne');
    expect(context.text).toContain('peanuts');
    // Recent turns: the last message of the session is always there.
    const turns = context.items.filter((item) => item.kind === 'turn');
    expect(turns.length).toBeGreaterThan(0);
    expect(context.text).toContain(TOPICS[TOPICS.length - 1]);
    // The older session's message, found by the query, with its scores.
    const sister = context.items.find((item) => item.kind === 'memory' && item.text.includes('Ingrid'));
    expect(sister).toBeDefined();
    expect(sister?.why.scores).toBeDefined();
    expect(sister?.why.rank).toBeGreaterThanOrEqual(1);
  });

  it('finds a turn of the same session that has left the recent window', async () => {
    const context = await memory.getContext('s1', { query: 'What breed is my dog Biscuit?', tokenBudget: 2000, depth: 'rapid', now: NOW });
    const recent = context.items.filter((item) => item.kind === 'turn');
    expect(recent.length).toBeLessThanOrEqual(6);
    expect(recent.some((item) => item.text.includes('Biscuit'))).toBe(false);
    const found = context.items.find((item) => item.kind === 'memory' && item.text.includes('Biscuit is a beagle'));
    expect(found?.why.scores?.relevance).toBeTypeOf('number');
  });

  it('packs a turn holding special-token markup (<|endoftext|>) as text, counted within the budget', async () => {
    await memory.createSession({ id: 'special', userId: 'u-special' });
    await memory.addMessages('special', [
      { role: 'user', content: 'My prompt ended with <|endoftext|> and then <|im_start|>system by mistake.', createdAt: T0 },
    ]);
    const context = await memory.getContext('special', { query: 'what was at the end of my prompt?', tokenBudget: 500, now: NOW });
    expect(context.text).toContain('<|endoftext|>');
    expect(context.tokens).toBeGreaterThan(0);
    expect(context.tokens).toBeLessThanOrEqual(500);
  });

  it('without a query, uses the last user message', async () => {
    const lastUser = TOPICS[TOPICS.length - 2] as string;
    const implicit = await memory.getContext('s1', { tokenBudget: 2000, now: NOW });
    const explicit = await memory.getContext('s1', { query: lastUser, tokenBudget: 2000, now: NOW });
    expect(implicit.items.some((item) => item.kind === 'memory')).toBe(true);
    expect(implicit.items.map((item) => item.id)).toEqual(explicit.items.map((item) => item.id));
    expect(implicit.text).toBe(explicit.text);
  });

  it('depth changes how many recent turns are considered', async () => {
    const turnsAt = async (depth: 'rapid' | 'standard' | 'deep') =>
      (await memory.getContext('s1', { query: 'violin', tokenBudget: 20_000, depth, now: NOW })).items.filter((i) => i.kind === 'turn')
        .length;
    const rapid = await turnsAt('rapid');
    const standard = await turnsAt('standard');
    const deep = await turnsAt('deep');
    expect(rapid).toBeGreaterThan(0);
    expect(rapid).toBeLessThan(standard);
    expect(standard).toBeLessThan(deep);
    expect(deep).toBe(TOPICS.length);
  });

  it('never exceeds the budget, counted with the service tokenizer, down to tiny budgets', async () => {
    for (const tokenBudget of [1, 2, 5, 10, 16, 25, 40, 64, 100, 150, 250, 400, 700, 1000, 1500]) {
      for (const depth of ['rapid', 'standard', 'deep'] as const) {
        const context = await memory.getContext('s1', { query: 'dog sister budget', tokenBudget, depth, now: NOW });
        expect(memory.tokenizer.count(context.text), `budget ${tokenBudget} depth ${depth}`).toBeLessThanOrEqual(tokenBudget);
        expect(context.tokens).toBe(memory.tokenizer.count(context.text));
      }
    }
  });

  it('a larger budget holds at least as much', async () => {
    const small = await memory.getContext('s1', { query: 'dog', tokenBudget: 150, now: NOW });
    const large = await memory.getContext('s1', { query: 'dog', tokenBudget: 1500, now: NOW });
    expect(large.items.length).toBeGreaterThan(small.items.length);
    expect(small.dropped).toBeGreaterThan(0);
  });

  it('only shows memories of the session user', async () => {
    await memory.createSession({ id: 'bob-s1', userId: 'bob', createdAt: T0 });
    await memory.addMessages('bob-s1', [{ role: 'user', content: 'Bob keeps a parrot named Captain Ingrid', createdAt: T0 }]);
    const context = await memory.getContext('s1', { query: 'parrot Captain Ingrid', tokenBudget: 2000, now: NOW });
    expect(context.text).not.toContain('parrot');
  });

  it('validates its options', async () => {
    await expectStrataError(memory.getContext('s1', { tokenBudget: 0 }), 'INVALID_INPUT');
    await expectStrataError(memory.getContext('s1', { tokenBudget: 1.5 }), 'INVALID_INPUT');
    await expectStrataError(memory.getContext('s1', { depth: 'shallow' as 'rapid' }), 'INVALID_INPUT');
    await expectStrataError(memory.getContext('missing'), 'SESSION_NOT_FOUND');
    await expectStrataError(memory.getContext('../etc'), 'INVALID_ID');
  });

  it('rejects depth names inherited from Object.prototype', async () => {
    // Bug (src/core/context-builder.ts): PLANS[depth] accepts 'constructor', 'toString', ... as a depth.
    await expectStrataError(memory.getContext('s1', { depth: 'constructor' as 'rapid' }), 'INVALID_INPUT');
  });
});

describe('getContext when the recent-turn share is small', () => {
  it('keeps a query-relevant turn of the recent window that did not fit the recent-turn share', async () => {
    // Bug (src/core/context-builder.ts): hits are dropped when their message is in the candidate
    // recent window (`inWindow`), even when the recent-turns section then leaves that message out
    // for its 35% share. The relevant turn is lost although most of the budget is unused.
    // Fix: filter hits against the turns actually chosen (recentItems), not the fetched window.
    const small = await memoryInRam();
    try {
      await small.createSession({ id: 's1', userId: 'alice', createdAt: T0 });
      await small.addMessages('s1', [
        { role: 'user', content: 'My dog Biscuit is a beagle', createdAt: T0 },
        { role: 'user', content: 'Beagles need long walks', createdAt: T0 + MINUTE },
        { role: 'user', content: 'I also keep two goldfish', createdAt: T0 + 2 * MINUTE },
      ]);
      const context = await small.getContext('s1', { query: 'What breed is the dog Biscuit?', tokenBudget: 120, depth: 'rapid', now: NOW });
      expect(context.tokens).toBeLessThanOrEqual(120);
      expect(context.text).toContain('Biscuit is a beagle');
    } finally {
      await small.close();
    }
  });
});

describe('getContext on an empty session', () => {
  it('returns an empty context within budget', async () => {
    const fresh = await memoryInRam();
    try {
      await fresh.createSession({ id: 'empty', userId: 'carol' });
      const context = await fresh.getContext('empty', { tokenBudget: 100 });
      expect(context.items).toEqual([]);
      expect(context.text).toBe('');
      expect(context.tokens).toBe(0);
    } finally {
      await fresh.close();
    }
  });
});

describe('recent turns with one timestamp', () => {
  it('keep the order they were written in', async () => {
    const { createMemory } = await import('../../src/config/create-memory.js');
    const memory = await createMemory({ path: ':memory:' });
    try {
      await memory.createSession({ id: 'same-time', userId: 'u' });
      const at = '2026-05-01T10:00:00Z';
      await memory.addMessages('same-time', [
        { role: 'user', content: 'First, the question about the boiler.', createdAt: at },
        { role: 'assistant', content: 'Second, the answer about the boiler.', createdAt: at },
        { role: 'user', content: 'Third, thanks for the boiler answer.', createdAt: at },
      ]);
      const context = await memory.getContext('same-time', { tokenBudget: 2000 });
      const text = context.text;
      expect(text.indexOf('First')).toBeGreaterThan(-1);
      expect(text.indexOf('First')).toBeLessThan(text.indexOf('Second'));
      expect(text.indexOf('Second')).toBeLessThan(text.indexOf('Third'));
    } finally {
      await memory.close();
    }
  });
});

describe('the default per-turn context cache (in process)', () => {
  it('answers a repeated getContext without reading the store, and a new message or memory write invalidates it', async () => {
    const { PrometheusMetrics } = await import('../../src/observability/prometheus-metrics.js');
    const metrics = new PrometheusMetrics();
    const memory = await memoryInRam({ metrics });
    const searches = async (): Promise<number> => {
      const line = (await metrics.render()).body
        .split('\n')
        .find((l) => l.startsWith('strata_store_operation_duration_seconds_count') && l.includes('operation="keywordSearch"'));
      return line === undefined ? 0 : Number(line.split(' ').at(-1));
    };
    try {
      await memory.createSession({ id: 'c', userId: 'u' });
      await memory.addMessages('c', [{ role: 'user', content: TOPICS[0] as string }]);
      const first = await memory.getContext('c', { query: 'the dog' });
      const searched = await searches();
      expect(searched).toBeGreaterThan(0);
      expect(await memory.getContext('c', { query: 'the dog' })).toEqual(first);
      expect(await searches()).toBe(searched);
      // A new message: built again, and it shows.
      await memory.addMessages('c', [{ role: 'user', content: 'My beagle is called Biscuit.' }]);
      expect((await memory.getContext('c', { query: 'the dog' })).text).toContain('Biscuit');
      const afterMessage = await searches();
      expect(afterMessage).toBeGreaterThan(searched);
      // A memory of the user: built again, and it shows.
      await memory.remember({ userId: 'u', text: 'Biscuit is afraid of thunderstorms' });
      expect((await memory.getContext('c', { query: 'the dog' })).text).toContain('thunderstorms');
      expect(await searches()).toBeGreaterThan(afterMessage);
    } finally {
      await memory.close();
    }
  });
});

describe('getContext token counting', () => {
  it('counts an item once across calls (memoised per tokenizer), with the same counts and text as counting afresh', async () => {
    const { o200kTokenCounter } = await import('../../src/retrieval/tokenizer.js');
    const seen: string[] = [];
    // Each service gets its own counter object, so each starts with an empty memo.
    const counter = (log: string[] | null) => ({
      name: o200kTokenCounter.name,
      count: (text: string): number => {
        log?.push(text);
        return o200kTokenCounter.count(text);
      },
    });
    const spied = await memoryInRam({ tokenizer: counter(seen) });
    const plain = await memoryInRam({ tokenizer: counter(null) });
    try {
      for (const m of [spied, plain]) {
        await m.createSession({ id: 'c', userId: 'u', createdAt: T0 });
        await m.addMessages('c', [
          { role: 'user', content: 'My sister Dana moves to Lisbon in May.', createdAt: T0 + MINUTE },
          { role: 'assistant', content: 'Noted: Dana, Lisbon, May.', createdAt: T0 + 2 * MINUTE },
          { role: 'user', content: 'She wants a flat near the river.', createdAt: T0 + 3 * MINUTE },
        ]);
        await m.setFact({ userId: 'u', subject: 'user', key: 'sister', value: 'Dana', validFrom: T0 });
      }
      const options = { tokenBudget: 400, query: 'where does Dana move', now: NOW };
      seen.length = 0;
      const first = await spied.getContext('c', options);
      const firstCounts = seen.length;
      const counted = new Set(seen);
      seen.length = 0;
      // Another query (a whole context is cached by its options): the items shown again are not counted again.
      const second = await spied.getContext('c', { ...options, query: 'a flat for Dana near the river' });
      expect(firstCounts).toBeGreaterThan(3);
      expect(seen).toContain(second.text);
      // (The whole text is counted afresh each time, never memoised.)
      expect(seen.filter((text) => counted.has(text) && text !== second.text)).toEqual([]);
      const again = second.items.filter((item) => first.items.some((other) => other.text === item.text));
      expect(again.length).toBeGreaterThan(2);
      // Another service (another tokenizer object, nothing memoised) packs the same context.
      const fresh = await plain.getContext('c', options);
      expect(fresh.text).toBe(first.text);
      expect(fresh.items.map((item) => item.tokens)).toEqual(first.items.map((item) => item.tokens));
    } finally {
      await spied.close();
      await plain.close();
    }
  });
});
