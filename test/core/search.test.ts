import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import type { MemoryRecord } from '../../src/spec/records.js';
import { expectStrataError, memoryInRam, searchIds } from '../helpers/memory.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

let memory: MemoryService;
const notes: Record<string, MemoryRecord> = {};

beforeAll(async () => {
  memory = await memoryInRam();
  await memory.createSession({ id: 'a-s1', userId: 'alice', createdAt: T0 });
  await memory.createSession({ id: 'a-s2', userId: 'alice', createdAt: T0 });
  await memory.createSession({ id: 'b-s1', userId: 'bob', createdAt: T0 });
  await memory.addMessages('a-s1', [
    { role: 'user', content: 'My dog Biscuit is a beagle who loves the beach', createdAt: T0 + 1 * DAY },
    { role: 'assistant', content: 'Beagles are great company on long walks', createdAt: T0 + 1 * DAY + 1000 },
  ]);
  await memory.addMessages('a-s2', [{ role: 'user', content: 'The dog groomer in Kyrenia charges forty euros', createdAt: T0 + 10 * DAY }]);
  await memory.addMessages('b-s1', [{ role: 'user', content: 'My dog Rex is a beagle puppy', createdAt: T0 + 2 * DAY }]);
  const remember = async (key: string, text: string, extra: Partial<Parameters<MemoryService['remember']>[0]> = {}) => {
    notes[key] = (await memory.remember({ userId: 'alice', text, ...extra })).memory;
  };
  await remember('vet', 'Biscuit the beagle sees the vet every March for vaccines', { tags: ['pets', 'health'], createdAt: T0 + 3 * DAY });
  await remember('food', 'Biscuit the dog eats salmon kibble twice a day', { tags: ['pets'], createdAt: T0 + 20 * DAY });
  await remember('summary', 'Summary: Alice owns a beagle named Biscuit', { kind: 'summary', createdAt: T0 + 30 * DAY });
});

afterAll(async () => {
  await memory.close();
});

const textsOf = async (query: string, options: Parameters<MemoryService['search']>[1]) =>
  (await memory.search(query, options)).results.map((r) => r.memory.text);

