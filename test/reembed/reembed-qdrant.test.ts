import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { HashedWordsEmbedder } from '../../src/embeddings/offline/hashed-words-embedder.js';
import { createWordVectorEmbedder } from '../../src/embeddings/offline/word-vector-embedder.js';
import { cleanupMemory, reembeddableStoreOf, reembedMemory, rollbackMemory } from '../../src/reembed/reembed-memory.js';
import { embeddingModelId } from '../../src/spec/embedding-model.js';
import { QdrantVectorIndex } from '../../src/stores/qdrant/qdrant-vector-index.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { VectorIndexedStore } from '../../src/stores/vector-indexed-store.js';
import { searchIds, TOPICS, tempDir } from '../helpers/memory.js';
import { destroyQdrantIndex } from '../helpers/qdrant.js';
import { type QdrantStandIn, startQdrantStandIn } from '../helpers/qdrant-stand-in.js';

// Re-embedding behind the Qdrant mirror: real SQLite, the real Qdrant adapter and client, and the
// loopback Qdrant stand-in (test/helpers/qdrant-stand-in.ts: Qdrant cannot run here; the stand-in
// answers its REST calls and scores cosine honestly). Each model has its own collection behind
// its alias: the new model's is built beside the live one, searched once the store switches.
const wordvec = createWordVectorEmbedder();
const OLD_ID = embeddingModelId({ name: wordvec.modelName, version: wordvec.modelVersion, dims: wordvec.dimensions });
const hashed = new HashedWordsEmbedder();
const NEW_ID = embeddingModelId({ name: hashed.modelName, version: hashed.modelVersion, dims: hashed.dimensions });

let standIn: QdrantStandIn;
beforeAll(async () => {
  standIn = await startQdrantStandIn();
});
afterAll(async () => {
  await standIn.close();
});

let dir: string;
let cleanup: () => void;
let n = 0;
const opened: Array<{ memory: MemoryService; index: QdrantVectorIndex }> = [];

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(async () => {
  for (const { memory, index } of opened.splice(0)) {
    await memory.close();
    const twin = new QdrantVectorIndex({ url: standIn.url, prefix: index.prefix });
    await twin.open();
    await destroyQdrantIndex(twin, standIn.url);
  }
  cleanup();
});

async function open(): Promise<{ memory: MemoryService; index: QdrantVectorIndex; store: VectorIndexedStore }> {
  const index = new QdrantVectorIndex({ url: standIn.url, prefix: `strata_re${process.pid}_${n++}` });
  const store = new VectorIndexedStore({ durable: new SqliteStore({ path: join(dir, 'strata.db') }), index, retryAfterMs: 0 });
  const memory = await createMemory({ store, metrics: false, contextCache: false, readDeadlineMs: 0 });
  opened.push({ memory, index });
  return { memory, index, store };
}

/** Points in the collection the model's alias points at. */
async function pointsOf(index: QdrantVectorIndex, model: string): Promise<number> {
  const live = await index.describe(model);
  return live ? (standIn.pointCounts().get(live.collection) ?? 0) : 0;
}

const queriesTo = (collectionOrAlias: string): number =>
  standIn.requests.filter((request) => request.path === `/collections/${collectionOrAlias}/points/query`).length;

