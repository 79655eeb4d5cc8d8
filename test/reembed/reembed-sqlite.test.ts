import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { HashedWordsEmbedder } from '../../src/embeddings/offline/hashed-words-embedder.js';
import { createWordVectorEmbedder } from '../../src/embeddings/offline/word-vector-embedder.js';
import type { ReembedProgress } from '../../src/reembed/reembed-job.js';
import { cleanupMemory, reembeddableStoreOf, reembedMemory, rollbackMemory } from '../../src/reembed/reembed-memory.js';
import { embeddingModelId } from '../../src/spec/embedding-model.js';
import type { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { expectStrataError, searchIds, TOPICS, tempDir } from '../helpers/memory.js';

// Two real offline models: the word-vector default (`offline`, 100 dims) and feature hashing of
// words (`offline-hashed`, 256 dims): different names, versions and dimensions.
const wordvec = createWordVectorEmbedder();
const OLD_ID = embeddingModelId({ name: wordvec.modelName, version: wordvec.modelVersion, dims: wordvec.dimensions });
const hashed = new HashedWordsEmbedder();
const NEW_ID = embeddingModelId({ name: hashed.modelName, version: hashed.modelVersion, dims: hashed.dimensions });
const USERS = ['alice', 'bob', 'carol'] as const;

let dir: string;
let cleanup: () => void;
let path: string;
const open: MemoryService[] = [];

const openMemory = async (options: Parameters<typeof createMemory>[0] = {}): Promise<MemoryService> => {
  const memory = await createMemory({ path, metrics: false, contextCache: false, readDeadlineMs: 0, ...options });
  open.push(memory);
  return memory;
};

/** Every topic for every user, three variants each: 144 memories. Returns text -> id. */
const seed = async (memory: MemoryService): Promise<Map<string, { id: string; userId: string }>> => {
  const ids = new Map<string, { id: string; userId: string }>();
  for (const userId of USERS) {
    for (const [t, topic] of TOPICS.entries()) {
      for (let v = 0; v < 3; v++) {
        const text = `${topic} (${userId} note ${t}-${v})`;
        const { memory: stored } = await memory.remember({ userId, text });
        ids.set(text, { id: stored.id, userId });
      }
    }
  }
  return ids;
};

/** Rows of memory_embeddings whose memory is gone. */
const orphans = (memory: MemoryService): number =>
  (
    (reembeddableStoreOf(memory) as unknown as SqliteStore).internals.db
      .prepare('SELECT count(*) AS n FROM memory_embeddings e WHERE NOT EXISTS (SELECT 1 FROM memories m WHERE m.rowid = e.memory_rowid)')
      .get() as { n: number }
  ).n;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  path = join(dir, 'strata.db');
});
afterEach(async () => {
  for (const memory of open.splice(0)) await memory.close();
  cleanup();
});

