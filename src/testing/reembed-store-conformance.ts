import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { MemoryStoreV1 } from '../spec/memory-store.js';
import type { Scope } from '../spec/records.js';
import type { ReembedStoreV1 } from '../spec/reembed-store.js';
import { memoryOf, newId, unit } from './store-fixtures.js';

export type ReembeddableTestStore = MemoryStoreV1 & ReembedStoreV1;

export interface ReembedConformanceOptions {
  readonly name: string;
  /** A store over a NEW, empty database (a file or schema of its own), not yet opened. */
  readonly create: () => Promise<ReembeddableTestStore>;
  /** Rows of `memory_embeddings` (or the backend's equivalent) whose memory no longer exists. */
  readonly orphans: (store: ReembeddableTestStore) => Promise<number>;
  readonly cleanup?: () => Promise<void>;
}

const OLD = { id: 'old-model@1/4', spec: 'old' };
const NEW = { id: 'new-model@1/3', spec: 'new' };

/**
 * The ReembedStoreV1 conformance suite (src/spec/reembed-store.ts). The re-embed state is
 * global to a store, so every test opens a store over a database of its own. Vectors are
 * fixed unit vectors: this holds the storage contract; the job's tests use real models.
 */
export function reembedStoreConformance(options: ReembedConformanceOptions): void {
  const opened: ReembeddableTestStore[] = [];
  const fresh = async (): Promise<ReembeddableTestStore> => {
    const store = await options.create();
    await store.open();
    opened.push(store);
    return store;
  };
  const seed = async (store: ReembeddableTestStore, scope: Scope, count: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const memory = memoryOf(scope, { text: `note ${i}`, embedding: unit(1, i, 0, 0), embeddingModel: OLD.id });
      ids.push((await store.insertMemory(memory)).id);
    }
    return ids;
  };
  /** Embeds every listed memory with NEW: the vector (1, i, 1) for the i-th. */
  const fill = async (store: ReembeddableTestStore, pageSize = 2): Promise<number> => {
    let cursor: string | null = null;
    let written = 0;
    for (;;) {
      const page = await store.listMemoriesToEmbed(NEW.id, cursor, pageSize);
      written += await store.putEmbeddings(
        NEW.id,
        page.items.map((item) => ({ ...item, vector: unit(1, Number(item.text.split(' ')[1]), 1) })),
      );
      cursor = page.next;
      if (page.done) return written;
    }
  };

  describe(`ReembedStoreV1 conformance: ${options.name}`, () => {
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });
    afterAll(async () => {
      await options.cleanup?.();
    });

    it('lists the memories lacking a vector in cursor pages, every tenant, and not again once embedded', async () => {
      const store = await fresh();
      const a = { tenantId: newId('t'), userId: 'u1' };
      const b = { tenantId: newId('t'), userId: 'u2' };
      const ids = [...(await seed(store, a, 3)), ...(await seed(store, b, 2))];
      const first = await store.listMemoriesToEmbed(NEW.id, null, 3);
      expect(first.items.map((item) => item.id)).toEqual(ids.slice(0, 3));
      expect(first.done).toBe(false);
      const second = await store.listMemoriesToEmbed(NEW.id, first.next, 3);
      expect(second.items.map((item) => item.id)).toEqual(ids.slice(3));
      expect(second.done).toBe(true);
      expect(second.items[0]).toMatchObject({ tenantId: b.tenantId, text: 'note 0', contentHash: 'hash-note 0' });
      expect(await store.countEmbeddings(NEW.id)).toEqual({ memories: 5, embedded: 0 });
      expect(await store.countEmbeddings(OLD.id)).toEqual({ memories: 5, embedded: 5 });
      expect((await store.listMemoriesToEmbed(OLD.id, null, 10)).items).toEqual([]);
      expect(await fill(store)).toBe(5);
      expect(await store.countEmbeddings(NEW.id)).toEqual({ memories: 5, embedded: 5 });
      expect((await store.listMemoriesToEmbed(NEW.id, null, 10)).items).toEqual([]);
    });

    it('vector search of each model reads its own vectors (main column and secondary), exact and indexed', async () => {
      const store = await fresh();
      const scope = { tenantId: newId('t'), userId: 'u1' };
      const ids = await seed(store, scope, 6);
      await fill(store);
      for (const exact of [true, false]) {
        const byNew = await store.vectorSearch(scope, unit(1, 4, 1), NEW.id, 2, { exact });
        expect(byNew[0]?.id).toBe(ids[4]);
        const byOld = await store.vectorSearch(scope, unit(1, 2, 0, 0), OLD.id, 2, { exact });
        expect(byOld[0]?.id).toBe(ids[2]);
      }
      expect(await store.vectorSearch({ tenantId: newId('t'), userId: 'u1' }, unit(1, 4, 1), NEW.id, 2)).toEqual([]);
      // getEmbeddings with a model reads that model's vectors; without, the main ones.
      const two = [ids[1] as string, ids[2] as string];
      expect([...(await store.getEmbeddings(scope.tenantId, two, NEW.id)).values()].map((v) => v.length)).toEqual([3, 3]);
      expect([...(await store.getEmbeddings(scope.tenantId, two, OLD.id)).values()].map((v) => v.length)).toEqual([4, 4]);
      expect([...(await store.getEmbeddings(scope.tenantId, two)).values()].map((v) => v.length)).toEqual([4, 4]);
      expect((await store.getEmbeddings(scope.tenantId, two, 'unknown@1/2')).size).toBe(0);
    });

    it('putEmbeddings skips memories deleted or rewritten since they were listed', async () => {
      const store = await fresh();
      const scope = { tenantId: newId('t'), userId: 'u1' };
      const ids = await seed(store, scope, 3);
      const page = await store.listMemoriesToEmbed(NEW.id, null, 10);
      await store.deleteMemories(scope.tenantId, [ids[0] as string]);
      await store.updateMemory(scope.tenantId, ids[1] as string, {
        text: 'note 7',
        contentHash: 'hash-note 7',
        embedding: unit(1, 7, 0, 0),
        embeddingModel: OLD.id,
        updatedAt: Date.now(),
      });
      const written = await store.putEmbeddings(
        NEW.id,
        page.items.map((item) => ({ ...item, vector: unit(1, 1, 1) })),
      );
      expect(written).toBe(1);
      expect(await store.countEmbeddings(NEW.id)).toEqual({ memories: 2, embedded: 1 });
      expect((await store.listMemoriesToEmbed(NEW.id, null, 10)).items.map((item) => item.text)).toEqual(['note 7']);
    });

    it('a rewritten memory loses its stale vectors in other models; deleting and erasing leave no orphans', async () => {
      const store = await fresh();
      const scope = { tenantId: newId('t'), userId: 'u1' };
      const ids = await seed(store, scope, 4);
      await fill(store);
      await store.updateMemory(scope.tenantId, ids[0] as string, {
        text: 'note 9',
        contentHash: 'hash-note 9',
        embedding: unit(1, 9, 0, 0),
        embeddingModel: OLD.id,
        updatedAt: Date.now(),
      });
      expect((await store.listMemoriesToEmbed(NEW.id, null, 10)).items.map((item) => item.id)).toEqual([ids[0]]);
      expect(await store.vectorSearch(scope, unit(1, 0, 1), NEW.id, 4, { exact: true })).not.toContainEqual(
        expect.objectContaining({ id: ids[0] }),
      );
      await store.deleteMemories(scope.tenantId, [ids[1] as string]);
      expect(await store.countEmbeddings(NEW.id)).toEqual({ memories: 3, embedded: 2 });
      await store.forgetUser(scope.tenantId, scope.userId);
      expect(await store.countEmbeddings(NEW.id)).toEqual({ memories: 0, embedded: 0 });
      expect(await options.orphans(store)).toBe(0);
      expect(await store.vectorSearch(scope, unit(1, 2, 1), NEW.id, 4, { exact: true })).toEqual([]);
    });

    it('switchActiveModel refuses while a memory lacks a vector, then switches in one step and records the previous model', async () => {
      const store = await fresh();
      const scope = { tenantId: newId('t'), userId: 'u1' };
      await seed(store, scope, 3);
      expect(await store.getEmbeddingState()).toEqual({ active: null, previous: null, switchedAt: null });
      const page = await store.listMemoriesToEmbed(NEW.id, null, 2);
      await store.putEmbeddings(
        NEW.id,
        page.items.map((item) => ({ ...item, vector: unit(1, 0, 1) })),
      );
      const refused = await store.switchActiveModel(NEW, OLD);
      expect(refused).toMatchObject({ switched: false, missing: 1 });
      expect((await store.getEmbeddingState()).active).toBeNull();
      await fill(store);
      const done = await store.switchActiveModel(NEW, OLD);
      expect(done).toMatchObject({ switched: true, missing: 0, state: { active: NEW, previous: OLD } });
      expect((await store.getEmbeddingState()).switchedAt).toBeTypeOf('number');
      // Back: the old model's vectors were kept; the row swaps again.
      const back = await store.switchActiveModel(OLD, null);
      expect(back).toMatchObject({ switched: true, state: { active: OLD, previous: NEW } });
      // A second store over the same data sees the row.
      expect((await store.getEmbeddingState()).active).toEqual(OLD);
    });

    it('dropEmbeddings refuses the active model and leaves only the active vectors', async () => {
      const store = await fresh();
      const scope = { tenantId: newId('t'), userId: 'u1' };
      const ids = await seed(store, scope, 3);
      await fill(store);
      await store.switchActiveModel(NEW, OLD);
      await expect(store.dropEmbeddings(NEW.id)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(await store.dropEmbeddings(OLD.id)).toBe(3);
      expect(await store.countEmbeddings(OLD.id)).toEqual({ memories: 3, embedded: 0 });
      expect(await store.countEmbeddings(NEW.id)).toEqual({ memories: 3, embedded: 3 });
      expect(await store.getEmbeddingState()).toMatchObject({ active: NEW, previous: null });
      expect((await store.vectorSearch(scope, unit(1, 1, 1), NEW.id, 1))[0]?.id).toBe(ids[1]);
      expect((await store.getEmbeddings(scope.tenantId, [ids[1] as string])).get(ids[1] as string)?.length).toBe(3);
      expect(await store.vectorSearch(scope, unit(1, 1, 0, 0), OLD.id, 3, { exact: true })).toEqual([]);
      expect(await options.orphans(store)).toBe(0);
    });

    it('keeps a checkpoint per model until it is cleared', async () => {
      const store = await fresh();
      expect(await store.getReembedCheckpoint(NEW.id)).toBeNull();
      await store.putReembedCheckpoint(NEW.id, { cursor: null, embedded: 0, startedAt: 1, updatedAt: 1 });
      await store.putReembedCheckpoint(NEW.id, { cursor: '42', embedded: 7, startedAt: 1, updatedAt: 2 });
      expect(await store.getReembedCheckpoint(NEW.id)).toEqual({ cursor: '42', embedded: 7, startedAt: 1, updatedAt: 2 });
      expect(await store.getReembedCheckpoint(OLD.id)).toBeNull();
      await store.putReembedCheckpoint(NEW.id, null);
      expect(await store.getReembedCheckpoint(NEW.id)).toBeNull();
    });

    it('scans every secondary vector with its memory, in pages', async () => {
      const store = await fresh();
      const scope = { tenantId: newId('t'), userId: 'u1' };
      const ids = await seed(store, scope, 5);
      await fill(store);
      const seen: Array<{ model: string; id: string; dims: number }> = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page = await store.scanSecondaryEmbeddings(after, 2);
        seen.push(...page.items.map((item) => ({ model: item.model, id: item.memory.id, dims: item.embedding.length })));
        after = page.next;
        pages += 1;
      } while (after !== null);
      expect(pages).toBe(3);
      const some = await store.getSecondaryEmbeddings(scope.tenantId, [ids[3] as string, ids[1] as string, 'missing']);
      expect(some.map((entry) => [entry.id, entry.model, entry.embedding.length])).toEqual([
        [ids[1], NEW.id, 3],
        [ids[3], NEW.id, 3],
      ]);
      expect(await store.getSecondaryEmbeddings(newId('t'), [ids[1] as string])).toEqual([]);
      expect(seen).toEqual(ids.map((id) => ({ model: NEW.id, id, dims: 3 })));
      expect(seen.length).toBe(5);
    });

    it('samples memories of every tenant', async () => {
      const store = await fresh();
      await seed(store, { tenantId: newId('t'), userId: 'u1' }, 3);
      await seed(store, { tenantId: newId('t'), userId: 'u2' }, 3);
      const sample = await store.sampleMemories(4);
      expect(sample).toHaveLength(4);
      expect(new Set(sample.map((memory) => memory.id)).size).toBe(4);
      expect((await store.sampleMemories(100)).length).toBe(6);
    });
  });
}
