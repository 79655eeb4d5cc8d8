import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { searchIds, TOPICS, tempDir } from '../helpers/memory.js';
import { backdateSidecar, rewrittenSidecarFiles, sidecarDir, sidecarFiles, truncateSidecar } from '../helpers/sidecar.js';

// Above 10 vectors in a user's scope, vector search goes through the HNSW graph.
const THRESHOLD = 10;
const EXTRA = [
  'Zebras graze quietly near the savanna waterhole at dusk',
  'The choir rehearses Handel on Wednesday evenings in the chapel',
  'Our apartment lease renewal needs a signature by the end of May',
];

let dir: string;
let cleanup: () => void;
let path: string;
const open: MemoryService[] = [];

// The graphs run on the HNSW thread: a process's first graph search waits for it to start (~300 ms
// under tsx, the tests' loader) and the graph to load. The read deadline is not what these tests are about.
const OPTIONS = { exactSearchThreshold: THRESHOLD, readDeadlineMs: 0 };
/** Every case runs with the graphs on the HNSW thread (the default) and on the caller's thread. */
const RUNNERS = [
  { runner: 'on the HNSW thread', annThread: true },
  { runner: "on the caller's thread (annThread: false)", annThread: false },
];
let options: typeof OPTIONS & { annThread: boolean } = { ...OPTIONS, annThread: true };

async function openMemory(): Promise<MemoryService> {
  const memory = await createMemory({ path, ...options });
  open.push(memory);
  return memory;
}

async function closeMemory(memory: MemoryService): Promise<void> {
  open.splice(open.indexOf(memory), 1);
  await memory.close();
}

/** Writes the 16 topic notes for user u; returns text -> id. */
async function seed(memory: MemoryService, texts: readonly string[] = TOPICS): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const text of texts) ids.set(text, (await memory.remember({ userId: 'u', text })).memory.id);
  return ids;
}

/** Each text, searched by itself in vector mode, comes back first. */
async function expectEachFoundFirst(memory: MemoryService, ids: Map<string, string>): Promise<void> {
  for (const [text, id] of ids) {
    const [first] = (await memory.search(text, { userId: 'u', mode: 'vector', k: 3 })).results;
    expect(first?.memory.id, text).toBe(id);
    expect(first?.scores.vector, text).toBeGreaterThan(0.99);
  }
}

/** The store's own vector search for user u: through the graph, or exact (brute force) as the baseline. */
async function storeTop(memory: MemoryService, query: string, k: number, exact: boolean): Promise<Array<{ id: string; score: number }>> {
  const vector = await memory.embedder.embedOne(query);
  return memory.store.vectorSearch({ tenantId: memory.tenantId, userId: 'u' }, vector, memory.embedder.modelId, k, { exact });
}

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  path = join(dir, 'strata.db');
});

afterEach(async () => {
  for (const memory of open.splice(0)) await memory.close();
  cleanup();
});