describe('blue/green re-embedding on SQLite (real file, two real offline models)', () => {
  it('builds the new index, verifies, switches; searches, new writes and a restarted process use the new model', async () => {
    const memory = await openMemory();
    expect(memory.embedder.modelId).toBe(OLD_ID);
    const ids = await seed(memory);
    const progress: ReembedProgress[] = [];
    const report = await reembedMemory(memory, 'offline-hashed', { batchSize: 32, onProgress: (p) => void progress.push(p) });
    expect(report).toMatchObject({ model: NEW_ID, from: OLD_ID, embedded: 144, switched: true, resumedFrom: null });
    expect(report.state.active).toEqual({ id: NEW_ID, spec: 'offline-hashed' });
    expect(report.state.previous).toEqual({ id: OLD_ID, spec: 'offline' });
    expect(report.verification).toMatchObject({ memories: 144, embedded: 144, missing: 0, queries: 20, failedQueries: 0 });
    // A memory's own text finds it under the lexical model; the overlap with the old model is only reported.
    expect(report.verification.selfHits).toBe(20);
    expect(report.verification.overlapAt10).toBeGreaterThan(0);
    expect(progress.map((p) => p.done)).toEqual([32, 64, 96, 128, 144]);
    expect(progress.every((p) => p.total === 144 && p.phase === 'build')).toBe(true);

    // In this process the switch is immediate.
    expect(memory.embedder.modelId).toBe(NEW_ID);
    const [text, target] = [...ids.entries()][40] as [string, { id: string; userId: string }];
    expect((await searchIds(memory, text, { userId: target.userId, mode: 'vector', k: 3 }))[0]).toBe(target.id);
    const { memory: written } = await memory.remember({ userId: 'alice', text: 'The lighthouse keeper paints the railings every April' });
    expect(written.embeddingModel).toBe(NEW_ID);
    expect((await memory.store.getEmbeddings('default', [written.id])).get(written.id)?.length).toBe(hashed.dimensions);
    await memory.close();

    // A restarted process, configured with the default model, searches with the one the store switched to.
    const restarted = await openMemory();
    expect(restarted.embedder.modelId).toBe(NEW_ID);
    expect((await searchIds(restarted, 'lighthouse keeper railings April', { userId: 'alice', mode: 'vector', k: 1 }))[0]).toBe(written.id);
    expect((await searchIds(restarted, text, { userId: target.userId, mode: 'vector', k: 3 }))[0]).toBe(target.id);
  });

  it('an interrupted run resumes from its checkpoint and embeds only the remainder', async () => {
    const memory = await openMemory();
    await seed(memory);
    const stop = new AbortController();
    const error = await expectStrataError(
      reembedMemory(memory, 'offline-hashed', {
        batchSize: 20,
        sampleSize: 0,
        signal: stop.signal,
        onProgress: (p) => {
          if (p.done >= 60) stop.abort();
        },
      }),
      'REEMBED_INCOMPLETE',
    );
    expect(error.details).toMatchObject({ reason: 'aborted' });
    const store = reembeddableStoreOf(memory);
    expect(await store.countEmbeddings(NEW_ID)).toEqual({ memories: 144, embedded: 60 });
    const checkpoint = await store.getReembedCheckpoint(NEW_ID);
    expect(checkpoint).toMatchObject({ embedded: 60 });
    expect(checkpoint?.cursor).not.toBeNull();
    expect((await store.getEmbeddingState()).active).toBeNull();
    // Search kept the old model.
    expect(memory.embedder.modelId).toBe(OLD_ID);
    await memory.close();

    // A new process: its embedder of the new model counts the texts it sends to the provider.
    const again = await openMemory();
    const target = await again.activeEmbedder.resolve('offline-hashed');
    expect(target.stats.texts).toBe(0);
    const report = await reembedMemory(again, 'offline-hashed', { batchSize: 20, sampleSize: 0 });
    expect(report.resumedFrom).toEqual({ cursor: checkpoint?.cursor, embedded: 60 });
    expect(report.embedded).toBe(84);
    expect(target.stats.texts).toBe(84);
    expect(report.switched).toBe(true);
    expect(await reembeddableStoreOf(again).getReembedCheckpoint(NEW_ID)).toBeNull();
  });

  it('search answers throughout the migration, and writes made during it are in the new index after the switch', async () => {
    const memory = await openMemory({ exactSearchThreshold: 10 });
    const ids = await seed(memory);
    const probes = [...ids.entries()].filter((_, i) => i % 17 === 0);
    const during: Array<{ id: string; text: string; userId: string }> = [];
    let searches = 0;
    let misses = 0;
    const check = async (): Promise<void> => {
      for (const [text, target] of probes) {
        searches += 1;
        const found = await searchIds(memory, text, { userId: target.userId, k: 5 });
        if (found[0] !== target.id) misses += 1;
      }
    };
    // Searches running beside the job (interleaved at every await), plus a round between batches.
    let running = true;
    const background = (async () => {
      while (running) {
        await check();
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const report = await reembedMemory(memory, 'offline-hashed', {
      batchSize: 16,
      onProgress: async (p) => {
        await check();
        if (p.phase === 'build' && during.length < 6) {
          const text = `Written during the migration: the harbour crane number ${during.length} was repainted blue`;
          const userId = USERS[during.length % USERS.length] as string;
          during.push({ id: (await memory.remember({ userId, text })).memory.id, text, userId });
          const content = `During the migration I adopted a tortoise called Gus number ${during.length}`;
          await memory.createSession({ id: `s-${during.length}`, userId });
          const added = await memory.addMessages(`s-${during.length}`, [{ role: 'user', content }]);
          during.push({ id: added[0]?.memoryId as string, text: content, userId });
        }
      },
    });
    running = false;
    await background;
    expect(report.switched).toBe(true);
    expect(searches).toBeGreaterThan(probes.length * 10);
    expect(misses).toBe(0);
    await check();
    expect(misses).toBe(0);
    // Nothing written during the migration is missing from the new index.
    expect(during.length).toBeGreaterThanOrEqual(6);
    const store = reembeddableStoreOf(memory);
    const coverage = await store.countEmbeddings(NEW_ID);
    expect(coverage.embedded).toBe(coverage.memories);
    for (const write of during) {
      const vector = await hashed.embed([write.text]);
      const hits = await store.vectorSearch({ tenantId: 'default', userId: write.userId }, vector[0] as Float32Array, NEW_ID, 3);
      expect(hits.map((hit) => hit.id)).toContain(write.id);
    }
  });

  it('rolls back to the previous model, embedding only what was written after the switch', async () => {
    const memory = await openMemory();
    await seed(memory);
    await reembedMemory(memory, 'offline-hashed', { batchSize: 64 });
    const after = await memory.remember({ userId: 'bob', text: 'After the switch Bob bought a tandem bicycle for the coast road' });
    expect(after.memory.embeddingModel).toBe(NEW_ID);
    const back = await rollbackMemory(memory, { batchSize: 64 });
    expect(back).toMatchObject({ model: OLD_ID, from: NEW_ID, switched: true, embedded: 1 });
    expect(back.state).toMatchObject({ active: { id: OLD_ID, spec: 'offline' }, previous: { id: NEW_ID, spec: 'offline-hashed' } });
    expect(memory.embedder.modelId).toBe(OLD_ID);
    expect((await searchIds(memory, 'Bob tandem bicycle coast road', { userId: 'bob', mode: 'vector', k: 1 }))[0]).toBe(after.memory.id);
    // Forward again: nothing to embed, every vector was kept.
    const forward = await rollbackMemory(memory);
    expect(forward).toMatchObject({ model: NEW_ID, switched: true, embedded: 0 });
    // Cleanup: the previous model's vectors go, and there is nothing left to roll back to.
    const cleaned = await cleanupMemory(memory);
    expect(cleaned).toMatchObject({ dropped: OLD_ID, vectors: 145, state: { active: { id: NEW_ID }, previous: null } });
    const store = reembeddableStoreOf(memory);
    expect(await store.countEmbeddings(OLD_ID)).toEqual({ memories: 145, embedded: 0 });
    expect(await store.countEmbeddings(NEW_ID)).toEqual({ memories: 145, embedded: 145 });
    await expectStrataError(rollbackMemory(memory), 'INVALID_INPUT');
    expect((await searchIds(memory, 'Bob tandem bicycle coast road', { userId: 'bob', mode: 'vector', k: 1 }))[0]).toBe(after.memory.id);
  });

  it('refuses to switch while memories keep arriving without a vector, and leaves search on the old model', async () => {
    const memory = await openMemory();
    await seed(memory);
    let n = 0;
    const error = await expectStrataError(
      reembedMemory(memory, 'offline-hashed', {
        batchSize: 64,
        // Every batch, another memory arrives: the index never catches up.
        onProgress: async () => {
          await memory.remember({ userId: 'carol', text: `An endless stream of notes about kites, number ${n++}` });
        },
      }),
      'REEMBED_INCOMPLETE',
    );
    expect(error.message).toMatch(/not switching/);
    expect(error.details).toMatchObject({ missing: 1 });
    const store = reembeddableStoreOf(memory);
    expect((await store.getEmbeddingState()).active).toBeNull();
    expect(memory.embedder.modelId).toBe(OLD_ID);
    expect((await searchIds(memory, 'notes about kites number 0', { userId: 'carol', mode: 'vector', k: 20 })).length).toBeGreaterThan(0);
  });

  it('forget and erase during and after the migration remove the vectors of every model (no orphans)', async () => {
    const memory = await openMemory();
    const ids = [...(await seed(memory)).values()];
    const store = reembeddableStoreOf(memory);
    let forgotten = false;
    await reembedMemory(memory, 'offline-hashed', {
      batchSize: 32,
      onProgress: async (p) => {
        if (forgotten || p.done < 64) return;
        forgotten = true;
        // Already embedded in both models: both vectors must go.
        await memory.forget((ids[3] as { id: string }).id);
        await memory.forgetUser('bob');
      },
    });
    expect(orphans(memory)).toBe(0);
    const left = await memory.countMemories();
    expect(left).toBe(144 - 48 - 1);
    expect(await store.countEmbeddings(NEW_ID)).toEqual({ memories: left, embedded: left });
    expect(await store.countEmbeddings(OLD_ID)).toEqual({ memories: left, embedded: left });
    await memory.forget((ids[5] as { id: string }).id);
    await memory.forgetUser('carol');
    expect(orphans(memory)).toBe(0);
    expect(await store.countEmbeddings(NEW_ID)).toEqual({ memories: 46, embedded: 46 });
    expect(await store.countEmbeddings(OLD_ID)).toEqual({ memories: 46, embedded: 46 });
  });

  it('another process on the same file follows the switch when it re-reads the active model', async () => {
    const memory = await openMemory();
    const ids = await seed(memory);
    const other = await openMemory({ activeModelRefreshMs: 0 });
    expect(other.embedder.modelId).toBe(OLD_ID);
    await reembedMemory(memory, 'offline-hashed', { batchSize: 64 });
    const [text, target] = [...ids.entries()][7] as [string, { id: string; userId: string }];
    expect((await searchIds(other, text, { userId: target.userId, mode: 'vector', k: 3 }))[0]).toBe(target.id);
    expect(other.embedder.modelId).toBe(NEW_ID);
    const { memory: written } = await other.remember({ userId: 'alice', text: 'The other process writes with the new model now' });
    expect(written.embeddingModel).toBe(NEW_ID);
  });
});
