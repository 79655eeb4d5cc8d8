import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { expectStrataError, memoryInRam, searchIds, TOPICS } from '../helpers/memory.js';

let memory: MemoryService;
beforeEach(async () => {
  memory = await memoryInRam();
});
afterEach(async () => {
  await memory.close();
});

describe('remember', () => {
  it('stores a note with its scope, tags, importance, metadata and embedding model', async () => {
    const { memory: note, created } = await memory.remember({
      userId: 'alice',
      agentId: 'coach',
      text: 'Alice prefers morning runs before work',
      tags: ['running', 'schedule', 'running'],
      importance: 0.9,
      metadata: { origin: 'test' },
      createdAt: '2026-01-05T07:00:00Z',
    });
    expect(created).toBe(true);
    expect(note).toMatchObject({
      tenantId: 'default',
      userId: 'alice',
      agentId: 'coach',
      kind: 'note',
      text: 'Alice prefers morning runs before work',
      tags: ['running', 'schedule'],
      importance: 0.9,
      metadata: { origin: 'test' },
      embeddingModel: memory.embedder.modelId,
      createdAt: Date.parse('2026-01-05T07:00:00Z'),
      validTo: null,
      supersededBy: null,
    });
    expect(await memory.getMemory(note.id)).toEqual(note);
  });

  it('dedupes by content: the same text again returns the first memory with created:false', async () => {
    const first = await memory.remember({ userId: 'alice', text: 'Allergic to shellfish' });
    const second = await memory.remember({ userId: 'alice', text: 'Allergic to shellfish', tags: ['other'] });
    expect(second.created).toBe(false);
    expect(second.memory.id).toBe(first.memory.id);
    expect(await memory.countMemories()).toBe(1);
    // Another user, or another kind, is another memory.
    expect((await memory.remember({ userId: 'bob', text: 'Allergic to shellfish' })).created).toBe(true);
    expect((await memory.remember({ userId: 'alice', text: 'Allergic to shellfish', kind: 'fact' })).created).toBe(true);
    expect(await memory.countMemories()).toBe(3);
  });

  it('does not dedupe across agents: an agent-less note is not an agent’s note', async () => {
    // Bug (src/core/memory-service.ts remember): the dedupe lookup leaves agentId/namespace
    // unconstrained when they are absent, so it returns the agent's memory for a user-level one.
    const coach = await memory.remember({ userId: 'alice', agentId: 'coach', text: 'Prefers trail shoes' });
    const userLevel = await memory.remember({ userId: 'alice', text: 'Prefers trail shoes' });
    expect(userLevel.created).toBe(true);
    expect(userLevel.memory.id).not.toBe(coach.memory.id);
    expect(userLevel.memory.agentId).toBeUndefined();
  });

  it('ties a memory to a session only when the session exists', async () => {
    await expectStrataError(memory.remember({ userId: 'alice', text: 'orphan', sessionId: 'missing' }), 'SESSION_NOT_FOUND');
    await memory.createSession({ id: 's1', userId: 'alice' });
    const { memory: note } = await memory.remember({ userId: 'alice', text: 'in a session', sessionId: 's1' });
    expect(note.sessionId).toBe('s1');
    expect(await memory.countMemories()).toBe(1);
  });

  it('rejects bad input and stores nothing', async () => {
    await expectStrataError(memory.remember({ userId: 'alice', text: '' }), 'INVALID_INPUT');
    await expectStrataError(memory.remember({ userId: 'alice', text: '  \n\t ' }), 'INVALID_INPUT');
    await expectStrataError(memory.remember({ userId: 'alice', text: 'x', kind: 'dream' as 'note' }), 'INVALID_INPUT');
    await expectStrataError(memory.remember({ userId: 'alice', text: 'x', importance: 1.5 }), 'INVALID_INPUT');
    await expectStrataError(memory.remember({ userId: 'alice', text: 'x', tags: [''] }), 'INVALID_INPUT');
    await expectStrataError(memory.remember({ userId: 'alice', text: 'x', metadata: [] as never }), 'INVALID_INPUT');
    await expectStrataError(memory.remember({ userId: '../x', text: 'x' }), 'INVALID_ID');
    await expectStrataError(memory.remember({ userId: 'alice', text: 'x', source: ['bad id'] }), 'INVALID_ID');
    expect(await memory.countMemories()).toBe(0);
  });
});

