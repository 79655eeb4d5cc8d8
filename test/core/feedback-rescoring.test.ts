import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { DEFAULT_RETRIEVAL, hybridSearch, type SearchRequest } from '../../src/retrieval/hybrid-search.js';
import { memoryInRam } from '../helpers/memory.js';
import { observedStore } from '../helpers/observed-store.js';

// Feedback terms rescore the candidate pool through the store's optional keywordScores; a store
// without it gets the same ranking from keywordSearch's top candidates when they cover the pool
// (as in this small scope).
let memory: MemoryService;
const NOW = Date.now();

beforeAll(async () => {
  memory = await memoryInRam();
  await memory.createSession({ id: 's1', userId: 'alice' });
  await memory.addMessages('s1', [
    { role: 'user', content: 'Tomasz from the Gdansk office owns the INC-3312 incident' },
    { role: 'assistant', content: 'Noted: Tomasz owns INC-3312 and will post updates in the channel' },
    { role: 'user', content: 'The incident review with Tomasz is on Thursday at ten' },
    { role: 'user', content: 'Parcels for the Gdansk depot are delayed by the storm' },
    { role: 'assistant', content: 'I will tell the depot team about the storm delay' },
    { role: 'user', content: 'Lunch was pierogi again, the canteen never changes' },
  ]);
});

afterAll(async () => {
  await memory.close();
});

const request = (query: string): SearchRequest => ({
  query,
  filter: { tenantId: 'default', userId: 'alice' },
  k: 10,
  mode: 'hybrid',
  now: NOW,
});

describe('feedback rescoring', () => {
  it('rescores the pool with keywordScores, one keyword search in all', async () => {
    const calls = new Map<string, number>();
    const store = memory.store;
    const outcome = await hybridSearch(observedStore(store, { calls }), memory.embedder, request('who owns the incident'));
    expect(calls.get('keywordSearch')).toBe(1);
    expect(calls.get('keywordScores')).toBe(1);
    const off = await hybridSearch(store, memory.embedder, request('who owns the incident'), {
      ...DEFAULT_RETRIEVAL,
      feedback: { ...DEFAULT_RETRIEVAL.feedback, terms: 0 },
    });
    // Feedback moved some scores: the memories naming Tomasz and INC-3312 gain.
    const score = (hits: typeof outcome.hits, text: string): number => hits.find((hit) => hit.memory.text.includes(text))?.score ?? 0;
    expect(score(outcome.hits, 'post updates')).toBeGreaterThan(score(off.hits, 'post updates'));
  });

  it('ranks the same through keywordSearch when a store has no keywordScores', async () => {
    const calls = new Map<string, number>();
    for (const query of ['who owns the incident', 'storm delay at the depot', 'what did I eat for lunch']) {
      const direct = await hybridSearch(memory.store, memory.embedder, request(query));
      const fallback = await hybridSearch(observedStore(memory.store, { calls, hide: ['keywordScores'] }), memory.embedder, request(query));
      expect(fallback.hits.map((hit) => [hit.memory.id, hit.score])).toEqual(direct.hits.map((hit) => [hit.memory.id, hit.score]));
    }
    expect(calls.get('keywordSearch')).toBe(6);
  });
});
