import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backup } from '../../src/archive/backup.js';
import { restore } from '../../src/archive/restore.js';
import { archiveStoresOf, retentionStoreOf } from '../../src/config/archive-stores.js';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { prune } from '../../src/core/retention/prune.js';
import type { MemoryFilter } from '../../src/spec/memory-store.js';
import { pointId } from '../../src/stores/qdrant/qdrant-filter.js';
import { QdrantVectorIndex } from '../../src/stores/qdrant/qdrant-vector-index.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { VectorIndexedStore } from '../../src/stores/vector-indexed-store.js';
import { type QdrantStandIn, startQdrantStandIn } from '../helpers/qdrant-stand-in.js';

// No Qdrant can run here: the real @qdrant/js-client-rest talks to the loopback stand-in
// (test/helpers/qdrant-stand-in.ts), which evaluates filters and cosine similarity honestly.
let standIn: QdrantStandIn;
beforeAll(async () => {
  standIn = await startQdrantStandIn();
});
afterAll(async () => {
  await standIn.close();
});

const open: MemoryService[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const memory of open.splice(0)) await memory.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

let prefixes = 0;
async function withQdrant(options: Parameters<typeof createMemory>[0] = {}): Promise<MemoryService> {
  const memory = await createMemory({ path: ':memory:', qdrant: { url: standIn.url, prefix: `strata_xw${prefixes++}` }, ...options });
  open.push(memory);
  return memory;
}

function indexOf(memory: MemoryService): VectorIndexedStore {
  expect(memory.store).toBeInstanceOf(VectorIndexedStore);
  return memory.store as unknown as VectorIndexedStore;
}

/** Ids the Qdrant index itself answers for `text` (not the durable store's fallback). */
async function qdrantIds(memory: MemoryService, text: string, filter: Omit<MemoryFilter, 'tenantId'> = {}): Promise<string[]> {
  const [vector] = await memory.embedder.embed([text]);
  const hits = await indexOf(memory).vectorIndex.search(
    memory.embedder.modelId,
    vector as Float32Array,
    { tenantId: memory.tenantId, ...filter },
    20,
  );
  return hits.map((hit) => hit.id);
}

/** Point ids upserted into the stand-in since request number `from`. */
function upsertedPoints(from: number): string[] {
  return standIn.requests.slice(from).flatMap((request) => {
    if (request.method !== 'PUT' || !/^\/collections\/[^/]+\/points$/.test(request.path)) return [];
    return ((request.body as { points?: Array<{ id: string }> }).points ?? []).map((point) => point.id);
  });
}

describe('consolidation with a Qdrant mirror', () => {
  it('a promoted note and the summary reach Qdrant and are found by its vector search', async () => {
    const memory = await withQdrant();
    await memory.createSession({ id: 's1', userId: 'u1' });
    await memory.addMessages('s1', [
      { role: 'user', content: 'I am allergic to peanuts and cashews, so please avoid nut sauces.' },
      { role: 'assistant', content: 'Noted, no nuts in any recipe.' },
    ]);
    const from = standIn.requests.length;
    expect(await memory.consolidate()).toMatchObject({ sessions: 1, summaries: 1, notes: 1 });
    const [note] = await memory.listMemories({ kinds: ['note'] });
    const [summary] = await memory.listMemories({ kinds: ['summary'] });
    expect(note?.text).toContain('allergic to peanuts');
    expect(upsertedPoints(from)).toEqual(
      expect.arrayContaining([pointId('default', note?.id ?? ''), pointId('default', summary?.id ?? '')]),
    );
    expect(await qdrantIds(memory, 'peanut allergy nuts', { kinds: ['note'] })).toEqual([note?.id]);
    expect(indexOf(memory).pendingRepairs).toEqual({ memories: 0, users: 0 });
    // The service's own search (vector part answered by Qdrant) finds it too.
    const found = await memory.search('peanut allergy', { userId: 'u1', kinds: ['note'] });
    expect(found.results.map((r) => r.memory.id)).toEqual([note?.id]);
  });

  it('a superseded note stops being found through Qdrant; the replaced summary leaves the collection', async () => {
    const memory = await withQdrant({ consolidation: { options: { dedupeThreshold: 0.85 } } });
    await memory.createSession({ id: 'a', userId: 'u1' });
    await memory.addMessages('a', [{ role: 'user', content: 'My favourite food is spicy Thai green curry with rice.' }]);
    await memory.consolidate();
    const [old] = await memory.listMemories({ kinds: ['note'] });
    const [firstSummary] = await memory.listMemories({ kinds: ['summary'] });
    expect(await qdrantIds(memory, 'Thai green curry', { kinds: ['note'] })).toEqual([old?.id]);

    await memory.addMessages('a', [{ role: 'user', content: 'My favourite food is really spicy Thai green curry with rice.' }]);
    expect((await memory.consolidate()).merged).toBe(1);
    const [active] = await memory.listMemories({ kinds: ['note'] });
    const [secondSummary] = await memory.listMemories({ kinds: ['summary'] });
    expect(active?.id).not.toBe(old?.id);
    expect(secondSummary?.id).not.toBe(firstSummary?.id);
    // The old note is still in the collection, marked superseded: only includeSuperseded finds it.
    expect(await qdrantIds(memory, 'Thai green curry', { kinds: ['note'] })).toEqual([active?.id]);
    expect((await qdrantIds(memory, 'Thai green curry', { kinds: ['note'], includeSuperseded: true })).sort()).toEqual(
      [active?.id, old?.id].sort(),
    );
    // The previous summary is deleted from the collection, not merely hidden.
    expect(await qdrantIds(memory, 'Thai green curry', { kinds: ['summary'], includeSuperseded: true })).toEqual([secondSummary?.id]);
  });

  it('while Qdrant fails, the outputs are owed and searches use the durable store; the repair then mirrors them', async () => {
    const index = new QdrantVectorIndex({ url: standIn.url, prefix: `strata_xw${prefixes++}` });
    const warnings: string[] = [];
    const store = new VectorIndexedStore({
      durable: new SqliteStore({ path: ':memory:' }),
      index,
      retryAfterMs: 0,
      onIndexError: (_error, operation) => warnings.push(operation),
    });
    // A decorated `store`: consolidation still finds the SQLite tables under it.
    const memory = await createMemory({ store });
    open.push(memory);
    await memory.createSession({ id: 's1', userId: 'u1' });
    await memory.addMessages('s1', [{ role: 'user', content: 'I really love ferry trips along the Norwegian fjords in July.' }]);
    standIn.failing = true;
    try {
      expect((await memory.consolidate()).notes).toBe(1);
    } finally {
      standIn.failing = false;
    }
    expect(warnings).toContain('external write');
    expect(store.pendingRepairs.memories).toBeGreaterThanOrEqual(2);
    const [note] = await memory.listMemories({ kinds: ['note'] });
    // The next search runs the owed repairs first, then asks Qdrant.
    const found = await memory.search('ferry fjords trip', { userId: 'u1', kinds: ['note'] });
    expect(found.results.map((r) => r.memory.id)).toEqual([note?.id]);
    expect(store.pendingRepairs).toEqual({ memories: 0, users: 0 });
    expect(await qdrantIds(memory, 'ferry fjords trip', { kinds: ['note'] })).toEqual([note?.id]);
  });
});