describe('search', () => {
  it('finds a memory and explains the score per signal', async () => {
    const response = await memory.search('Biscuit the beagle', { userId: 'alice' });
    expect(response.results.length).toBeGreaterThan(0);
    expect(response.threshold).toBeGreaterThan(0);
    expect(response.tookMs).toBeGreaterThanOrEqual(0);
    for (const result of response.results) {
      const s = result.scores;
      expect(Number.isFinite(result.score)).toBe(true);
      for (const value of [s.fused, s.recency, s.importance, s.relevance]) expect(Number.isFinite(value)).toBe(true);
      expect(s.keyword === null || Number.isFinite(s.keyword)).toBe(true);
      expect(s.vector === null || (s.vector >= -1.0001 && s.vector <= 1.0001)).toBe(true);
      expect(s.keyword !== null || s.vector !== null).toBe(true);
      expect(s.recency).toBeGreaterThan(0);
      expect(s.recency).toBeLessThanOrEqual(1);
      expect(result.relevant).toBe(s.relevance >= response.threshold);
    }
    const scores = response.results.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // A memory holding every query word is found by both signals.
    const vet = response.results.find((r) => r.memory.id === notes.vet?.id);
    expect(vet?.scores.keyword).not.toBeNull();
    expect(vet?.scores.vector).not.toBeNull();
  });

  it('scopes to the user', async () => {
    const alice = await memory.search('beagle dog', { userId: 'alice', k: 50 });
    expect(alice.results.length).toBeGreaterThan(0);
    expect(alice.results.every((r) => r.memory.userId === 'alice')).toBe(true);
    const bob = await textsOf('beagle dog', { userId: 'bob', k: 50 });
    expect(bob).toEqual(['My dog Rex is a beagle puppy']);
    const everyone = await memory.search('beagle dog', { k: 50 });
    expect(new Set(everyone.results.map((r) => r.memory.userId))).toEqual(new Set(['alice', 'bob']));
  });

  it('filters by session', async () => {
    const results = (await memory.search('dog', { userId: 'alice', sessionId: 'a-s2', k: 50 })).results;
    expect(results.map((r) => r.memory.text)).toEqual(['The dog groomer in Kyrenia charges forty euros']);
  });

  it('filters by kind', async () => {
    const turns = (await memory.search('Biscuit beagle', { userId: 'alice', kinds: ['turn'], k: 50 })).results;
    expect(turns.length).toBe(3);
    expect(turns.every((r) => r.memory.kind === 'turn')).toBe(true);
    const summaries = (await memory.search('Biscuit beagle', { userId: 'alice', kinds: ['summary'], k: 50 })).results;
    expect(summaries.map((r) => r.memory.id)).toEqual([notes.summary?.id]);
    const both = (await memory.search('Biscuit beagle', { userId: 'alice', kinds: ['note', 'summary'], k: 50 })).results;
    expect(new Set(both.map((r) => r.memory.kind))).toEqual(new Set(['note', 'summary']));
  });

  it('filters by tags (all must be present)', async () => {
    expect(new Set(await searchIds(memory, 'Biscuit', { userId: 'alice', tags: ['pets'], k: 50 }))).toEqual(
      new Set([notes.vet?.id, notes.food?.id]),
    );
    expect(await searchIds(memory, 'Biscuit', { userId: 'alice', tags: ['pets', 'health'], k: 50 })).toEqual([notes.vet?.id]);
    expect(await searchIds(memory, 'Biscuit', { userId: 'alice', tags: ['nope'], k: 50 })).toEqual([]);
  });

  it('filters by time: since is inclusive, until exclusive; ISO strings and Dates accepted', async () => {
    const since = await memory.search('Biscuit dog beagle', { userId: 'alice', since: T0 + 20 * DAY, k: 50 });
    expect(since.results.map((r) => r.memory.id).sort()).toEqual([notes.food?.id, notes.summary?.id].sort());
    const until = await memory.search('Biscuit dog beagle', { userId: 'alice', until: new Date(T0 + 3 * DAY), k: 50 });
    expect(until.results.length).toBe(2);
    expect(until.results.every((r) => r.memory.createdAt < T0 + 3 * DAY)).toBe(true);
    const window = await memory.search('Biscuit dog beagle', {
      userId: 'alice',
      since: new Date(T0 + 3 * DAY).toISOString(),
      until: new Date(T0 + 20 * DAY).toISOString(),
      k: 50,
    });
    expect(window.results.map((r) => r.memory.createdAt).sort()).toEqual([T0 + 3 * DAY, T0 + 10 * DAY]);
  });

  it('mode keyword uses BM25 only; vector uses embeddings only; hybrid both', async () => {
    const keyword = await memory.search('Kyrenia groomer', { userId: 'alice', mode: 'keyword', k: 50 });
    expect(keyword.results.length).toBeGreaterThan(0);
    expect(keyword.results.every((r) => r.scores.vector === null && r.scores.keyword !== null)).toBe(true);
    expect(keyword.results[0]?.memory.text).toContain('Kyrenia');

    const vector = await memory.search('Kyrenia groomer', { userId: 'alice', mode: 'vector', k: 50 });
    expect(vector.results.every((r) => r.scores.keyword === null && r.scores.vector !== null)).toBe(true);
    // Vector search ranks every memory of the scope that has an embedding, even with no shared word.
    expect(vector.results.length).toBe(await memory.countMemories({ userId: 'alice' }));

    const hybrid = await memory.search('Kyrenia groomer', { userId: 'alice', mode: 'hybrid', k: 50 });
    expect(hybrid.results[0]?.memory.text).toContain('Kyrenia');
    expect(hybrid.results[0]?.scores.keyword).not.toBeNull();
    expect(hybrid.results[0]?.scores.vector).not.toBeNull();
  });

  it('keyword mode finds nothing when no query word occurs', async () => {
    expect(await searchIds(memory, 'xylophone zeppelin', { userId: 'alice', mode: 'keyword' })).toEqual([]);
  });

  it('returns at most k results', async () => {
    const total = await memory.countMemories({ userId: 'alice' });
    expect(total).toBe(6);
    for (const k of [1, 2, 5]) expect((await memory.search('Biscuit dog', { userId: 'alice', k })).results).toHaveLength(k);
    expect((await memory.search('Biscuit dog', { userId: 'alice', k: 200 })).results).toHaveLength(total);
  });

  it('rejects bad options', async () => {
    await expectStrataError(memory.search('dog', { k: 0 }), 'INVALID_INPUT');
    await expectStrataError(memory.search('dog', { k: 201 }), 'INVALID_INPUT');
    await expectStrataError(memory.search('dog', { mode: 'fuzzy' as 'hybrid' }), 'INVALID_INPUT');
    await expectStrataError(memory.search('dog', { mmr: 2 }), 'INVALID_INPUT');
    await expectStrataError(memory.search('dog', { kinds: ['thought' as 'note'] }), 'INVALID_INPUT');
    await expectStrataError(memory.search('dog', { since: 'not a date' }), 'INVALID_INPUT');
    await expectStrataError(memory.search('dog', { userId: 'a b' }), 'INVALID_ID');
    await expectStrataError(memory.search('   '), 'INVALID_INPUT');
    await expectStrataError(memory.search('x'.repeat(4_001)), 'TEXT_TOO_LONG');
  });
});

