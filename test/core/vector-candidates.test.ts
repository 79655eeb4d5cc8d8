import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { DEFAULT_RETRIEVAL, hybridSearch, type SearchRequest } from '../../src/retrieval/hybrid-search.js';
import type { MemoryStoreV1 } from '../../src/spec/memory-store.js';
import { memoryInRam } from '../helpers/memory.js';

// The vector list is fetched deeper than the keyword list (minVectorCandidates): a paraphrase
// sharing no word with the question reaches the soft-match reranker only through it.
let memory: MemoryService;

beforeAll(async () => {
  memory = await memoryInRam();
  await memory.createSession({ id: 's1', userId: 'alice' });
  await memory.addMessages('s1', [
    { role: 'user', content: 'mocks are on 10th march now, the sports hall roof is leaking' },
    { role: 'assistant', content: 'Thanks, I moved the revision plan to the new date' },
  ]);
});

afterAll(async () => {
  await memory.close();
});

/** The real store, recording the depth each list is asked for. */
function depths(store: MemoryStoreV1, seen: { keyword: number[]; vector: number[] }): MemoryStoreV1 {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (property === 'keywordSearch') seen.keyword.push(args[2] as number);
        if (property === 'vectorSearch') seen.vector.push(args[3] as number);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const request = (k: number): SearchRequest => ({
  query: 'when were the practice exams held',
  filter: { tenantId: 'default', userId: 'alice' },
  k,
  mode: 'hybrid',
  now: Date.now(),
});

describe('vector candidates', () => {
  it('fetches minVectorCandidates from the vector index and minCandidates from the keyword index', async () => {
    const seen = { keyword: [] as number[], vector: [] as number[] };
    const settings = { ...DEFAULT_RETRIEVAL, minCandidates: 50, minVectorCandidates: 100 };
    const outcome = await hybridSearch(depths(memory.store, seen), memory.embedder, request(10), settings);
    expect(seen).toEqual({ keyword: [50], vector: [100] });
    expect(outcome.hits.some((hit) => hit.memory.text.includes('mocks are on 10th march'))).toBe(true);
  });

  it('fetches k x candidateMultiplier from both when that is more', async () => {
    const seen = { keyword: [] as number[], vector: [] as number[] };
    const settings = { ...DEFAULT_RETRIEVAL, minCandidates: 50, minVectorCandidates: 100, candidateMultiplier: 2 };
    await hybridSearch(depths(memory.store, seen), memory.embedder, request(80), settings);
    expect(seen).toEqual({ keyword: [160], vector: [160] });
  });
});
