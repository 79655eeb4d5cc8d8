import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import type { MemoryStoreV1 } from '../../src/spec/memory-store.js';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/memory.js';
import { observedStore } from '../helpers/observed-store.js';
import { dropSchema, randomSchema } from '../helpers/postgres.js';
import { checkService } from '../helpers/services.js';

const postgres = await checkService('postgres');

// When the next turn arrives, core extends the previous turn memory's context: SQLite does it
// in one UPDATE (appendTurnContext); stores without the method get a read and an updateMemory.
// Both paths must leave the same memories behind.
const T0 = Date.parse('2026-05-01T09:00:00Z');

const backends: Array<{ name: string; skip: string | null; open: (cleanups: Array<() => Promise<void>>) => MemoryStoreV1 }> = [
  {
    name: 'SQLite',
    skip: null,
    open: (cleanups) => {
      const dir = tempDir();
      cleanups.push(async () => dir.cleanup());
      return new SqliteStore({ path: join(dir.dir, 'turns.db') });
    },
  },
  {
    name: `PostgreSQL ${postgres.reason}`,
    skip: postgres.reachable ? null : postgres.reason,
    open: (cleanups) => {
      const schema = randomSchema();
      cleanups.push(() => dropSchema(schema, postgres.url));
      return createPostgresStore({ connectionString: postgres.url, schema, poolMax: 2, log: () => {} });
    },
  },
];

describe.each(backends)('turn context when the next turn arrives ($name)', (backend) => {
  const cleanups: Array<() => Promise<void>> = [];
  const memories: MemoryService[] = [];
  afterEach(async () => {
    for (const memory of memories.splice(0)) await memory.close();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  const run = async (fallback: boolean) => {
    if (backend.skip) return [];
    const store = backend.open(cleanups);
    const memory = await createMemory({
      store: fallback ? observedStore(store, { hide: ['appendTurnContext', 'appendMessagesWith'] }) : store,
    });
    memories.push(memory);
    await memory.createSession({ id: 's', userId: 'u', createdAt: T0 });
    await memory.addMessages('s', [{ role: 'user', content: 'First, the flights to Oslo.', clientMsgId: 'm1', createdAt: T0 }]);
    await memory.addMessages('s', [
      { role: 'assistant', content: 'Booked for the 12th.', clientMsgId: 'm2', createdAt: T0 + 1000 },
      { role: 'user', name: 'Ines', content: 'Then a hotel in Bergen.', clientMsgId: 'm3', createdAt: T0 + 2000 },
    ]);
    await memory.addMessages('s', [{ role: 'assistant', content: 'Two nights by the harbour.', clientMsgId: 'm4', createdAt: T0 + 3000 }]);
    const turns = await memory.listMemories({ userId: 'u', kinds: ['turn'], limit: 50 });
    const byId = new Map(turns.map((m) => [m.id, m.metadata.clientMsgId]));
    // Memory ids are random per run: compare through the clientMsgId each memory came from.
    return turns
      .map((m) => ({
        clientMsgId: m.metadata.clientMsgId,
        context: m.context,
        next: byId.get(String(m.metadata.nextTurn)) ?? null,
        previous: byId.get(String(m.metadata.previousTurn)) ?? null,
        updatedAt: m.updatedAt,
        createdAt: m.createdAt,
      }))
      .sort((a, b) => String(a.clientMsgId).localeCompare(String(b.clientMsgId)));
  };

  it.skipIf(backend.skip !== null)('leaves the same context and links in one UPDATE as through read and update', async () => {
    const direct = await run(false);
    const fallback = await run(true);
    expect(direct).toEqual(fallback);
    expect(direct.map((t) => t.next)).toEqual(['m2', 'm3', 'm4', null]);
    expect(direct[0]?.context).toBe('assistant: Booked for the 12th.');
    expect(direct[2]?.context).toBe('assistant: Booked for the 12th.\nassistant: Two nights by the harbour.');
    // The turn's time is its message's: extending its context does not move it.
    expect(direct.every((t) => t.updatedAt === t.createdAt)).toBe(true);
  });

  it.skipIf(backend.skip !== null)('finds a turn by the words of the turn that answered it, on both paths', async () => {
    for (const fallback of [false, true]) {
      await run(fallback);
      const memory = memories[memories.length - 1] as MemoryService;
      const { results } = await memory.search('harbour', { userId: 'u', kinds: ['turn'], k: 5 });
      expect(results.map((r) => r.memory.metadata.clientMsgId)).toContain('m3');
    }
  });
});