describe('updateMemory', () => {
  it('changes tags, importance and metadata in place', async () => {
    const { memory: note } = await memory.remember({ userId: 'alice', text: 'Likes green tea', tags: ['drinks'] });
    const updated = await memory.updateMemory(note.id, { tags: ['drinks', 'tea'], importance: 0.2, metadata: { checked: true } });
    expect(updated).toMatchObject({
      id: note.id,
      text: 'Likes green tea',
      tags: ['drinks', 'tea'],
      importance: 0.2,
      metadata: { checked: true },
    });
    expect(await memory.getMemory(note.id)).toEqual(updated);
    expect(await searchIds(memory, 'tea', { userId: 'alice', tags: ['tea'] })).toEqual([note.id]);
  });

  it('a new text is re-embedded and re-indexed: found by the new text, not the old', async () => {
    for (const text of TOPICS.slice(0, 6)) await memory.remember({ userId: 'alice', text });
    const { memory: note } = await memory.remember({ userId: 'alice', text: 'The submarine periscope needs new gaskets' });
    const updated = await memory.updateMemory(note.id, { text: 'Grandma bakes cinnamon pretzels every Sunday' });
    expect(updated.text).toBe('Grandma bakes cinnamon pretzels every Sunday');
    expect(updated.contentHash).not.toBe(note.contentHash);

    expect(await searchIds(memory, 'submarine periscope', { userId: 'alice', mode: 'keyword' })).toEqual([]);
    expect(await searchIds(memory, 'cinnamon pretzels', { userId: 'alice', mode: 'keyword' })).toEqual([note.id]);
    const byNewVector = await searchIds(memory, 'Grandma bakes cinnamon pretzels every Sunday', { userId: 'alice', mode: 'vector' });
    expect(byNewVector[0]).toBe(note.id);
    const byOldVector = await searchIds(memory, 'The submarine periscope needs new gaskets', { userId: 'alice', mode: 'vector' });
    expect(byOldVector[0]).not.toBe(note.id);
    // Dedupe follows the new text.
    expect((await memory.remember({ userId: 'alice', text: 'Grandma bakes cinnamon pretzels every Sunday' })).created).toBe(false);
  });

  it('raises MEMORY_NOT_FOUND for an unknown id and INVALID_INPUT for a blank text', async () => {
    await expectStrataError(memory.updateMemory('mem_nope', { importance: 0.1 }), 'MEMORY_NOT_FOUND');
    const { memory: note } = await memory.remember({ userId: 'alice', text: 'keep me' });
    await expectStrataError(memory.updateMemory(note.id, { text: ' ' }), 'INVALID_INPUT');
    expect((await memory.getMemory(note.id)).text).toBe('keep me');
  });
});

describe('forget', () => {
  it('removes the memory from the table, the keyword index and the vector index', async () => {
    for (const text of TOPICS.slice(0, 6)) await memory.remember({ userId: 'alice', text });
    const { memory: note } = await memory.remember({ userId: 'alice', text: 'The lighthouse keeper feeds three seagulls' });
    expect(await searchIds(memory, 'lighthouse seagulls', { userId: 'alice', mode: 'keyword' })).toEqual([note.id]);
    await memory.forget(note.id);
    expect(await searchIds(memory, 'lighthouse seagulls', { userId: 'alice', mode: 'keyword' })).toEqual([]);
    const vector = await searchIds(memory, 'The lighthouse keeper feeds three seagulls', { userId: 'alice', mode: 'vector', k: 50 });
    expect(vector).not.toContain(note.id);
    expect(vector).toHaveLength(6);
    expect(await searchIds(memory, 'lighthouse', { userId: 'alice', k: 50 })).not.toContain(note.id);
    await expectStrataError(memory.getMemory(note.id), 'MEMORY_NOT_FOUND');
    await expectStrataError(memory.forget(note.id), 'MEMORY_NOT_FOUND');
    expect(await memory.countMemories()).toBe(6);
  });

  it('forgets a turn memory without touching the message log', async () => {
    await memory.createSession({ id: 's1', userId: 'alice' });
    const [added] = await memory.addMessages('s1', [{ role: 'user', content: 'Remember the blue umbrella' }]);
    await memory.forget(added?.memoryId as string);
    expect(await searchIds(memory, 'blue umbrella', { userId: 'alice' })).toEqual([]);
    expect(await memory.listMessages('s1')).toHaveLength(1);
  });
});

