import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { expectStrataError, memoryInRam, searchIds } from '../helpers/memory.js';

let memory: MemoryService;
beforeEach(async () => {
  memory = await memoryInRam();
});
afterEach(async () => {
  await memory.close();
});

describe('createSession', () => {
  it('creates a session with the given scope and metadata', async () => {
    const session = await memory.createSession({
      id: 's1',
      userId: 'alice',
      agentId: 'coach',
      metadata: { channel: 'web' },
      createdAt: 1_000,
    });
    expect(session).toMatchObject({
      tenantId: 'default',
      id: 's1',
      userId: 'alice',
      agentId: 'coach',
      metadata: { channel: 'web' },
      createdAt: 1_000,
      lastSeq: 0,
      summary: null,
    });
    expect(await memory.getSession('s1')).toEqual(session);
  });

  it('generates an id when none is given', async () => {
    const a = await memory.createSession({ userId: 'alice' });
    const b = await memory.createSession({ userId: 'alice' });
    expect(a.id).toMatch(/^ses_/);
    expect(b.id).not.toBe(a.id);
  });

  it('is idempotent: the same id and scope returns the existing session unchanged', async () => {
    const first = await memory.createSession({ id: 's1', userId: 'alice', metadata: { v: 1 }, createdAt: 1_000 });
    await memory.addMessages('s1', [{ role: 'user', content: 'hello there' }]);
    const again = await memory.createSession({ id: 's1', userId: 'alice', metadata: { v: 2 }, createdAt: 9_000 });
    expect(again.id).toBe(first.id);
    expect(again.createdAt).toBe(1_000);
    expect(again.metadata).toEqual({ v: 1 });
    expect(again.lastSeq).toBe(1);
    expect(await memory.listSessions({ userId: 'alice' })).toHaveLength(1);
  });

  it('raises SCOPE_CONFLICT when the id belongs to another user or agent', async () => {
    await memory.createSession({ id: 's1', userId: 'alice', agentId: 'coach' });
    await expectStrataError(memory.createSession({ id: 's1', userId: 'bob', agentId: 'coach' }), 'SCOPE_CONFLICT');
    await expectStrataError(memory.createSession({ id: 's1', userId: 'alice', agentId: 'tutor' }), 'SCOPE_CONFLICT');
    await expectStrataError(memory.createSession({ id: 's1', userId: 'alice' }), 'SCOPE_CONFLICT');
    expect((await memory.getSession('s1')).userId).toBe('alice');
  });

  it('lists sessions per user', async () => {
    await memory.createSession({ id: 'a1', userId: 'alice' });
    await memory.createSession({ id: 'a2', userId: 'alice' });
    await memory.createSession({ id: 'b1', userId: 'bob' });
    expect((await memory.listSessions({ userId: 'alice' })).map((s) => s.id).sort()).toEqual(['a1', 'a2']);
    expect(await memory.listSessions()).toHaveLength(3);
  });
});

