import { afterEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { expectStrataError, memoryInRam } from '../helpers/memory.js';

describe('memory.scratch (working memory over the embedded default)', () => {
  let memory: MemoryService;
  afterEach(async () => {
    await memory?.close();
  });

  it('sets, lists and deletes per-session values with a TTL', async () => {
    memory = await memoryInRam();
    await memory.createSession({ id: 'chat', userId: 'alice' });
    const entry = await memory.scratch.set('chat', 'plan', { step: 1 }, { ttlMs: 60_000 });
    expect(entry.expiresAt - entry.updatedAt).toBe(60_000);
    await memory.scratch.set('chat', 'draft', 'Dear Ada');
    expect((await memory.scratch.list('chat')).map((e) => e.key)).toEqual(['draft', 'plan']);
    expect((await memory.scratch.get('chat', 'plan'))?.value).toEqual({ step: 1 });
    expect(await memory.scratch.delete('chat', 'plan')).toBe(true);
    expect(await memory.scratch.get('chat', 'plan')).toBeNull();
  });

  it('a scratchpad belongs to a session of the tenant', async () => {
    memory = await memoryInRam();
    await memory.createSession({ id: 'chat', userId: 'alice' });
    await expectStrataError(memory.scratch.set('nope', 'k', 1), 'SESSION_NOT_FOUND');
    await expectStrataError(memory.forTenant('other').scratch.set('chat', 'k', 1), 'SESSION_NOT_FOUND');
    await expectStrataError(memory.scratch.set('bad id!', 'k', 1), 'INVALID_ID');
    await memory.scratch.set('chat', 'k', 'acme');
    await memory.forTenant('other').createSession({ id: 'chat', userId: 'alice' });
    expect(await memory.forTenant('other').scratch.get('chat', 'k')).toBeNull();
  });

  it('forgetUser clears the user’s scratchpads, not other users’', async () => {
    memory = await memoryInRam();
    await memory.createSession({ id: 'a', userId: 'alice' });
    await memory.createSession({ id: 'b', userId: 'bob' });
    await memory.scratch.set('a', 'k', 'alice');
    await memory.scratch.set('b', 'k', 'bob');
    await memory.forgetUser('alice');
    await memory.createSession({ id: 'a', userId: 'alice' });
    expect(await memory.scratch.get('a', 'k')).toBeNull();
    expect((await memory.scratch.get('b', 'k'))?.value).toBe('bob');
  });

  it('a service built without working memory says so', async () => {
    const { MemoryService: Service } = await import('../../src/core/memory-service.js');
    const base = await createMemory({ store: new SqliteStore({ path: ':memory:' }) });
    memory = base;
    const bare = new Service({ store: base.store, embedder: base.embedder, tokens: base.tokenizer });
    expect(() => bare.scratch).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});
