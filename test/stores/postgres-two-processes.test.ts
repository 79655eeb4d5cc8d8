import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { dropSchema, randomSchema } from '../helpers/postgres.js';
import { checkService } from '../helpers/services.js';
import { StrataPeer } from '../helpers/strata-peer.js';

// Two Strata processes on one PostgreSQL database: this test's process and a forked one
// (test/helpers/strata-peer.ts), each with its own createMemory over its own PostgresStore
// and pool. What one writes, the other lists and finds at once: nothing is cached in-process.
const service = await checkService('postgres');
const schema = randomSchema('strata_two');

describe.skipIf(!service.reachable)(`two Strata processes on one PostgreSQL database ${service.reason}`, () => {
  let local: MemoryService;
  let peer: StrataPeer;

  beforeAll(async () => {
    local = await createMemory({ store: createPostgresStore({ connectionString: service.url, schema, poolMax: 4, log: () => {} }) });
    peer = new StrataPeer({ DATABASE_URL: service.url, STRATA_PG_SCHEMA: schema });
    await peer.ready;
  }, 60_000);

  afterAll(async () => {
    await peer?.stop();
    await local?.close();
    await dropSchema(schema, service.url);
  });

  it('runs in another OS process', async () => {
    expect(await peer.ready).not.toBe(process.pid);
  });

  it('a message written by the other process is listed and found here at once', async () => {
    await peer.call('createSession', { id: 'shared-1', userId: 'alice' });
    await peer.call('addMessages', 'shared-1', [
      { role: 'user', content: 'The lighthouse on Skerryvore needs a new lamp', clientMsgId: 'p-1' },
    ]);
    const listed = await local.listMessages('shared-1', { limit: 10 });
    expect(listed.map((message) => message.content)).toEqual(['The lighthouse on Skerryvore needs a new lamp']);
    const found = await local.search('Skerryvore lighthouse lamp', { userId: 'alice', mode: 'keyword' });
    expect(found.results[0]?.memory.text).toContain('Skerryvore');
    const hybrid = await local.search('lighthouse lamp', { userId: 'alice' });
    expect(hybrid.results.map((hit) => hit.memory.text).join('\n')).toContain('Skerryvore');
  });

  it('a message written here is found by the other process at once, and a retry there stores nothing', async () => {
    await local.createSession({ id: 'shared-2', userId: 'bob' });
    await local.addMessages('shared-2', [{ role: 'user', content: 'My cello bow needs rehairing before the concert', clientMsgId: 'l-1' }]);
    const found = await peer.call<string[]>('search', 'cello bow rehairing', { userId: 'bob', mode: 'keyword' });
    expect(found[0]).toContain('cello');
    const retry = await peer.call<Array<{ created: boolean }>>('addMessages', 'shared-2', [
      { role: 'user', content: 'My cello bow needs rehairing before the concert', clientMsgId: 'l-1' },
    ]);
    expect(retry.map((added) => added.created)).toEqual([false]);
    expect(await local.listMessages('shared-2', { limit: 10 })).toHaveLength(1);
  });

  it('both processes appending to one session at once leave seq 1..n without gaps or duplicates', async () => {
    await local.createSession({ id: 'shared-3', userId: 'carol' });
    const writes = Array.from({ length: 10 }, (_, i) => [
      local.addMessages('shared-3', [{ role: 'user', content: `local turn ${i}`, clientMsgId: `l-${i}` }]),
      peer.call('addMessages', 'shared-3', [{ role: 'assistant', content: `peer turn ${i}`, clientMsgId: `p-${i}` }]),
    ]);
    await Promise.all(writes.flat());
    const messages = await peer.call<Array<{ seq: number; content: string }>>('listMessages', 'shared-3', { limit: 100 });
    expect(messages.map((message) => message.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(messages.map((message) => message.content)).size).toBe(20);
    expect((await local.getSession('shared-3')).lastSeq).toBe(20);
  });
});
