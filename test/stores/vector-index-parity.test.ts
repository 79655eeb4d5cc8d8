import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import type { MemoryFilter } from '../../src/spec/memory-store.js';
import { QdrantVectorIndex } from '../../src/stores/qdrant/qdrant-vector-index.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { VectorIndexedStore } from '../../src/stores/vector-indexed-store.js';
import { TOPICS } from '../helpers/memory.js';
import { destroyQdrantIndex } from '../helpers/qdrant.js';
import { type QdrantStandIn, startQdrantStandIn } from '../helpers/qdrant-stand-in.js';

// Parity: vector search through Qdrant (here the loopback stand-in, test/helpers/qdrant-stand-in.ts,
// since no Qdrant runs on this machine) returns what SQLite's exact search returns, filter by filter.
let standIn: QdrantStandIn;
let durable: SqliteStore;
let index: QdrantVectorIndex;
let memory: MemoryService;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

beforeAll(async () => {
  standIn = await startQdrantStandIn();
  durable = new SqliteStore({ path: ':memory:' });
  index = new QdrantVectorIndex({ url: standIn.url, prefix: 'strata_parity' });
  memory = await createMemory({ store: new VectorIndexedStore({ durable, index }), clock: () => T0 + 100 * HOUR });
  const session = await memory.createSession({ id: 'ses_a', userId: 'u1' });
  for (const [i, text] of TOPICS.entries()) {
    const user = i % 3 === 0 ? 'u2' : 'u1';
    await memory.remember({
      userId: user,
      text,
      kind: (['note', 'fact', 'summary', 'episode'] as const)[i % 4],
      tags: [i % 2 === 0 ? 'even' : 'odd', ...(i % 5 === 0 ? ['five'] : [])],
      agentId: i % 4 === 1 ? 'bot' : undefined,
      namespace: i % 6 === 2 ? 'work' : undefined,
      sessionId: user === 'u1' && i % 2 === 1 ? session.id : undefined,
      createdAt: T0 + i * HOUR,
    });
  }
  const memories = await memory.listMemories({ limit: 100 });
  // Two superseded, one expired, one valid into the future.
  const [a, b, c, d] = memories;
  const now = Date.now();
  await durable.updateMemory(memory.tenantId, a?.id as string, { supersededBy: b?.id as string, updatedAt: now });
  await memory.store.updateMemory(memory.tenantId, b?.id as string, { supersededBy: c?.id as string, updatedAt: now });
  await memory.store.updateMemory(memory.tenantId, c?.id as string, { validTo: now - HOUR, updatedAt: now });
  await memory.store.updateMemory(memory.tenantId, d?.id as string, { validTo: now + HOUR, updatedAt: now });
  // `a` was superseded behind the decorator's back (straight in SQLite): a rebuild makes the index agree.
  await memory.rebuildIndexes();
});

afterAll(async () => {
  await destroyQdrantIndex(index, standIn.url);
  await memory.close();
  await standIn.close();
});

const FILTERS: Array<[string, Partial<MemoryFilter>]> = [
  ['tenant only', {}],
  ['one user', { userId: 'u1' }],
  ['user and agent', { userId: 'u1', agentId: 'bot' }],
  ['no agent', { agentId: '' }],
  ['namespace', { namespace: 'work' }],
  ['no namespace', { userId: 'u2', namespace: '' }],
  ['session', { sessionId: 'ses_a' }],
  ['kinds', { kinds: ['fact', 'episode'] }],
  ['one tag', { tags: ['even'] }],
  ['every tag', { tags: ['even', 'five'] }],
  ['since', { since: T0 + 5 * HOUR }],
  ['until', { until: T0 + 5 * HOUR }],
  ['window', { since: T0 + 3 * HOUR, until: T0 + 9 * HOUR, userId: 'u1' }],
  ['superseded included', { includeSuperseded: true }],
  ['everything at once', { userId: 'u1', kinds: ['note', 'fact', 'summary'], tags: ['odd'], since: T0 + HOUR, includeSuperseded: true }],
];

describe('vector search parity: Qdrant vs SQLite exact', () => {
  for (const [name, extra] of FILTERS) {
    it(`same ids and scores: ${name}`, async () => {
      const filter: MemoryFilter = { tenantId: memory.tenantId, ...extra };
      const model = memory.embedder.modelId;
      let compared = 0;
      for (const query of [TOPICS[1], TOPICS[6], 'a question about pets and the kitchen']) {
        const vector = await memory.embedder.embedOne(query);
        const viaIndex = await memory.store.vectorSearch(filter, vector, model, 6);
        const exact = await durable.vectorSearch(filter, vector, model, 6, { exact: true });
        expect(viaIndex.map((hit) => hit.id)).toEqual(exact.map((hit) => hit.id));
        for (const [i, hit] of viaIndex.entries()) expect(hit.score).toBeCloseTo(exact[i]?.score ?? Number.NaN, 4);
        compared += exact.length;
      }
      expect(compared).toBeGreaterThan(0);
    });
  }

  it('the searches go to Qdrant, not to SQLite', async () => {
    const queries = (): number => standIn.requests.filter((request) => request.path.endsWith('/points/query')).length;
    const before = queries();
    const vector = await memory.embedder.embedOne(TOPICS[2]);
    await memory.store.vectorSearch({ tenantId: memory.tenantId }, vector, memory.embedder.modelId, 3);
    expect(queries()).toBe(before + 1);
  });
});
