import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { QdrantVectorIndex } from '../../src/stores/qdrant/qdrant-vector-index.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { VectorIndexedStore } from '../../src/stores/vector-indexed-store.js';
import { searchIds, TOPICS, tempDir } from '../helpers/memory.js';
import { destroyQdrantIndex } from '../helpers/qdrant.js';
import { type QdrantStandIn, startQdrantStandIn } from '../helpers/qdrant-stand-in.js';

// The decorator over real SQLite and the real Qdrant adapter and client. Qdrant itself cannot run
// here: it is the loopback stand-in (test/helpers/qdrant-stand-in.ts), which answers Qdrant's REST
// calls and evaluates filters and cosine scores honestly, and can be told to fail.
let standIn: QdrantStandIn;
beforeAll(async () => {
  standIn = await startQdrantStandIn();
});
afterAll(async () => {
  await standIn.close();
});

let dir: string;
let cleanup: () => void;
let prefixCount = 0;
const opened: Array<{ memory: MemoryService; index: QdrantVectorIndex }> = [];
const indexErrors: string[] = [];

interface Opened {
  memory: MemoryService;
  store: VectorIndexedStore;
  index: QdrantVectorIndex;
}

async function open(options: { prefix?: string; retryAfterMs?: number; maxOwedRepairs?: number } = {}): Promise<Opened> {
  const index = new QdrantVectorIndex({ url: standIn.url, prefix: options.prefix ?? `strata_d${process.pid}_${prefixCount++}` });
  const store = new VectorIndexedStore({
    durable: new SqliteStore({ path: join(dir, 'strata.db') }),
    index,
    retryAfterMs: options.retryAfterMs ?? 0,
    maxOwedRepairs: options.maxOwedRepairs,
    onIndexError: (_error, operation) => indexErrors.push(operation),
  });
  const memory = await createMemory({ store });
  opened.push({ memory, index });
  return { memory, store, index };
}

function queries(): number {
  return standIn.requests.filter((request) => request.path.endsWith('/points/query')).length;
}

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  indexErrors.length = 0;
  standIn.failing = false;
});

afterEach(async () => {
  standIn.failing = false;
  for (const { memory, index } of opened.splice(0)) {
    await destroyQdrantIndex(index, standIn.url);
    await memory.close();
  }
  cleanup();
});

