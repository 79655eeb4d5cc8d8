import { expect } from 'vitest';
import type { NewFact } from '../spec/memory-store.js';
import type { JsonValue, Scope } from '../spec/records.js';
import { sessionIn } from './conformance-sessions.js';
import type { ConformanceContext } from './store-conformance.js';
import { item, MODEL, memoryOf, newId, unit } from './store-fixtures.js';

function factOf(scope: Scope, key: string, value: JsonValue, validFrom: number): NewFact {
  return { ...scope, id: newId('fact'), subject: 'user', key, value, validFrom, recordedAt: validFrom, source: null };
}

export function factConformance(c: ConformanceContext): void {
  c.test('setFact closes the previous version; the same value is a no-op; getFacts asOf and allVersions', async () => {
    const store = c.store();
    const scope = c.scope();
    const first = await store.setFact({ ...factOf(scope, 'city', 'Paris', 1000), source: 'msg-1' });
    expect(first).toMatchObject({ created: true, closed: null });
    expect(first.fact).toMatchObject({ subject: 'user', key: 'city', value: 'Paris', validFrom: 1000, validTo: null, source: 'msg-1' });
    const same = await store.setFact(factOf(scope, 'city', 'Paris', 2000));
    expect(same.created).toBe(false);
    expect(same.fact.id).toBe(first.fact.id);
    const moved = await store.setFact(factOf(scope, 'city', 'Berlin', 3000));
    expect(moved.created).toBe(true);
    expect(moved.closed).toMatchObject({ id: first.fact.id, value: 'Paris', validTo: 3000 });
    await store.setFact(factOf(scope, 'profile', { age: 41, langs: ['en', 'tr'], pet: null }, 1000));
    const now = await store.getFacts({ ...scope });
    expect(now.map((f) => [f.key, f.value])).toEqual([
      ['city', 'Berlin'],
      ['profile', { age: 41, langs: ['en', 'tr'], pet: null }],
    ]);
    const then = await store.getFacts({ ...scope, key: 'city', asOf: 2500 });
    expect(then.map((f) => f.value)).toEqual(['Paris']);
    expect(await store.getFacts({ ...scope, key: 'city', asOf: 500 })).toEqual([]);
    const history = await store.getFacts({ ...scope, subject: 'user', key: 'city', allVersions: true });
    expect(history.map((f) => [f.value, f.validFrom, f.validTo])).toEqual([
      ['Paris', 1000, 3000],
      ['Berlin', 3000, null],
    ]);
    const typed = await store.setFact(factOf(scope, 'count', 3, 1000));
    expect((await store.setFact(factOf(scope, 'count', '3', 2000))).created).toBe(true);
    expect(typed.fact.value).toBe(3);
  });

  c.test('facts are scoped by user, agent and namespace', async () => {
    const store = c.store();
    const scope = c.scope();
    await store.setFact(factOf(scope, 'tone', 'formal', 1000));
    await store.setFact(factOf({ ...scope, agentId: 'bot' }, 'tone', 'casual', 1000));
    await store.setFact(factOf({ ...scope, userId: 'u2' }, 'tone', 'terse', 1000));
    expect((await store.getFacts({ ...scope })).map((f) => f.value)).toEqual(['formal']);
    expect((await store.getFacts({ ...scope, agentId: 'bot' })).map((f) => f.value)).toEqual(['casual']);
    expect((await store.getFacts({ ...scope, userId: 'u2' })).map((f) => f.value)).toEqual(['terse']);
    expect(await store.getFacts({ ...c.scope(), userId: 'u1' })).toEqual([]);
  });

  c.test('fact rules are stored per key, replaced on a second set, and attached to facts', async () => {
    const store = c.store();
    const scope = c.scope();
    expect(await store.getFactRule(scope, 'user', 'age')).toBeNull();
    await store.setFactRule(scope, 'user', 'age', { type: 'integer', min: 0, max: 150 });
    await store.setFactRule(scope, 'user', 'age', { type: 'integer', min: 0, max: 130, severity: 'error' });
    expect(await store.getFactRule(scope, 'user', 'age')).toEqual({ type: 'integer', min: 0, max: 130, severity: 'error' });
    await store.setFactRule(scope, 'user', 'colour', { enum: ['red', 'green'], pattern: '^[a-z]+$' });
    expect(await store.getFactRule(scope, 'user', 'colour')).toEqual({ enum: ['red', 'green'], pattern: '^[a-z]+$' });
    expect(await store.getFactRule({ ...scope, userId: 'u2' }, 'user', 'age')).toBeNull();
    await store.setFact(factOf(scope, 'age', 41, 1000));
    expect((await store.getFacts({ ...scope, key: 'age' }))[0]?.rule).toEqual({ type: 'integer', min: 0, max: 130, severity: 'error' });
    expect(await store.getFactRule({ ...scope, tenantId: c.scope().tenantId }, 'user', 'age')).toBeNull();
  });

  c.test('embedding cache: put then get by model and content hash', async () => {
    const store = c.store();
    const model = `${newId('cache-model')}:3`;
    const hash = newId('hash');
    await store.putCachedEmbeddings(model, new Map([[hash, unit(1, 2, 3)]]));
    await store.putCachedEmbeddings(model, new Map([[hash, unit(1, 2, 3)]]));
    const found = await store.getCachedEmbeddings(model, [hash, 'missing']);
    expect([...found.keys()]).toEqual([hash]);
    const vector = found.get(hash);
    expect(vector).toBeInstanceOf(Float32Array);
    expect(Array.from(vector ?? [])).toEqual(Array.from(unit(1, 2, 3)));
    expect((await store.getCachedEmbeddings(`${model}-other`, [hash])).size).toBe(0);
    expect((await store.getCachedEmbeddings(model, [])).size).toBe(0);
  });

  c.test('forgetUser erases the user everywhere, counts what went, and leaves other users intact', async () => {
    const store = c.store();
    const scope = c.scope();
    const other = { ...scope, userId: 'u2' };
    for (const who of [scope, other]) {
      const session = await sessionIn(store, who);
      const message = item({ content: 'zeppelin ride booked' });
      const turn = memoryOf(who, {
        kind: 'turn',
        sessionId: session,
        text: 'zeppelin ride booked',
        embedding: unit(1, 0, 0, 0),
        embeddingModel: MODEL,
      });
      await store.appendMessages(who.tenantId, session, [{ message: message.message, turn }, item()]);
      await store.insertMemory(memoryOf(who, { text: 'zeppelin hangar notes', embedding: unit(0, 1, 0, 0), embeddingModel: MODEL }));
      await store.setFact(factOf(who, 'vehicle', 'zeppelin', 1000));
      await store.setFactRule(who, 'user', 'vehicle', { type: 'string' });
    }
    const counts = await store.forgetUser(scope.tenantId, 'u1');
    expect(counts).toEqual({ sessions: 1, messages: 2, memories: 2, facts: 1 });
    expect(await store.listSessions({ tenantId: scope.tenantId, userId: 'u1' }, { limit: 10 })).toEqual([]);
    expect(await store.countMemories({ tenantId: scope.tenantId, userId: 'u1', includeSuperseded: true })).toBe(0);
    expect(await store.getFacts({ ...scope, allVersions: true })).toEqual([]);
    expect(await store.getFactRule(scope, 'user', 'vehicle')).toBeNull();
    expect(await store.keywordSearch({ tenantId: scope.tenantId, userId: 'u1' }, ['zeppelin'], 10)).toEqual([]);
    for (const exact of [true, false]) {
      expect(await store.vectorSearch({ tenantId: scope.tenantId, userId: 'u1' }, unit(1, 0, 0, 0), MODEL, 10, { exact })).toEqual([]);
    }
    const [left] = await store.listSessions({ tenantId: scope.tenantId, userId: 'u2' }, { limit: 10 });
    expect(left).toBeDefined();
    expect(await store.listMessages(scope.tenantId, left?.id ?? '', { limit: 10, order: 'asc' })).toHaveLength(2);
    expect(await store.countMemories({ tenantId: scope.tenantId, userId: 'u2' })).toBe(2);
    expect(await store.keywordSearch({ tenantId: scope.tenantId }, ['zeppelin'], 10)).toHaveLength(2);
    expect(await store.vectorSearch({ tenantId: scope.tenantId, userId: 'u2' }, unit(1, 0, 0, 0), MODEL, 10)).toHaveLength(2);
    expect(await store.getFacts({ ...other })).toHaveLength(1);
    expect(await store.getFactRule(other, 'user', 'vehicle')).toEqual({ type: 'string' });
    expect(await store.forgetUser(scope.tenantId, 'u1')).toEqual({ sessions: 0, messages: 0, memories: 0, facts: 0 });
  });
}