describe('addMessages', () => {
  beforeEach(async () => {
    await memory.createSession({ id: 's1', userId: 'alice' });
  });

  it('assigns seq 1..n in a batch and continues monotonically across calls', async () => {
    const first = await memory.addMessages('s1', [
      { role: 'user', content: 'first message' },
      { role: 'assistant', content: 'second message' },
      { role: 'user', content: 'third message' },
    ]);
    expect(first.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(first.every((m) => m.created && m.memoryId !== null)).toBe(true);
    const second = await memory.addMessages('s1', [{ role: 'assistant', content: 'fourth' }]);
    const third = await memory.addMessages('s1', [
      { role: 'user', content: 'fifth' },
      { role: 'tool', content: 'sixth' },
    ]);
    expect([...second, ...third].map((m) => m.seq)).toEqual([4, 5, 6]);
    expect((await memory.getSession('s1')).lastSeq).toBe(6);
    expect(new Set([...first, ...second, ...third].map((m) => m.id)).size).toBe(6);
  });

  it('makes time-ordered ids (UUID v7): a later call’s message and turn ids sort after an earlier one’s', async () => {
    const calls: Array<Awaited<ReturnType<MemoryService['addMessages']>>> = [];
    for (let i = 0; i < 4; i++) {
      calls.push(await memory.addMessages('s1', [{ role: 'user', content: `message ${i}` }]));
      // A new millisecond: within one, v7 ids are ordered by their random bits only.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const ids = calls.map(([added]) => added?.id as string);
    const memoryIds = calls.map(([added]) => added?.memoryId as string);
    for (const id of ids) expect(id.slice('msg_'.length)).toMatch(v7);
    expect([...ids].sort()).toEqual(ids);
    expect([...memoryIds].sort()).toEqual(memoryIds);
    // The turn keeps its message's id (retention and neighbour links derive one from the other).
    expect(memoryIds).toEqual(ids.map((id) => `mem_${id.slice('msg_'.length)}`));
  });

  it('keeps seq per session', async () => {
    await memory.createSession({ id: 's2', userId: 'alice' });
    await memory.addMessages('s1', [{ role: 'user', content: 'one in s1' }]);
    const [inS2] = await memory.addMessages('s2', [{ role: 'user', content: 'one in s2' }]);
    expect(inS2?.seq).toBe(1);
  });

  it('stores role, name, content, metadata and time, and indexes each message as a turn memory', async () => {
    const [added] = await memory.addMessages('s1', [
      {
        role: 'user',
        name: 'Caroline',
        content: 'I adopted a kitten named Pickle',
        metadata: { lang: 'en' },
        createdAt: '2026-03-02T09:14:00Z',
      },
    ]);
    const [message] = await memory.listMessages('s1');
    expect(message).toMatchObject({
      id: added?.id,
      seq: 1,
      role: 'user',
      name: 'Caroline',
      content: 'I adopted a kitten named Pickle',
      metadata: { lang: 'en' },
      createdAt: Date.parse('2026-03-02T09:14:00Z'),
      clientMsgId: null,
    });
    expect(message?.tokenCount).toBe(memory.tokenizer.count('I adopted a kitten named Pickle'));
    const turn = await memory.getMemory(added?.memoryId as string);
    expect(turn).toMatchObject({ kind: 'turn', userId: 'alice', sessionId: 's1', source: [added?.id] });
    expect(turn.text).toContain('Caroline');
    expect(turn.text).toContain('I adopted a kitten named Pickle');
  });

  it('makes the speaker name searchable', async () => {
    await memory.addMessages('s1', [
      { role: 'user', name: 'Caroline', content: 'I went to the support group yesterday' },
      { role: 'user', name: 'Melanie', content: 'I painted a sunrise over the lake' },
    ]);
    const results = (await memory.search('Caroline', { userId: 'alice', mode: 'keyword' })).results;
    expect(results[0]?.memory.text).toContain('support group');
    // A neighbouring turn may also match through its context, but below the speaker's own turn.
    const melanie = (await memory.search('Melanie', { userId: 'alice', mode: 'keyword' })).results;
    expect(melanie[0]?.memory.text).toContain('sunrise');
  });
});

describe('listMessages', () => {
  beforeEach(async () => {
    await memory.createSession({ id: 's1', userId: 'alice' });
    for (let i = 1; i <= 7; i++) await memory.addMessages('s1', [{ role: i % 2 ? 'user' : 'assistant', content: `message number ${i}` }]);
  });

  it('returns messages in seq order', async () => {
    const messages = await memory.listMessages('s1');
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(messages.map((m) => m.content)).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `message number ${i}`));
  });

  it('pages with afterSeq and limit', async () => {
    expect((await memory.listMessages('s1', { afterSeq: 3, limit: 2 })).map((m) => m.seq)).toEqual([4, 5]);
    expect((await memory.listMessages('s1', { afterSeq: 5 })).map((m) => m.seq)).toEqual([6, 7]);
    expect(await memory.listMessages('s1', { afterSeq: 7 })).toEqual([]);
    expect((await memory.listMessages('s1', { limit: 3, order: 'desc' })).map((m) => m.seq)).toEqual([7, 6, 5]);
  });

  it('rejects a bad afterSeq or limit', async () => {
    await expectStrataError(memory.listMessages('s1', { afterSeq: -1 }), 'INVALID_INPUT');
    await expectStrataError(memory.listMessages('s1', { afterSeq: 1.5 }), 'INVALID_INPUT');
    await expectStrataError(memory.listMessages('s1', { limit: 0 }), 'INVALID_INPUT');
  });

  it('raises SESSION_NOT_FOUND for an unknown session', async () => {
    await expectStrataError(memory.listMessages('nope'), 'SESSION_NOT_FOUND');
  });
});

