import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { expectStrataError, memoryInRam, searchIds } from '../helpers/memory.js';

let memory: MemoryService;
let other: MemoryService;
let noteId: string;
let turnId: string;

beforeAll(async () => {
  memory = await memoryInRam();
  other = memory.forTenant('b');
  await memory.createSession({ id: 's1', userId: 'alice' });
  const [added] = await memory.addMessages('s1', [
    { role: 'user', content: 'The vault code is hidden under the blue teapot', clientMsgId: 'c-1' },
  ]);
  turnId = added?.memoryId as string;
  noteId = (await memory.remember({ userId: 'alice', text: 'Alice banks with Harbour Mutual' })).memory.id;
  await memory.setFact({ userId: 'alice', subject: 'user', key: 'bank', value: 'Harbour Mutual', validFrom: 1_000 });
  await memory.setFactRule({ userId: 'alice', subject: 'user', key: 'bank' }, { enum: ['Harbour Mutual'] });
});

afterAll(async () => {
  await memory.close();
});

describe("forTenant('b') sees nothing of tenant default", () => {
  it('sessions and messages', async () => {
    expect(other.tenantId).toBe('b');
    expect(await other.listSessions()).toEqual([]);
    await expectStrataError(other.getSession('s1'), 'SESSION_NOT_FOUND');
    await expectStrataError(other.listMessages('s1'), 'SESSION_NOT_FOUND');
    await expectStrataError(other.addMessages('s1', [{ role: 'user', content: 'sneaking in' }]), 'SESSION_NOT_FOUND');
    await expectStrataError(other.getContext('s1'), 'SESSION_NOT_FOUND');
    expect(await memory.listMessages('s1')).toHaveLength(1);
  });

  it('search in every mode, with and without a user', async () => {
    for (const mode of ['keyword', 'vector', 'hybrid'] as const) {
      expect(await searchIds(other, 'vault code blue teapot', { mode })).toEqual([]);
      expect(await searchIds(other, 'Harbour Mutual bank', { mode, userId: 'alice' })).toEqual([]);
    }
    expect(await other.countMemories()).toBe(0);
    expect(await other.listMemories()).toEqual([]);
    // The owner still finds both.
    expect(await searchIds(memory, 'vault code blue teapot', { userId: 'alice', mode: 'keyword' })).toContain(turnId);
  });

  it('facts and rules', async () => {
    expect(await other.getFacts({ userId: 'alice' })).toEqual([]);
    expect(await other.factHistory({ userId: 'alice', subject: 'user', key: 'bank' })).toEqual([]);
    expect((await other.validate({ userId: 'alice', subject: 'user', key: 'bank' }, 'Elsewhere')).rule).toBeNull();
    expect((await memory.validate({ userId: 'alice', subject: 'user', key: 'bank' }, 'Elsewhere')).valid).toBe(false);
  });

  it('getMemory, updateMemory and forget by id', async () => {
    for (const id of [noteId, turnId]) {
      await expectStrataError(other.getMemory(id), 'MEMORY_NOT_FOUND');
      await expectStrataError(other.updateMemory(id, { text: 'overwritten by b' }), 'MEMORY_NOT_FOUND');
      await expectStrataError(other.forget(id), 'MEMORY_NOT_FOUND');
      expect((await memory.getMemory(id)).text).not.toContain('overwritten');
    }
  });

  it('forgetUser erases nothing in another tenant', async () => {
    expect(await other.forgetUser('alice')).toEqual({ sessions: 0, messages: 0, memories: 0, facts: 0 });
    expect(await memory.countMemories({ userId: 'alice' })).toBe(2);
    expect(await memory.getFacts({ userId: 'alice' })).toHaveLength(1);
  });

  it('the same ids in tenant b are independent records', async () => {
    const session = await other.createSession({ id: 's1', userId: 'mallory' });
    expect(session.tenantId).toBe('b');
    const [added] = await other.addMessages('s1', [{ role: 'user', content: 'tenant b message', clientMsgId: 'c-1' }]);
    expect(added).toMatchObject({ seq: 1, created: true });
    expect((await memory.getSession('s1')).userId).toBe('alice');
    expect((await memory.listMessages('s1')).map((m) => m.content)).toEqual(['The vault code is hidden under the blue teapot']);
    expect(await searchIds(memory, 'tenant b message', { mode: 'keyword' })).toEqual([]);
    expect(await other.countMemories()).toBe(1);
    // Same text in another tenant is not deduped against tenant default.
    expect((await other.remember({ userId: 'alice', text: 'Alice banks with Harbour Mutual' })).created).toBe(true);
  });
});