describe('blue/green re-embedding behind the Qdrant mirror', () => {
  it('builds the new model collection while Qdrant answers from the old one, switches, rolls back, cleans up', async () => {
    const { memory, index, store } = await open();
    const seeded: Array<{ text: string; id: string; userId: string }> = [];
    for (const userId of ['alice', 'bob']) {
      for (const [t, topic] of TOPICS.entries()) {
        const text = `${topic} (${userId} ${t})`;
        seeded.push({ text, userId, id: (await memory.remember({ userId, text })).memory.id });
      }
    }
    const oldAlias = (await index.describe(OLD_ID))?.alias as string;
    expect(await pointsOf(index, OLD_ID)).toBe(32);
    const during: Array<{ text: string; id: string }> = [];
    let misses = 0;
    const report = await reembedMemory(memory, 'offline-hashed', {
      batchSize: 8,
      onProgress: async (p) => {
        // Searches during the build are answered by the old model's collection.
        for (const probe of seeded.filter((_, i) => i % 7 === 0)) {
          if ((await searchIds(memory, probe.text, { userId: probe.userId, mode: 'vector', k: 3 }))[0] !== probe.id) misses += 1;
        }
        if (p.phase === 'build' && during.length < 2) {
          const text = `Mid-migration note ${during.length}: the lighthouse lamp was replaced`;
          during.push({ text, id: (await memory.remember({ userId: 'alice', text })).memory.id });
        }
      },
    });
    expect(report).toMatchObject({ switched: true, model: NEW_ID, embedded: 34 });
    expect(report.verification).toMatchObject({ missing: 0, failedQueries: 0 });
    expect(misses).toBe(0);
    expect(queriesTo(oldAlias)).toBeGreaterThan(0);
    // The new model's own collection holds every memory, those written during the build included.
    const newAlias = (await index.describe(NEW_ID))?.alias as string;
    expect(newAlias).not.toBe(oldAlias);
    expect(await pointsOf(index, NEW_ID)).toBe(34);
    expect(await pointsOf(index, OLD_ID)).toBe(34);
    const before = queriesTo(newAlias);
    for (const write of during) {
      expect((await searchIds(memory, write.text, { userId: 'alice', mode: 'vector', k: 1 }))[0]).toBe(write.id);
    }
    expect(queriesTo(newAlias)).toBeGreaterThan(before);

    // A payload change (tags) reaches the memory's point in both collections.
    const tagged = seeded[3] as { text: string; id: string; userId: string };
    await memory.updateMemory(tagged.id, { tags: ['pinned'] });
    expect(await searchIds(memory, tagged.text, { userId: tagged.userId, mode: 'vector', tags: ['pinned'], k: 3 })).toEqual([tagged.id]);

    // A rebuild of the mirror copies the secondary vectors into the new collections too.
    await memory.rebuildIndexes();
    expect(await pointsOf(index, NEW_ID)).toBe(34);
    expect(await pointsOf(index, OLD_ID)).toBe(34);

    // Rollback: the old collection is searched again, and has what was written after the switch.
    const late = await memory.remember({ userId: 'bob', text: 'After the switch Bob planted three apple trees' });
    expect(await pointsOf(index, NEW_ID)).toBe(35);
    const back = await rollbackMemory(memory);
    expect(back).toMatchObject({ model: OLD_ID, embedded: 1, switched: true });
    expect(await pointsOf(index, OLD_ID)).toBe(35);
    const oldQueries = queriesTo(oldAlias);
    expect((await searchIds(memory, 'Bob planted three apple trees', { userId: 'bob', mode: 'vector', k: 1 }))[0]).toBe(late.memory.id);
    expect(queriesTo(oldAlias)).toBeGreaterThan(oldQueries);

    // Forget and erase reach both collections.
    await memory.forget(late.memory.id);
    await memory.forgetUser('bob');
    expect(await pointsOf(index, OLD_ID)).toBe(18);
    expect(await pointsOf(index, NEW_ID)).toBe(18);

    // Forward again, then clean up: the old model's collection is emptied, the new one keeps all.
    await rollbackMemory(memory);
    const cleaned = await cleanupMemory(memory);
    expect(cleaned.dropped).toBe(OLD_ID);
    expect(await pointsOf(index, OLD_ID)).toBe(0);
    expect(await pointsOf(index, NEW_ID)).toBe(18);
    expect(await reembeddableStoreOf(memory).countEmbeddings(NEW_ID)).toEqual({ memories: 18, embedded: 18 });
    expect(store).toBeInstanceOf(VectorIndexedStore);
  });
});