describe('idempotency on clientMsgId', () => {
  beforeEach(async () => {
    await memory.createSession({ id: 's1', userId: 'alice' });
  });

  it('across calls: the second write returns the first result and stores nothing', async () => {
    const [first] = await memory.addMessages('s1', [{ role: 'user', content: 'book the ferry to Bergen', clientMsgId: 'c-1' }]);
    const [again] = await memory.addMessages('s1', [{ role: 'user', content: 'book the ferry to Bergen', clientMsgId: 'c-1' }]);
    expect(first).toMatchObject({ created: true, clientMsgId: 'c-1', seq: 1 });
    expect(again).toEqual({ ...first, created: false });
    expect(await memory.listMessages('s1')).toHaveLength(1);
    expect(await memory.countMemories({ kinds: ['turn'] })).toBe(1);
    expect((await memory.getSession('s1')).lastSeq).toBe(1);
  });

  it('within one batch: the duplicate gets the first one’s id and seq', async () => {
    const results = await memory.addMessages('s1', [
      { role: 'user', content: 'pack the rain jacket', clientMsgId: 'c-1' },
      { role: 'assistant', content: 'noted', clientMsgId: 'c-2' },
      { role: 'user', content: 'pack the rain jacket', clientMsgId: 'c-1' },
    ]);
    expect(results.map((r) => [r.seq, r.created])).toEqual([
      [1, true],
      [2, true],
      [1, false],
    ]);
    expect(results[2]?.id).toBe(results[0]?.id);
    expect(results[2]?.memoryId).toBe(results[0]?.memoryId);
    expect(await memory.listMessages('s1')).toHaveLength(2);
    expect(await memory.countMemories({ kinds: ['turn'] })).toBe(2);
  });

  it('a retried batch with one new message stores only the new one, after the old seqs', async () => {
    await memory.addMessages('s1', [
      { role: 'user', content: 'alpha', clientMsgId: 'a' },
      { role: 'user', content: 'beta', clientMsgId: 'b' },
    ]);
    const retried = await memory.addMessages('s1', [
      { role: 'user', content: 'alpha', clientMsgId: 'a' },
      { role: 'user', content: 'beta', clientMsgId: 'b' },
      { role: 'user', content: 'gamma', clientMsgId: 'c' },
    ]);
    expect(retried.map((r) => [r.seq, r.created])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(await memory.countMemories({ kinds: ['turn'] })).toBe(3);
    // Three turns close no four-turn chunk yet.
    expect(await memory.countMemories({ kinds: ['episode'] })).toBe(0);
  });

  it('the same clientMsgId in another session is a different message', async () => {
    await memory.createSession({ id: 's2', userId: 'alice' });
    const [a] = await memory.addMessages('s1', [{ role: 'user', content: 'same words', clientMsgId: 'c-1' }]);
    const [b] = await memory.addMessages('s2', [{ role: 'user', content: 'same words', clientMsgId: 'c-1' }]);
    expect(b?.created).toBe(true);
    expect(b?.id).not.toBe(a?.id);
  });
});

describe('read-your-writes', () => {
  it('a message is found by keyword and by vector search as soon as addMessages resolves', async () => {
    await memory.createSession({ id: 's1', userId: 'alice' });
    await memory.addMessages('s1', [{ role: 'user', content: 'I keep my bicycle in the garden shed' }]);
    const [added] = await memory.addMessages('s1', [{ role: 'user', content: 'My grandmother grows tomatoes in Lisbon' }]);
    expect((await searchIds(memory, 'grandmother tomatoes Lisbon', { userId: 'alice', mode: 'keyword' }))[0]).toBe(added?.memoryId);
    expect((await searchIds(memory, 'My grandmother grows tomatoes in Lisbon', { userId: 'alice', mode: 'vector' }))[0]).toBe(
      added?.memoryId,
    );
  });
});
