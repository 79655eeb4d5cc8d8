import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NewMemory } from '../../src/spec/memory-store.js';
import { AnnWorkerClient } from '../../src/stores/sqlite/ann-worker-client.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { memoryOf, unit } from '../../src/testing/store-fixtures.js';
import { tempDir } from '../helpers/memory.js';

// The HNSW graphs run on a worker thread (ann-worker.ts): inserts are posted without waiting,
// searches are answered in the same FIFO, writers wait only when the thread is far behind.
// These tests drive a real thread (no fakes): its FIFO, its backpressure, its failures, and
// read-your-writes through a store whose writes outrun it.
const DIMS = 16;
const MODEL = 'thread-model@1:16';

/** Deterministic unit vectors far enough apart that each is its own nearest neighbour. */
function vectors(count: number, seed: number): Float32Array[] {
  let state = seed;
  const next = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648 - 0.5;
  };
  return Array.from({ length: count }, () => unit(...Array.from({ length: DIMS }, next)));
}

describe('the HNSW thread (AnnWorkerClient)', () => {
  let thread: AnnWorkerClient;
  beforeEach(() => {
    thread = AnnWorkerClient.acquire();
  });
  afterEach(() => thread.release());

  const init = (capacity: number): number => {
    const graph = thread.newGraph();
    thread.post({ op: 'init', graph, dims: DIMS, capacity, m: 16, efConstruction: 64, efSearch: 64 });
    return graph;
  };

  it('a writer far ahead waits in settle() until the backlog is down to the low mark; a search sees every insert posted before it', async () => {
    const graph = init(4096);
    const points = vectors(3000, 7);
    for (const [label, vector] of points.entries()) thread.post({ op: 'add', graph, label, scope: 0, vector, unmark: false });
    expect(thread.backlog).toBe(3000);
    await thread.settle();
    expect(thread.backlog).toBeLessThanOrEqual(64);
    // Posted and searched in the same tick: the answer comes after the insert.
    const [last] = vectors(1, 99);
    thread.post({ op: 'add', graph, label: 5000, scope: 0, vector: last as Float32Array, unmark: false });
    const found = await thread.request<{ labels: number[]; distances: number[] }>({
      op: 'search',
      graph,
      vector: last as Float32Array,
      k: 3,
      scope: null,
    });
    expect(found.labels[0]).toBe(5000);
    expect(found.distances[0]).toBeCloseTo(0, 5);
    // Settling below the high mark returns at once.
    expect(thread.backlog).toBeLessThanOrEqual(64);
    await thread.settle();
    thread.post({ op: 'drop', graph });
  });

  it('an op that fails on the thread marks its graph failed and its requests reject; other graphs carry on', async () => {
    const full = init(2);
    const other = init(16);
    const points = vectors(4, 3);
    // A third point in a graph sized for two: hnswlib throws on the thread.
    for (const [label, vector] of points.slice(0, 3).entries()) {
      thread.post({ op: 'add', graph: full, label, scope: 0, vector, unmark: false });
    }
    thread.post({ op: 'add', graph: other, label: 1, scope: 0, vector: points[3] as Float32Array, unmark: false });
    const search = (graph: number) =>
      thread.request<{ labels: number[] }>({ op: 'search', graph, vector: points[3] as Float32Array, k: 1, scope: null });
    await expect(search(full)).rejects.toThrow(/gone/);
    expect(thread.failed(full)).toBe(true);
    expect(thread.failed(other)).toBe(false);
    expect((await search(other)).labels).toEqual([1]);
    thread.post({ op: 'drop', graph: other });
  });
});