describe('VectorIndexedStore (SQLite + Qdrant)', () => {
  it('mirrors remembered notes and message turns into the index and answers vector search from it', async () => {
    const { memory, index } = await open();
    const ids = new Map<string, string>();
    for (const text of TOPICS.slice(0, 6)) ids.set(text, (await memory.remember({ userId: 'u', text })).memory.id);
    const session = await memory.createSession({ userId: 'u' });
    await memory.addMessages(session.id, [{ role: 'user', content: TOPICS[10] }]);
    expect(await index.count(memory.embedder.modelId, { tenantId: memory.tenantId })).toBe(7);
    const before = queries();
    const found = await searchIds(memory, TOPICS[2], { userId: 'u', mode: 'vector', k: 3 });
    expect(found[0]).toBe(ids.get(TOPICS[2]));
    expect(queries()).toBe(before + 1);
    const [turn] = await searchIds(memory, TOPICS[10], { userId: 'u', mode: 'vector', k: 1 });
    expect(turn).toMatch(/^mem_/);
    expect(turn).not.toBe(ids.get(TOPICS[2]));
  });

  it('forget and forgetUser remove the points; other users and tenants keep theirs', async () => {
    const { memory, index } = await open();
    const model = memory.embedder.modelId;
    const gone = await memory.remember({ userId: 'u1', text: TOPICS[0] });
    await memory.remember({ userId: 'u1', text: TOPICS[1] });
    await memory.remember({ userId: 'u2', text: TOPICS[1] });
    const other = memory.forTenant('tenant-b');
    await other.remember({ userId: 'u1', text: TOPICS[1] });
    await memory.forget(gone.memory.id);
    expect(await searchIds(memory, TOPICS[0], { userId: 'u1', mode: 'vector', k: 5 })).not.toContain(gone.memory.id);
    expect(await index.count(model, { tenantId: memory.tenantId, userId: 'u1' })).toBe(1);
    await memory.forgetUser('u1');
    expect(await index.count(model, { tenantId: memory.tenantId, userId: 'u1' })).toBe(0);
    expect(await index.count(model, { tenantId: memory.tenantId, userId: 'u2' })).toBe(1);
    expect(await index.count(model, { tenantId: 'tenant-b', userId: 'u1' })).toBe(1);
  });

  it('a tenant never finds another tenant’s memories through the index', async () => {
    const { memory } = await open();
    const mine = await memory.remember({ userId: 'u', text: TOPICS[3] });
    const other = memory.forTenant('tenant-b');
    const theirs = await other.remember({ userId: 'u', text: TOPICS[3] });
    expect(await searchIds(other, TOPICS[3], { userId: 'u', mode: 'vector', k: 10 })).toEqual([theirs.memory.id]);
    expect(await searchIds(memory, TOPICS[3], { userId: 'u', mode: 'vector', k: 10 })).toEqual([mine.memory.id]);
  });

  it('an update re-mirrors the new embedding, tags and supersession', async () => {
    const { memory, store, index } = await open();
    const model = memory.embedder.modelId;
    const note = await memory.remember({ userId: 'u', text: TOPICS[4], tags: ['music'] });
    await memory.updateMemory(note.memory.id, { text: TOPICS[5], tags: ['kitchen'] });
    const [first] = await searchIds(memory, TOPICS[5], { userId: 'u', mode: 'vector', k: 1 });
    expect(first).toBe(note.memory.id);
    expect(await index.count(model, { tenantId: memory.tenantId, tags: ['kitchen'] })).toBe(1);
    expect(await index.count(model, { tenantId: memory.tenantId, tags: ['music'] })).toBe(0);
    await store.updateMemory(memory.tenantId, note.memory.id, { supersededBy: 'mem_newer', updatedAt: Date.now() });
    expect(await index.count(model, { tenantId: memory.tenantId })).toBe(0);
    expect(await index.count(model, { tenantId: memory.tenantId, includeSuperseded: true })).toBe(1);
  });

  it('when the index fails, writes still succeed, searches use SQLite, and the index is repaired', async () => {
    const { memory, store, index } = await open();
    const model = memory.embedder.modelId;
    const kept = await memory.remember({ userId: 'u', text: TOPICS[6] });
    standIn.failing = true;
    const added = await memory.remember({ userId: 'u', text: TOPICS[7] });
    await memory.forget(kept.memory.id);
    expect(store.pendingRepairs.memories).toBe(2);
    expect(indexErrors).toContain('upsert');
    const during = await searchIds(memory, TOPICS[7], { userId: 'u', mode: 'vector', k: 5 });
    expect(during).toEqual([added.memory.id]);
    standIn.failing = false;
    const after = await searchIds(memory, TOPICS[6], { userId: 'u', mode: 'vector', k: 5 });
    expect(after).toEqual([added.memory.id]);
    expect(store.pendingRepairs).toEqual({ memories: 0, users: 0 });
    expect(await index.count(model, { tenantId: memory.tenantId })).toBe(1);
  });

  it('an erase while the index is down is applied before the index answers again', async () => {
    const { memory, store, index } = await open();
    await memory.remember({ userId: 'u1', text: TOPICS[8] });
    standIn.failing = true;
    await memory.forgetUser('u1');
    expect(store.pendingRepairs.users).toBe(1);
    expect(await searchIds(memory, TOPICS[8], { userId: 'u1', mode: 'vector', k: 5 })).toEqual([]);
    standIn.failing = false;
    expect(await searchIds(memory, TOPICS[8], { userId: 'u1', mode: 'vector', k: 5 })).toEqual([]);
    expect(await index.count(memory.embedder.modelId, { tenantId: memory.tenantId, includeSuperseded: true })).toBe(0);
  });

  it('during the cool-down after a failure, writes are queued without waiting on the index', async () => {
    const { memory, store } = await open({ retryAfterMs: 60_000 });
    standIn.failing = true;
    await memory.remember({ userId: 'u', text: TOPICS[9] });
    standIn.failing = false;
    const sent = standIn.requests.length;
    await memory.remember({ userId: 'u', text: TOPICS[11] });
    expect(standIn.requests.length).toBe(sent);
    expect(store.pendingRepairs.memories).toBe(2);
    expect(await searchIds(memory, TOPICS[11], { userId: 'u', mode: 'vector', k: 1 })).toHaveLength(1);
  });

  it('past maxOwedRepairs the queue gives up: SQLite answers until rebuildIndexes brings the index back', async () => {
    const { memory, store, index } = await open({ maxOwedRepairs: 2 });
    const model = memory.embedder.modelId;
    standIn.failing = true;
    for (const text of TOPICS.slice(0, 3)) await memory.remember({ userId: 'u', text });
    expect(store.needsRebuild).toBe(true);
    expect(store.pendingRepairs.memories).toBe(0);
    standIn.failing = false;
    const before = queries();
    expect(await searchIds(memory, TOPICS[1], { userId: 'u', mode: 'vector', k: 1 })).toHaveLength(1);
    expect(queries()).toBe(before);
    await memory.rebuildIndexes();
    expect(store.needsRebuild).toBe(false);
    expect(await index.count(model, { tenantId: memory.tenantId })).toBe(3);
    await searchIds(memory, TOPICS[1], { userId: 'u', mode: 'vector', k: 1 });
    expect(queries()).toBe(before + 1);
  });

  it('rebuildIndexes re-upserts from SQLite into a new collection and switches the alias to it', async () => {
    const prefix = `strata_r${process.pid}`;
    const first = await open({ prefix });
    const model = first.memory.embedder.modelId;
    await first.memory.remember({ userId: 'u', text: TOPICS[12] });
    standIn.failing = true;
    const missed = await first.memory.remember({ userId: 'u', text: TOPICS[13] });
    standIn.failing = false;
    // A restart loses the in-process repair queue: only a rebuild brings the missed memory back.
    opened.splice(0);
    await first.memory.close();
    const second = await open({ prefix });
    expect(await second.index.count(model, { tenantId: second.memory.tenantId })).toBe(1);
    const blue = await second.index.describe(model);
    const report = await second.memory.rebuildIndexes();
    expect(report.vectorIndexes).toEqual([{ model, vectors: 2 }]);
    const green = await second.index.describe(model);
    expect(green?.collection).not.toBe(blue?.collection);
    expect((await second.index.listCollections()).map((entry) => entry.collection)).toEqual([green?.collection]);
    expect(await second.index.count(model, { tenantId: second.memory.tenantId })).toBe(2);
    expect(await searchIds(second.memory, TOPICS[13], { userId: 'u', mode: 'vector', k: 1 })).toEqual([missed.memory.id]);
  });
});