describe.each(RUNNERS)('graphs $runner', ({ annThread }) => {
  beforeEach(() => {
    options = { ...OPTIONS, annThread };
  });

  describe('HNSW index on SQLite', () => {
    it('is not built for scopes at or below the exact-search threshold', async () => {
      const memory = await openMemory();
      await seed(memory, TOPICS.slice(0, THRESHOLD));
      await searchIds(memory, TOPICS[0], { userId: 'u', mode: 'vector' });
      await closeMemory(memory);
      expect(sidecarFiles(path)).toEqual([]);
    });

    it('above the threshold: the ANN answers agree with exact search, within the user scope', async () => {
      const memory = await openMemory();
      const ids = await seed(memory);
      // Another user and another tenant in the same graph must never leak in.
      for (const text of TOPICS) await memory.remember({ userId: 'v', text: `${text} (v)` });
      for (const text of TOPICS) await memory.forTenant('t2').remember({ userId: 'u', text });
      await expectEachFoundFirst(memory, ids);
      for (const query of ['pets and animals', 'money and debts', 'travel by boat', 'cooking at home']) {
        const ann = await storeTop(memory, query, 5, false);
        const exact = await storeTop(memory, query, 5, true);
        expect(
          ann.map((hit) => hit.id),
          query,
        ).toEqual(exact.map((hit) => hit.id));
        for (const [i, hit] of ann.entries()) expect(hit.score).toBeCloseTo(exact[i]?.score ?? Number.NaN, 5);
        const all = await memory.search(query, { userId: 'u', mode: 'vector', k: 50 });
        expect(all.results).toHaveLength(TOPICS.length);
        expect(all.results.every((r) => r.memory.userId === 'u' && r.memory.tenantId === 'default')).toBe(true);
      }
      await closeMemory(memory);
      expect(sidecarFiles(path).length).toBeGreaterThan(0);
    });

    it('(a) the persisted graph is loaded on reopen, not rebuilt, and keeps up with new writes', async () => {
      const first = await openMemory();
      const ids = await seed(first);
      await expectEachFoundFirst(first, ids);
      await closeMemory(first);
      expect(sidecarFiles(path).length).toBeGreaterThan(0);
      backdateSidecar(path);

      const second = await openMemory();
      await expectEachFoundFirst(second, ids);
      await closeMemory(second);
      // Loaded and unchanged: nothing was rebuilt or rewritten.
      expect(rewrittenSidecarFiles(path)).toEqual([]);

      const third = await openMemory();
      await searchIds(third, 'warm up the graph', { userId: 'u', mode: 'vector' });
      const zebra = EXTRA[0] as string;
      ids.set(zebra, (await third.remember({ userId: 'u', text: zebra })).memory.id);
      await expectEachFoundFirst(third, ids);
      await closeMemory(third);
      expect(rewrittenSidecarFiles(path).length).toBeGreaterThan(0);

      const fourth = await openMemory();
      await expectEachFoundFirst(fourth, ids);
    });

    it('read-your-writes through the graph: a message is found by vector search as soon as addMessages resolves', async () => {
      const memory = await openMemory();
      const ids = await seed(memory);
      await expectEachFoundFirst(memory, ids);
      await memory.createSession({ id: 's1', userId: 'u' });
      const text = EXTRA[1] as string;
      const [added] = await memory.addMessages('s1', [{ role: 'user', content: text }]);
      ids.set(text, added?.memoryId as string);
      await expectEachFoundFirst(memory, ids);
    });

    it('(b) a deleted sidecar directory is rebuilt from the table', async () => {
      const first = await openMemory();
      const ids = await seed(first);
      await expectEachFoundFirst(first, ids);
      await closeMemory(first);
      rmSync(sidecarDir(path), { recursive: true, force: true });

      const second = await openMemory();
      await expectEachFoundFirst(second, ids);
      await closeMemory(second);
      expect(sidecarFiles(path).length).toBeGreaterThan(0);
    });

    it('(c) a graph older than the table (written to without the graph loaded) is detected and rebuilt', async () => {
      const first = await openMemory();
      const ids = await seed(first);
      await expectEachFoundFirst(first, ids);
      await closeMemory(first);
      backdateSidecar(path);

      // Another process writes and deletes without ever loading the graph.
      const writer = await openMemory();
      for (const text of EXTRA) ids.set(text, (await writer.remember({ userId: 'u', text })).memory.id);
      const gone = TOPICS[2] as string;
      await writer.forget(ids.get(gone) as string);
      ids.delete(gone);
      await closeMemory(writer);
      expect(rewrittenSidecarFiles(path)).toEqual([]);

      const reader = await openMemory();
      await expectEachFoundFirst(reader, ids);
      expect(await searchIds(reader, gone, { userId: 'u', mode: 'vector', k: 50 })).toHaveLength(ids.size);
      await closeMemory(reader);
      expect(rewrittenSidecarFiles(path).length).toBeGreaterThan(0);
    });

    it('(c) a process that died after writing (graph never saved) leaves a stale graph that is rebuilt', async () => {
      const first = await openMemory();
      const ids = await seed(first);
      await expectEachFoundFirst(first, ids);
      await closeMemory(first);

      // Loads the graph, writes, and never closes (as if the process was killed).
      const crashed = await createMemory({ path, ...options });
      await expectEachFoundFirst(crashed, ids);
      for (const text of EXTRA) ids.set(text, (await crashed.remember({ userId: 'u', text })).memory.id);

      const next = await openMemory();
      await expectEachFoundFirst(next, ids);
      open.push(crashed);
    });

    it.each([
      { label: 'every sidecar file emptied', match: () => true, bytes: () => 0 },
      { label: 'the graph cut in half', match: (file: string) => !file.endsWith('.json'), bytes: (size: number) => Math.floor(size / 2) },
      { label: 'the metadata cut short', match: (file: string) => file.endsWith('.json'), bytes: () => 5 },
    ])('(c) a corrupt sidecar ($label) is detected and rebuilt', async ({ match, bytes }) => {
      const first = await openMemory();
      const ids = await seed(first);
      await expectEachFoundFirst(first, ids);
      await closeMemory(first);
      expect(truncateSidecar(path, match, bytes)).toBeGreaterThan(0);
      backdateSidecar(path);

      const second = await openMemory();
      await expectEachFoundFirst(second, ids);
      await closeMemory(second);
      expect(rewrittenSidecarFiles(path).length).toBeGreaterThan(0);
      const third = await openMemory();
      await expectEachFoundFirst(third, ids);
    });

    it('(d) a forgotten memory is gone from the ANN results, before and after a reopen', async () => {
      const memory = await openMemory();
      const ids = await seed(memory);
      await expectEachFoundFirst(memory, ids);
      const victim = TOPICS[5] as string;
      const victimId = ids.get(victim) as string;
      await memory.forget(victimId);
      ids.delete(victim);
      const k = ids.size;
      const after = await searchIds(memory, victim, { userId: 'u', mode: 'vector', k });
      expect(after).not.toContain(victimId);
      // The graph still fills k from the remaining memories.
      expect(after).toHaveLength(k);
      await expectEachFoundFirst(memory, ids);
      await closeMemory(memory);

      const reopened = await openMemory();
      const again = await searchIds(reopened, victim, { userId: 'u', mode: 'vector', k });
      expect(again).not.toContain(victimId);
      expect(again).toHaveLength(k);
    });

    it('(d) forgetUser removes the user from the graph and leaves the others', async () => {
      const memory = await openMemory();
      const ids = await seed(memory);
      for (const text of TOPICS) await memory.remember({ userId: 'gone', text });
      await expectEachFoundFirst(memory, ids);
      expect((await memory.search(TOPICS[0], { userId: 'gone', mode: 'vector' })).results.length).toBeGreaterThan(0);
      await memory.forgetUser('gone');
      expect(await searchIds(memory, TOPICS[0], { userId: 'gone', mode: 'vector' })).toEqual([]);
      await expectEachFoundFirst(memory, ids);
    });

    it('an updated memory is found by its new vector through the graph', async () => {
      const memory = await openMemory();
      const ids = await seed(memory);
      await expectEachFoundFirst(memory, ids);
      const old = TOPICS[7] as string;
      const id = ids.get(old) as string;
      const fresh = EXTRA[1] as string;
      await memory.updateMemory(id, { text: fresh });
      ids.delete(old);
      ids.set(fresh, id);
      await expectEachFoundFirst(memory, ids);
      expect((await searchIds(memory, old, { userId: 'u', mode: 'vector', k: 1 }))[0]).not.toBe(id);
      await closeMemory(memory);
      await expectEachFoundFirst(await openMemory(), ids);
    });

    it('(e) rebuildIndexes reports the keyword rows and the vectors per model, and search still works', async () => {
      const memory = await openMemory();
      const ids = await seed(memory);
      await memory.remember({ userId: 'w', text: 'one more user' });
      await memory.forTenant('t2').remember({ userId: 'u', text: 'another tenant' });
      const report = await memory.rebuildIndexes();
      expect(report.keywordRows).toBe(TOPICS.length + 2);
      expect(report.vectorIndexes).toEqual([{ model: memory.embedder.modelId, vectors: TOPICS.length + 2 }]);
      expect(sidecarFiles(path).length).toBeGreaterThan(0);
      await expectEachFoundFirst(memory, ids);
      expect(await searchIds(memory, 'Biscuit beagle', { userId: 'u', mode: 'keyword' })).toEqual([ids.get(TOPICS[0])]);
    });
  });

  describe('HNSW index with two writers on one file', () => {
    // Bug (src/stores/sqlite/sqlite-vectors.ts): a process that has the graph loaded does not notice
    // vectors another process wrote to the same file (its in-memory graph is never checked against
    // index_state), and persist() labels its graph with the table's CURRENT version, so the stale
    // graph is trusted on the next open. Fix: remember the version each graph reflects; before an ANN
    // search and in persist(), compare it with index_state and rebuild (or catch up) when it moved.

    it('a write by another process is found by vector search in a process that has the graph loaded', async () => {
      const reader = await openMemory();
      const ids = await seed(reader);
      await expectEachFoundFirst(reader, ids);
      const writer = await openMemory();
      const zebra = EXTRA[0] as string;
      ids.set(zebra, (await writer.remember({ userId: 'u', text: zebra })).memory.id);
      // Read-your-writes across processes: keyword already sees it ...
      expect(await searchIds(reader, 'zebras savanna waterhole', { userId: 'u', mode: 'keyword' })).toEqual([ids.get(zebra)]);
      // ... and so must vector search.
      await expectEachFoundFirst(reader, ids);
    });

    it('a graph saved by a process that missed another process’s update is not trusted on reopen', async () => {
      const stale = await openMemory();
      const ids = await seed(stale);
      await expectEachFoundFirst(stale, ids);
      const writer = await openMemory();
      const old = TOPICS[3] as string;
      const id = ids.get(old) as string;
      const fresh = EXTRA[2] as string;
      await writer.updateMemory(id, { text: fresh });
      ids.delete(old);
      ids.set(fresh, id);
      await closeMemory(writer);
      await closeMemory(stale);

      const reopened = await openMemory();
      await expectEachFoundFirst(reopened, ids);
    });
  });
});