describe('search with MMR', () => {
  const DUPLICATES = [
    'I love hiking in the Alps mountains every summer',
    'I love hiking in the Alps mountains each summer',
    'I really love hiking in the Alps mountains in summer',
  ];
  let diverse: MemoryService;
  beforeAll(async () => {
    diverse = await memoryInRam();
    for (const text of [
      ...DUPLICATES,
      'Mountain biking trips with my brother are my weekend plan',
      'I collect vintage stamps from Portugal',
    ]) {
      await diverse.remember({ userId: 'u', text });
    }
  });
  afterAll(async () => {
    await diverse.close();
  });

  it('without MMR the near-duplicates fill the top; with MMR a different memory comes second', async () => {
    const plain = (await diverse.search('hiking in the Alps', { userId: 'u', k: 3, mmr: false })).results.map((r) => r.memory.text);
    expect(DUPLICATES).toContain(plain[0]);
    expect(DUPLICATES).toContain(plain[1]);
    const mmr = (await diverse.search('hiking in the Alps', { userId: 'u', k: 3, mmr: 0 })).results.map((r) => r.memory.text);
    expect(mmr).toHaveLength(3);
    expect(mmr[0]).toBe(plain[0]);
    expect(DUPLICATES).not.toContain(mmr[1]);
    // mmr: true is lambda 0.7; it still returns k results with their breakdown.
    const lambda = await diverse.search('hiking in the Alps', { userId: 'u', k: 3, mmr: true });
    expect(lambda.results).toHaveLength(3);
    expect(lambda.results.every((r) => r.scores.vector !== null)).toBe(true);
  });

  it('a search that does not say uses the service default (searchMmr); false or a null default is none', async () => {
    const seed = async (memory: MemoryService): Promise<void> => {
      for (const text of [...DUPLICATES, 'Mountain biking trips with my brother are my weekend plan']) {
        await memory.remember({ userId: 'u', text });
      }
    };
    const duplicatesIn = async (memory: MemoryService, mmr?: boolean): Promise<number> =>
      (await memory.search('hiking in the Alps', { userId: 'u', k: 3, ...(mmr === undefined ? {} : { mmr }) })).results.filter((r) =>
        DUPLICATES.includes(r.memory.text),
      ).length;
    const diversifying = await memoryInRam({ retrieval: { searchMmr: 0 } });
    const plain = await memoryInRam({ retrieval: { searchMmr: null } });
    try {
      await seed(diversifying);
      await seed(plain);
      expect(await duplicatesIn(diversifying)).toBeLessThan(3);
      expect(await duplicatesIn(diversifying, false)).toBe(3);
      expect(await duplicatesIn(plain)).toBe(3);
    } finally {
      await diversifying.close();
      await plain.close();
    }
  });
});