describe('listMemories and countMemories', () => {
  it('pages through every memory exactly once', async () => {
    for (const text of TOPICS.slice(0, 7)) await memory.remember({ userId: 'alice', text });
    await memory.remember({ userId: 'bob', text: 'bob’s only memory' });
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await memory.listMemories({ userId: 'alice', limit: 3, after });
      expect(page.length).toBeLessThanOrEqual(3);
      if (page.length === 0) break;
      seen.push(...page.map((m) => m.id));
      after = page[page.length - 1]?.id;
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect(await memory.countMemories({ userId: 'alice' })).toBe(7);
    expect(await memory.countMemories()).toBe(8);
    expect(await memory.countMemories({ userId: 'carol' })).toBe(0);
  });

  it('a page cursor whose memory was forgotten meanwhile is refused, not restarted from the first page', async () => {
    // An `after` id that no longer exists used to be ignored, so the "next" page was the first
    // page again. It is now a typed INVALID_INPUT naming the field.
    for (const text of TOPICS.slice(0, 6)) await memory.remember({ userId: 'alice', text });
    const first = await memory.listMemories({ userId: 'alice', limit: 2 });
    const cursor = first[1]?.id as string;
    const next = await memory.listMemories({ userId: 'alice', limit: 2, after: cursor });
    expect(next.map((m) => m.id)).not.toContain(first[0]?.id);
    await memory.forget(cursor);
    await expectStrataError(memory.listMemories({ userId: 'alice', limit: 2, after: cursor }), 'INVALID_INPUT');
  });

  it('applies the same filters as search', async () => {
    await memory.remember({ userId: 'alice', text: 'a tagged note', tags: ['x'], createdAt: 1_000 });
    await memory.remember({ userId: 'alice', text: 'a summary', kind: 'summary', createdAt: 2_000 });
    await memory.remember({ userId: 'alice', text: 'a later note', createdAt: 3_000 });
    expect(await memory.countMemories({ tags: ['x'] })).toBe(1);
    expect(await memory.countMemories({ kinds: ['summary'] })).toBe(1);
    expect(await memory.countMemories({ kinds: ['note'] })).toBe(2);
    expect(await memory.countMemories({ since: 2_000 })).toBe(2);
    expect(await memory.countMemories({ until: 2_000 })).toBe(1);
    expect((await memory.listMemories({ kinds: ['note'], since: 2_000 })).map((m) => m.text)).toEqual(['a later note']);
  });

  it('rejects a bad page size', async () => {
    await expectStrataError(memory.listMemories({ limit: 0 }), 'INVALID_INPUT');
    await expectStrataError(memory.listMemories({ limit: 1001 }), 'INVALID_INPUT');
  });
});

describe('forgetUser', () => {
  it('erases every session, message, memory and fact of one user and nothing of another', async () => {
    for (const userId of ['alice', 'bob']) {
      await memory.createSession({ id: `${userId}-s1`, userId });
      await memory.createSession({ id: `${userId}-s2`, userId });
      await memory.addMessages(`${userId}-s1`, [
        { role: 'user', content: `${userId} keeps bees on the allotment` },
        { role: 'assistant', content: `${userId} should wear a veil near the hives` },
      ]);
      await memory.addMessages(`${userId}-s2`, [{ role: 'user', content: `${userId} sells honey at the market` }]);
      await memory.remember({ userId, text: `${userId} is allergic to wasp stings` });
      await memory.setFact({ userId, subject: 'user', key: 'hives', value: 3, validFrom: 1_000 });
      await memory.setFact({ userId, subject: 'user', key: 'hives', value: 4, validFrom: 2_000 });
      await memory.setFactRule({ userId, subject: 'user', key: 'hives' }, { type: 'integer', max: 10 });
    }
    const counts = await memory.forgetUser('alice');
    expect(counts).toEqual({ sessions: 2, messages: 3, memories: 4, facts: 2 });

    await expectStrataError(memory.getSession('alice-s1'), 'SESSION_NOT_FOUND');
    expect(await memory.listSessions({ userId: 'alice' })).toEqual([]);
    expect(await memory.countMemories({ userId: 'alice' })).toBe(0);
    for (const mode of ['keyword', 'vector', 'hybrid'] as const) {
      const everyone = (await memory.search('alice bees honey wasp', { mode, k: 50 })).results;
      expect(everyone.some((r) => r.memory.userId === 'alice' || r.memory.text.includes('alice'))).toBe(false);
    }
    expect(await memory.getFacts({ userId: 'alice' })).toEqual([]);
    expect(await memory.factHistory({ userId: 'alice', subject: 'user', key: 'hives' })).toEqual([]);
    expect((await memory.validate({ userId: 'alice', subject: 'user', key: 'hives' }, 99)).rule).toBeNull();

    // Bob is intact.
    expect(await memory.listSessions({ userId: 'bob' })).toHaveLength(2);
    expect(await memory.listMessages('bob-s1')).toHaveLength(2);
    expect(await memory.countMemories({ userId: 'bob' })).toBe(4);
    expect((await memory.search('bees allotment', { userId: 'bob' })).results[0]?.memory.text).toContain('bob keeps bees');
    expect((await memory.getFacts({ userId: 'bob' }))[0]?.value).toBe(4);
    expect((await memory.validate({ userId: 'bob', subject: 'user', key: 'hives' }, 99)).valid).toBe(false);

    // The user can start again from nothing.
    expect(await memory.forgetUser('alice')).toEqual({ sessions: 0, messages: 0, memories: 0, facts: 0 });
    const again = await memory.createSession({ id: 'alice-s1', userId: 'alice' });
    expect(again.lastSeq).toBe(0);
  });

  it('rejects a malformed user id', async () => {
    await expectStrataError(memory.forgetUser(''), 'INVALID_ID');
  });
});
