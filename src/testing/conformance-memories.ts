import { expect } from 'vitest';
import type { MemoryFilter } from '../spec/memory-store.js';
import { expectCode, sessionIn } from './conformance-sessions.js';
import type { ConformanceContext } from './store-conformance.js';
import { MODEL, memoryOf, unit } from './store-fixtures.js';

export function memoryConformance(c: ConformanceContext): void {
  c.test('insertMemory stores every field and getMemories returns them in the order asked', async () => {
    const store = c.store();
    const scope = { ...c.scope(), agentId: 'agent', namespace: 'ns' };
    const full = memoryOf(scope, {
      kind: 'summary',
      text: 'full record',
      context: 'around it',
      tags: ['a', 'b'],
      importance: 0.9,
      source: ['m1', 'm2'],
      contentHash: 'h-full',
      metadata: { nested: { x: [1, 'two', null] } },
      embedding: unit(1, 0, 0, 0),
      embeddingModel: MODEL,
      createdAt: 5000,
      validFrom: 4000,
      validTo: 9_999_999_999_999,
    });
    const record = await store.insertMemory(full);
    expect(record).toEqual({
      id: full.id,
      tenantId: scope.tenantId,
      userId: 'u1',
      agentId: 'agent',
      namespace: 'ns',
      sessionId: null,
      kind: 'summary',
      text: 'full record',
      context: 'around it',
      tags: ['a', 'b'],
      importance: expect.closeTo(0.9, 6),
      source: ['m1', 'm2'],
      contentHash: 'h-full',
      metadata: { nested: { x: [1, 'two', null] } },
      embeddingModel: MODEL,
      createdAt: 5000,
      updatedAt: 5000,
      validFrom: 4000,
      validTo: 9_999_999_999_999,
      supersededBy: null,
    });
    const bare = await store.insertMemory(memoryOf(c.scope()));
    expect(bare.agentId).toBeUndefined();
    expect(bare.namespace).toBeUndefined();
    expect(bare.embeddingModel).toBeNull();
    const other = await store.insertMemory(memoryOf(scope, { text: 'second' }));
    const got = await store.getMemories(scope.tenantId, [other.id, 'missing', full.id]);
    expect(got.map((m) => m.id)).toEqual([other.id, full.id]);
    expect(await store.getMemories(scope.tenantId, [])).toEqual([]);
    const vectors = await store.getEmbeddings(scope.tenantId, [full.id, other.id]);
    expect([...vectors.keys()]).toEqual([full.id]);
    expect(Array.from(vectors.get(full.id) ?? [])).toEqual(Array.from(unit(1, 0, 0, 0)));
  });

  c.test('insertMemories stores a batch at once, searchable, and all or none', async () => {
    const store = c.store();
    if (!store.insertMemories) throw new Error('insertMemories is optional: a store without it lists this test under `skip`, with why');
    const scope = c.scope();
    const filter = { tenantId: scope.tenantId, userId: scope.userId };
    const a = memoryOf(scope, { text: 'zanzibar ferry times', embedding: unit(1, 0, 0, 0), embeddingModel: MODEL });
    const b = memoryOf(scope, { text: 'zanzibar spice market', embedding: unit(0, 1, 0, 0), embeddingModel: MODEL });
    await store.insertMemories([a, b]);
    expect((await store.getMemories(scope.tenantId, [a.id, b.id])).map((m) => m.text)).toEqual([a.text, b.text]);
    expect((await store.keywordSearch(filter, ['zanzibar'], 10)).map((hit) => hit.id).sort()).toEqual([a.id, b.id].sort());
    expect((await store.vectorSearch(filter, unit(0, 1, 0, 0), MODEL, 1))[0]?.id).toBe(b.id);
    // The second memory of this batch reuses a's id: the batch fails and stores neither.
    const c1 = memoryOf(scope, { text: 'zanzibar night market' });
    await expect(store.insertMemories([c1, { ...memoryOf(scope), id: a.id }])).rejects.toThrow();
    expect(await store.getMemories(scope.tenantId, [c1.id])).toEqual([]);
    expect(await store.keywordSearch(filter, ['night'], 10)).toEqual([]);
    expect(await store.countMemories(filter)).toBe(2);
  });

  c.test('updateMemory applies the patch and returns null for an unknown id', async () => {
    const store = c.store();
    const scope = c.scope();
    const memory = await store.insertMemory(memoryOf(scope, { text: 'before', tags: ['x'] }));
    const updated = await store.updateMemory(scope.tenantId, memory.id, {
      text: 'after',
      context: 'ctx',
      tags: ['y', 'z'],
      importance: 0.25,
      metadata: { edited: true },
      contentHash: 'h-after',
      embedding: unit(0, 1, 0, 0),
      embeddingModel: MODEL,
      validTo: 8000,
      supersededBy: 'newer',
      updatedAt: 7000,
    });
    expect(updated).toMatchObject({
      id: memory.id,
      text: 'after',
      context: 'ctx',
      tags: ['y', 'z'],
      importance: 0.25,
      metadata: { edited: true },
      contentHash: 'h-after',
      embeddingModel: MODEL,
      validTo: 8000,
      supersededBy: 'newer',
      updatedAt: 7000,
      createdAt: memory.createdAt,
    });
    expect((await store.getMemories(scope.tenantId, [memory.id]))[0]).toEqual(updated);
    const cleared = await store.updateMemory(scope.tenantId, memory.id, {
      context: null,
      validTo: null,
      supersededBy: null,
      updatedAt: 8000,
    });
    expect(cleared).toMatchObject({ context: null, validTo: null, supersededBy: null, text: 'after' });
    expect(await store.updateMemory(scope.tenantId, 'missing', { text: 'x', updatedAt: 1 })).toBeNull();
  });

  c.test('listMemories pages in insertion order and refuses a stale cursor', async () => {
    const store = c.store();
    const scope = c.scope();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await store.insertMemory(memoryOf(scope, { text: `page ${i}`, createdAt: 10_000 - i }))).id);
    const filter = { tenantId: scope.tenantId };
    const one = await store.listMemories(filter, { limit: 2 });
    const two = await store.listMemories(filter, { limit: 2, after: one[1]?.id });
    const three = await store.listMemories(filter, { limit: 2, after: two[1]?.id });
    expect([...one, ...two, ...three].map((m) => m.id)).toEqual(ids);
    expect(await store.countMemories(filter)).toBe(5);
    await store.deleteMemories(scope.tenantId, [ids[1] as string]);
    await expectCode(store.listMemories(filter, { limit: 2, after: ids[1] }), 'INVALID_INPUT');
  });

  c.test('deleteMemories removes the memories and counts only those that existed', async () => {
    const store = c.store();
    const scope = c.scope();
    const a = await store.insertMemory(memoryOf(scope));
    const b = await store.insertMemory(memoryOf(scope));
    const keep = await store.insertMemory(memoryOf(scope));
    expect(await store.deleteMemories(scope.tenantId, [a.id, b.id, 'missing'])).toBe(2);
    expect(await store.deleteMemories(scope.tenantId, [a.id])).toBe(0);
    expect(await store.deleteMemories(scope.tenantId, [])).toBe(0);
    expect((await store.listMemories({ tenantId: scope.tenantId }, { limit: 10 })).map((m) => m.id)).toEqual([keep.id]);
  });

  c.test('filters: user, agent, session, namespace, kinds, tags, since/until, contentHash', async () => {
    const store = c.store();
    const scope = c.scope();
    const { tenantId } = scope;
    const session = await sessionIn(store, scope);
    const ids: Record<string, string> = {};
    const add = async (name: string, overrides: Parameters<typeof memoryOf>[1]) => {
      ids[name] = (await store.insertMemory(memoryOf(scope, overrides))).id;
    };
    await add('plain', { createdAt: 1000 });
    await add('agent', { agentId: 'bot', createdAt: 2000 });
    await add('ns', { namespace: 'work', createdAt: 3000, tags: ['red'] });
    await add('session', { sessionId: session, kind: 'turn', createdAt: 4000, tags: ['red', 'blue'] });
    await add('summary', { kind: 'summary', createdAt: 5000, contentHash: 'h-unique', tags: ['blue'] });
    await store.insertMemory(memoryOf({ tenantId, userId: 'u2' }, { createdAt: 1000 }));
    const names = async (filter: Omit<MemoryFilter, 'tenantId'>): Promise<string[]> => {
      const found = await store.listMemories({ tenantId, ...filter }, { limit: 100 });
      const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
      expect(await store.countMemories({ tenantId, ...filter })).toBe(found.length);
      return found.map((m) => byId.get(m.id) ?? 'u2').sort();
    };
    expect(await names({})).toEqual(['agent', 'ns', 'plain', 'session', 'summary', 'u2']);
    expect(await names({ userId: 'u1' })).toEqual(['agent', 'ns', 'plain', 'session', 'summary']);
    expect(await names({ userId: 'u2' })).toEqual(['u2']);
    expect(await names({ userId: 'u1', agentId: 'bot' })).toEqual(['agent']);
    expect(await names({ userId: 'u1', agentId: '' })).toEqual(['ns', 'plain', 'session', 'summary']);
    expect(await names({ namespace: 'work' })).toEqual(['ns']);
    expect(await names({ userId: 'u1', namespace: '' })).toEqual(['agent', 'plain', 'session', 'summary']);
    expect(await names({ sessionId: session })).toEqual(['session']);
    expect(await names({ kinds: ['turn', 'summary'] })).toEqual(['session', 'summary']);
    expect(await names({ tags: ['red'] })).toEqual(['ns', 'session']);
    expect(await names({ tags: ['red', 'blue'] })).toEqual(['session']);
    expect(await names({ userId: 'u1', since: 2000, until: 4000 })).toEqual(['agent', 'ns']);
    expect(await names({ userId: 'u1', since: 5000 })).toEqual(['summary']);
    expect(await names({ userId: 'u1', until: 1001 })).toEqual(['plain']);
    expect(await names({ userId: 'u1', contentHash: 'h-unique' })).toEqual(['summary']);
  });

  c.test('superseded and expired memories are hidden unless includeSuperseded', async () => {
    const store = c.store();
    const scope = c.scope();
    const live = await store.insertMemory(memoryOf(scope, { text: 'live' }));
    const future = await store.insertMemory(memoryOf(scope, { text: 'valid until later', validTo: Date.now() + 3_600_000 }));
    const expired = await store.insertMemory(memoryOf(scope, { text: 'expired', validTo: Date.now() - 1000 }));
    const old = await store.insertMemory(memoryOf(scope, { text: 'old version' }));
    await store.updateMemory(scope.tenantId, old.id, { supersededBy: live.id, updatedAt: Date.now() });
    const visible = await store.listMemories({ tenantId: scope.tenantId }, { limit: 10 });
    expect(visible.map((m) => m.id).sort()).toEqual([live.id, future.id].sort());
    expect(await store.countMemories({ tenantId: scope.tenantId })).toBe(2);
    const everything = await store.listMemories({ tenantId: scope.tenantId, includeSuperseded: true }, { limit: 10 });
    expect(everything.map((m) => m.id).sort()).toEqual([live.id, future.id, expired.id, old.id].sort());
    expect(await store.countMemories({ tenantId: scope.tenantId, includeSuperseded: true })).toBe(4);
  });

  c.test('tenant isolation: memories of one tenant are invisible to another and cannot be changed by it', async () => {
    const store = c.store();
    const scope = c.scope();
    const intruder = c.scope().tenantId;
    const memory = await store.insertMemory(memoryOf(scope, { embedding: unit(1, 1, 0, 0), embeddingModel: MODEL }));
    expect(await store.getMemories(intruder, [memory.id])).toEqual([]);
    expect((await store.getEmbeddings(intruder, [memory.id])).size).toBe(0);
    expect(await store.listMemories({ tenantId: intruder }, { limit: 10 })).toEqual([]);
    expect(await store.countMemories({ tenantId: intruder, userId: 'u1' })).toBe(0);
    expect(await store.updateMemory(intruder, memory.id, { text: 'hijacked', updatedAt: 1 })).toBeNull();
    expect(await store.deleteMemories(intruder, [memory.id])).toBe(0);
    expect((await store.getMemories(scope.tenantId, [memory.id]))[0]?.text).toBe(memory.text);
  });
}
