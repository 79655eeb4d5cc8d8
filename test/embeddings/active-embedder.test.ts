import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveEmbeddingModel } from '../../src/config/embedding-models.js';
import { ActiveEmbedder } from '../../src/embeddings/active-embedder.js';
import { Embedder } from '../../src/embeddings/embedder.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/memory.js';

// The store's active-model row as the source (a real SQLite file), the real registry as resolver.
let dir: string;
let cleanup: () => void;
let store: SqliteStore;

beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  store = new SqliteStore({ path: join(dir, 'strata.db') });
  await store.open();
});
afterEach(async () => {
  await store.close();
  cleanup();
});

const embedderOf = async (name: string): Promise<Embedder> => new Embedder(await resolveEmbeddingModel(name), null);

describe('ActiveEmbedder', () => {
  it('follows the store row when it is re-read, not before refreshMs has passed', async () => {
    let now = 0;
    const initial = await embedderOf('offline');
    const active = new ActiveEmbedder(initial, {
      source: store,
      resolve: embedderOf,
      refreshMs: 1000,
      clock: () => now,
      spec: 'offline',
    });
    expect(await active.refresh()).toBe(initial);
    const target = await embedderOf('offline-hashed');
    const switched = await store.switchActiveModel(
      { id: target.modelId, spec: 'offline-hashed' },
      { id: initial.modelId, spec: 'offline' },
    );
    expect(switched.switched).toBe(true); // an empty store: nothing lacks a vector
    now = 500;
    expect((await active.refresh()).modelId).toBe(initial.modelId);
    now = 1000;
    expect((await active.refresh()).modelId).toBe(target.modelId);
    expect(active.specOf(target.modelId)).toBe('offline-hashed');
    // Back again: the initial embedder is reused, not built again.
    await store.switchActiveModel({ id: initial.modelId, spec: 'offline' }, null);
    expect(await active.refresh(true)).toBe(initial);
  });

  it('keeps its model when the store names one it cannot build, or cannot be read', async () => {
    const initial = await embedderOf('offline');
    const unresolved: string[] = [];
    const active = new ActiveEmbedder(initial, {
      source: store,
      resolve: embedderOf,
      refreshMs: 0,
      onUnresolved: (setting) => unresolved.push(setting.spec),
    });
    await store.switchActiveModel({ id: 'some-remote-model@3/1024', spec: 'not-registered' }, null);
    expect(await active.refresh()).toBe(initial);
    expect(await active.refresh()).toBe(initial);
    expect(unresolved).toEqual(['not-registered']);
    await store.close();
    expect(await active.refresh()).toBe(initial);
    await store.open();
  });
});