describe('read-your-writes through the HNSW thread', () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  const stores: SqliteStore[] = [];
  const scope = { tenantId: 'default', userId: 'u' };
  const filter = scope;

  beforeEach(() => {
    dir = tempDir();
    path = join(dir.dir, 'thread.db');
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    dir.cleanup();
  });

  async function open(annThread = true): Promise<SqliteStore> {
    const store = new SqliteStore({ path, exactSearchThreshold: 10, annThread });
    await store.open();
    stores.push(store);
    return store;
  }

  const memories = (points: Float32Array[]): NewMemory[] =>
    points.map((embedding, i) => memoryOf(scope, { text: `point ${i}`, embedding, embeddingModel: MODEL }));

  it('a batch far above the backlog bound: every vector is found the moment the write resolves, a deleted one is gone at once, and all persist', async () => {
    const store = await open();
    const first = memories(vectors(20, 11));
    await store.insertMemories(first);
    // Loads the graph on the thread (the scope is above the threshold).
    expect((await store.vectorSearch(filter, first[0]?.embedding as Float32Array, MODEL, 1))[0]?.id).toBe(first[0]?.id);

    const batch = memories(vectors(2000, 23));
    await store.insertMemories(batch);
    // Backpressure: the write resolved only once the thread was back under the bound (the process's one thread).
    const thread = AnnWorkerClient.acquire();
    expect(thread.backlog).toBeLessThanOrEqual(256);
    thread.release();
    for (const memory of batch.slice(-5)) {
      const [hit] = await store.vectorSearch(filter, memory.embedding as Float32Array, MODEL, 1);
      expect(hit?.id).toBe(memory.id);
      expect(hit?.score).toBeCloseTo(1, 4);
    }
    // The graph answers, not exact search: its results equal exact ones on these well-separated points.
    const probe = batch[1000]?.embedding as Float32Array;
    const exact = await store.vectorSearch(filter, probe, MODEL, 10, { exact: true });
    expect((await store.vectorSearch(filter, probe, MODEL, 10)).map((hit) => hit.id)).toEqual(exact.map((hit) => hit.id));

    const victim = batch.at(-1) as NewMemory;
    await store.deleteMemories('default', [victim.id]);
    const after = await store.vectorSearch(filter, victim.embedding as Float32Array, MODEL, 5);
    expect(after.map((hit) => hit.id)).not.toContain(victim.id);
    expect(after).toHaveLength(5);

    await store.close();
    stores.splice(0);
    const reopened = await open();
    for (const memory of [first[3], batch[0], batch.at(-2)] as NewMemory[]) {
      expect((await reopened.vectorSearch(filter, memory.embedding as Float32Array, MODEL, 1))[0]?.id).toBe(memory.id);
    }
    expect((await reopened.vectorSearch(filter, victim.embedding as Float32Array, MODEL, 5)).map((hit) => hit.id)).not.toContain(victim.id);
  });

  it('a thread that dies under a loaded graph: the searches after it still answer, as exact search does, and the next acquire starts a new thread', async () => {
    const store = await open();
    const batch = memories(vectors(200, 41));
    await store.insertMemories(batch);
    const probe = batch[60]?.embedding as Float32Array;
    const exact = (await store.vectorSearch(filter, probe, MODEL, 10, { exact: true })).map((hit) => hit.id);
    expect((await store.vectorSearch(filter, probe, MODEL, 10)).map((hit) => hit.id)).toEqual(exact);

    // The thread is private to the client: stopped from outside, as a crash of the add-on would.
    const dying = AnnWorkerClient.acquire();
    const exited = new Promise((resolve) => (dying as unknown as { worker: Worker }).worker.once('exit', resolve));
    await (dying as unknown as { worker: Worker }).worker.terminate();
    await exited;
    expect(dying.alive).toBe(false);
    dying.release();

    expect((await store.vectorSearch(filter, probe, MODEL, 10)).map((hit) => hit.id)).toEqual(exact);
    expect((await store.vectorSearch(filter, probe, MODEL, 10)).map((hit) => hit.id)).toEqual(exact);
    const fresh = AnnWorkerClient.acquire();
    expect(fresh).not.toBe(dying);
    expect(fresh.alive).toBe(true);
    fresh.release();
  });

  it('annThread: false runs the graphs on the caller thread: no thread is asked for, and the graph answers, persists and forgets', async () => {
    const acquire = vi.spyOn(AnnWorkerClient, 'acquire');
    try {
      const store = await open(false);
      const batch = memories(vectors(300, 31));
      await store.insertMemories(batch);
      const probe = batch[150]?.embedding as Float32Array;
      const exact = await store.vectorSearch(filter, probe, MODEL, 10, { exact: true });
      expect((await store.vectorSearch(filter, probe, MODEL, 10)).map((hit) => hit.id)).toEqual(exact.map((hit) => hit.id));
      const victim = batch.at(-1) as NewMemory;
      await store.deleteMemories('default', [victim.id]);
      expect((await store.vectorSearch(filter, victim.embedding as Float32Array, MODEL, 5)).map((hit) => hit.id)).not.toContain(victim.id);
      await store.close();
      stores.splice(0);
      const reopened = await open(false);
      expect((await reopened.vectorSearch(filter, batch[7]?.embedding as Float32Array, MODEL, 1))[0]?.id).toBe(batch[7]?.id);
      expect(acquire).not.toHaveBeenCalled();
    } finally {
      acquire.mockRestore();
    }
  });
});
