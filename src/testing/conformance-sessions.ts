import { expect } from 'vitest';
import { StrataError } from '../errors/strata-error.js';
import type { MemoryStoreV1 } from '../spec/memory-store.js';
import type { Scope } from '../spec/records.js';
import type { ConformanceContext } from './store-conformance.js';
import { item, memoryOf, newId } from './store-fixtures.js';

/** Rejects with a StrataError of this code. */
export async function expectCode(action: Promise<unknown>, code: string): Promise<void> {
  const error = await action.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error, `expected a StrataError ${code}`).toBeInstanceOf(StrataError);
  expect((error as StrataError).code).toBe(code);
}

export async function sessionIn(store: MemoryStoreV1, scope: Scope, createdAt = 1_700_000_000_000): Promise<string> {
  const id = newId('session');
  await store.ensureSession({ ...scope, id, metadata: { topic: 'test' }, createdAt });
  return id;
}

export function sessionConformance(c: ConformanceContext): void {
  c.test('ensureSession creates a session and returns the existing one on a second call', async () => {
    const store = c.store();
    const scope = { ...c.scope(), agentId: 'agent-a' };
    const created = await store.ensureSession({ ...scope, id: 's1', metadata: { a: 1 }, createdAt: 1000 });
    expect(created).toMatchObject({ tenantId: scope.tenantId, id: 's1', userId: 'u1', agentId: 'agent-a', metadata: { a: 1 } });
    expect(created).toMatchObject({ createdAt: 1000, updatedAt: 1000, summary: null, summarizedUpToSeq: 0, lastSeq: 0 });
    expect(created.namespace).toBeUndefined();
    const again = await store.ensureSession({ ...scope, id: 's1', metadata: { a: 2 }, createdAt: 5000 });
    expect(again).toEqual(created);
    expect(await store.getSession(scope.tenantId, 's1')).toEqual(created);
    expect(await store.getSession(scope.tenantId, 'missing')).toBeNull();
  });

  c.test('ensureSession refuses a session id of another scope with SCOPE_CONFLICT', async () => {
    const store = c.store();
    const scope = c.scope();
    await store.ensureSession({ ...scope, id: 's1', metadata: {}, createdAt: 1000 });
    await expectCode(store.ensureSession({ ...scope, userId: 'u2', id: 's1', metadata: {}, createdAt: 1000 }), 'SCOPE_CONFLICT');
    await expectCode(store.ensureSession({ ...scope, agentId: 'x', id: 's1', metadata: {}, createdAt: 1000 }), 'SCOPE_CONFLICT');
    expect((await store.getSession(scope.tenantId, 's1'))?.userId).toBe('u1');
  });

  c.test('listSessions filters by user and agent and pages in creation order', async () => {
    const store = c.store();
    const scope = c.scope();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = `s${i}`;
      await store.ensureSession({ ...scope, agentId: i % 2 === 0 ? 'even' : undefined, id, metadata: {}, createdAt: 1000 + i });
      ids.push(id);
    }
    await store.ensureSession({ ...scope, userId: 'u2', id: 'other', metadata: {}, createdAt: 999 });
    const first = await store.listSessions({ tenantId: scope.tenantId, userId: 'u1' }, { limit: 2 });
    expect(first.map((s) => s.id)).toEqual(['s0', 's1']);
    const second = await store.listSessions({ tenantId: scope.tenantId, userId: 'u1' }, { limit: 2, after: 's1' });
    expect(second.map((s) => s.id)).toEqual(['s2', 's3']);
    const last = await store.listSessions({ tenantId: scope.tenantId, userId: 'u1' }, { limit: 2, after: 's3' });
    expect(last.map((s) => s.id)).toEqual(['s4']);
    const even = await store.listSessions({ tenantId: scope.tenantId, agentId: 'even' }, { limit: 10 });
    expect(even.map((s) => s.id)).toEqual(['s0', 's2', 's4']);
    const all = await store.listSessions({ tenantId: scope.tenantId }, { limit: 10 });
    expect(all.map((s) => s.id)).toEqual(['other', ...ids]);
    await expectCode(store.listSessions({ tenantId: scope.tenantId }, { limit: 2, after: 'gone' }), 'INVALID_INPUT');
  });

  c.test('appendMessages assigns a monotonic seq per session and advances lastSeq', async () => {
    const store = c.store();
    const scope = c.scope();
    const a = await sessionIn(store, scope, 1000);
    const b = await sessionIn(store, scope, 1000);
    const first = await store.appendMessages(scope.tenantId, a, [item({ createdAt: 2000 }), item({ role: 'assistant', createdAt: 3000 })]);
    expect(first.map((r) => [r.message.seq, r.created, r.memoryId])).toEqual([
      [1, true, null],
      [2, true, null],
    ]);
    expect(first[0]?.message).toMatchObject({ tenantId: scope.tenantId, sessionId: a, role: 'user' });
    const other = await store.appendMessages(scope.tenantId, b, [item()]);
    expect(other[0]?.message.seq).toBe(1);
    const third = await store.appendMessages(scope.tenantId, a, [
      item({ name: 'Caroline', metadata: { k: 'v' }, tokenCount: 7, createdAt: 2500 }),
    ]);
    expect(third[0]?.message).toMatchObject({ seq: 3, name: 'Caroline', metadata: { k: 'v' }, tokenCount: 7 });
    const session = await store.getSession(scope.tenantId, a);
    expect(session?.lastSeq).toBe(3);
    // updatedAt is the latest message time seen, not the last one appended.
    expect(session?.updatedAt).toBe(3000);
  });

  c.test('appendMessages stores a turn memory with its message', async () => {
    const store = c.store();
    const scope = c.scope();
    const session = await sessionIn(store, scope);
    const message = item({ content: 'the turn text' });
    const turn = memoryOf(scope, { kind: 'turn', sessionId: session, text: 'the turn text', source: [message.message.id] });
    const [result] = await store.appendMessages(scope.tenantId, session, [{ message: message.message, turn }]);
    expect(result?.memoryId).toBe(turn.id);
    const [stored] = await store.getMemories(scope.tenantId, [turn.id]);
    expect(stored).toMatchObject({ kind: 'turn', sessionId: session, text: 'the turn text', source: [message.message.id] });
  });

  c.test('appendMessages is idempotent on clientMsgId: the first record comes back with created false', async () => {
    const store = c.store();
    const scope = c.scope();
    const session = await sessionIn(store, scope);
    const once = item({ clientMsgId: 'c-1', content: 'once only' });
    const turn = memoryOf(scope, { kind: 'turn', sessionId: session, text: 'once only', source: [once.message.id] });
    const [first] = await store.appendMessages(scope.tenantId, session, [{ message: once.message, turn }]);
    const retry = item({ clientMsgId: 'c-1', content: 'once only' });
    const retryTurn = memoryOf(scope, { kind: 'turn', sessionId: session, text: 'once only', source: [retry.message.id] });
    const [second] = await store.appendMessages(scope.tenantId, session, [{ message: retry.message, turn: retryTurn }]);
    expect(first?.created).toBe(true);
    expect(second?.created).toBe(false);
    expect(second?.message).toEqual(first?.message);
    expect(second?.memoryId).toBe(turn.id);
    expect(await store.listMessages(scope.tenantId, session, { limit: 10, order: 'asc' })).toHaveLength(1);
    expect(await store.countMemories({ tenantId: scope.tenantId })).toBe(1);
    expect((await store.getSession(scope.tenantId, session))?.lastSeq).toBe(1);
    const found = await store.findByClientMsgIds(scope.tenantId, session, ['c-1', 'c-none']);
    expect([...found.keys()]).toEqual(['c-1']);
    expect(found.get('c-1')?.id).toBe(once.message.id);
  });

  c.test('a repeated clientMsgId inside one batch stores one message', async () => {
    const store = c.store();
    const scope = c.scope();
    const session = await sessionIn(store, scope);
    const results = await store.appendMessages(scope.tenantId, session, [
      item({ clientMsgId: 'dup', content: 'same' }),
      item({ clientMsgId: 'dup', content: 'same' }),
      item({ clientMsgId: 'next', content: 'other' }),
    ]);
    expect(results.map((r) => r.created)).toEqual([true, false, true]);
    expect(results.map((r) => r.message.seq)).toEqual([1, 1, 2]);
  });

  c.test('a clientMsgId reused for another message fails with IDEMPOTENCY_CONFLICT and writes nothing of the batch', async () => {
    const store = c.store();
    const scope = c.scope();
    const session = await sessionIn(store, scope);
    await store.appendMessages(scope.tenantId, session, [item({ clientMsgId: 'c-1', content: 'original' })]);
    const fresh = item({ content: 'would be new' });
    const turn = memoryOf(scope, { kind: 'turn', sessionId: session, text: 'would be new' });
    await expectCode(
      store.appendMessages(scope.tenantId, session, [{ message: fresh.message, turn }, item({ clientMsgId: 'c-1', content: 'changed' })]),
      'IDEMPOTENCY_CONFLICT',
    );
    expect(await store.listMessages(scope.tenantId, session, { limit: 10, order: 'asc' })).toHaveLength(1);
    expect(await store.getMemories(scope.tenantId, [turn.id])).toEqual([]);
    expect((await store.getSession(scope.tenantId, session))?.lastSeq).toBe(1);
  });

  c.test('appendMessages to an unknown session fails with SESSION_NOT_FOUND', async () => {
    const store = c.store();
    const scope = c.scope();
    await expectCode(store.appendMessages(scope.tenantId, 'nope', [item()]), 'SESSION_NOT_FOUND');
  });

  c.test('listMessages orders by seq and honours afterSeq, beforeSeq and limit', async () => {
    const store = c.store();
    const scope = c.scope();
    const session = await sessionIn(store, scope);
    await store.appendMessages(
      scope.tenantId,
      session,
      Array.from({ length: 6 }, (_, i) => item({ content: `m${i + 1}` })),
    );
    const contents = async (query: Parameters<MemoryStoreV1['listMessages']>[2]): Promise<string[]> =>
      (await store.listMessages(scope.tenantId, session, query)).map((m) => m.content);
    expect(await contents({ limit: 10, order: 'asc' })).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect(await contents({ limit: 2, order: 'desc' })).toEqual(['m6', 'm5']);
    expect(await contents({ limit: 10, order: 'asc', afterSeq: 4 })).toEqual(['m5', 'm6']);
    expect(await contents({ limit: 10, order: 'desc', beforeSeq: 3 })).toEqual(['m2', 'm1']);
    expect(await contents({ limit: 10, order: 'asc', afterSeq: 1, beforeSeq: 4 })).toEqual(['m2', 'm3']);
  });

  c.test('two writers appending concurrently to one session leave no seq gap or duplicate', async () => {
    const store = c.store();
    const peer = await c.peer();
    const scope = c.scope();
    const session = await sessionIn(store, scope);
    const writes = (writer: MemoryStoreV1, name: string) =>
      Array.from({ length: 12 }, (_, i) =>
        writer.appendMessages(scope.tenantId, session, [item({ content: `${name}-${i}`, clientMsgId: `${name}-${i}` })]),
      );
    const results = await Promise.all([...writes(store, 'a'), ...writes(peer, 'b'), ...writes(store, 'a')]);
    expect(results.flat().filter((r) => r.created)).toHaveLength(24);
    const messages = await peer.listMessages(scope.tenantId, session, { limit: 100, order: 'asc' });
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(new Set(messages.map((m) => m.content)).size).toBe(24);
    expect((await store.getSession(scope.tenantId, session))?.lastSeq).toBe(24);
  });

  c.test('tenant isolation: sessions and messages of one tenant are invisible to another', async () => {
    const store = c.store();
    const scope = c.scope();
    const intruder = c.scope().tenantId;
    const session = await sessionIn(store, scope);
    await store.appendMessages(scope.tenantId, session, [item({ clientMsgId: 'c-1' })]);
    expect(await store.getSession(intruder, session)).toBeNull();
    expect(await store.listSessions({ tenantId: intruder }, { limit: 10 })).toEqual([]);
    expect(await store.listMessages(intruder, session, { limit: 10, order: 'asc' })).toEqual([]);
    expect((await store.findByClientMsgIds(intruder, session, ['c-1'])).size).toBe(0);
    await expectCode(store.appendMessages(intruder, session, [item()]), 'SESSION_NOT_FOUND');
    // The same session id in another tenant is another session.
    await store.ensureSession({ tenantId: intruder, userId: 'someone-else', id: session, metadata: {}, createdAt: 1 });
    expect((await store.getSession(scope.tenantId, session))?.userId).toBe('u1');
  });
}