describe('restore into a Qdrant-wrapped store', () => {
  it('the restored memories are vector-searchable through Qdrant', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-xw-'));
    dirs.push(dir);
    const source = await createMemory({ path: join(dir, 'source.db') });
    open.push(source);
    await source.createSession({ id: 's1', userId: 'u1' });
    await source.addMessages('s1', [{ role: 'user', content: 'The espresso machine leaks water from the steam wand gasket.' }]);
    const remembered = await source.remember({ userId: 'u1', text: 'The kitchen renovation needs new oak worktops and a ceramic sink' });
    await source.consolidate();
    await backup(await archiveStoresOf(source), join(dir, 'archive'));

    const target = await withQdrant();
    const from = standIn.requests.length;
    const report = await restore(await archiveStoresOf(target), join(dir, 'archive'));
    expect(report.counts.memories).toBeGreaterThanOrEqual(3);
    const restored = await target.listMemories({});
    expect(restored.length).toBe(report.counts.memories);
    expect(upsertedPoints(from)).toEqual(expect.arrayContaining(restored.map((m) => pointId('default', m.id))));
    expect(await qdrantIds(target, 'oak worktops ceramic sink', { kinds: ['note'] })).toContain(remembered.memory.id);
    const turn = restored.find((m) => m.kind === 'turn');
    expect(await qdrantIds(target, 'espresso steam wand leaks', { kinds: ['turn'] })).toEqual([turn?.id]);
  });
});

describe('prune with a Qdrant mirror', () => {
  it("the pruned messages' turn memories leave the collection", async () => {
    const memory = await withQdrant();
    const now = Date.now();
    await memory.createSession({ id: 'old', userId: 'alice', createdAt: now - 100 * 86_400_000 });
    await memory.addMessages('old', [
      { role: 'user', content: 'The parcel sorting job on call crashed after the midnight deploy.', createdAt: now - 100 * 86_400_000 },
    ]);
    await memory.consolidate();
    await memory.addMessages('old', [{ role: 'user', content: 'The parcel sorting job runs fine again today.', createdAt: now }]);
    const turns = await memory.listMemories({ kinds: ['turn'] });
    const pruned = turns.find((m) => m.text.includes('crashed'));
    const kept = turns.find((m) => m.text.includes('fine again'));
    expect((await qdrantIds(memory, 'parcel sorting job', { kinds: ['turn'] })).sort()).toEqual([pruned?.id, kept?.id].sort());
    const report = await prune(
      { store: memory.store, retention: await retentionStoreOf(memory), afterWrite: (write) => memory.afterExternalWrite(write) },
      'default',
      { keepTurnsDays: 30 },
    );
    expect(report.turns).toMatchObject({ messages: 1, turnMemories: 1 });
    expect(await qdrantIds(memory, 'parcel sorting job', { kinds: ['turn'], includeSuperseded: true })).toEqual([kept?.id]);
  });
});
