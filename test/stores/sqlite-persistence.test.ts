import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { searchIds, tempDir } from '../helpers/memory.js';

let dir: string;
let cleanup: () => void;
let path: string;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  path = join(dir, 'strata.db');
});
afterEach(() => {
  cleanup();
});

describe('SQLite file store', () => {
  it('keeps sessions, messages, memories and facts across close and reopen', async () => {
    const first = await createMemory({ path });
    await first.createSession({ id: 's1', userId: 'alice', metadata: { channel: 'cli' } });
    const [booked] = await first.addMessages('s1', [
      { role: 'user', content: 'The boiler service is booked for the ninth', clientMsgId: 'c-1' },
      { role: 'assistant', content: 'I will remind you the day before', clientMsgId: 'c-2' },
    ]);
    const note = (await first.remember({ userId: 'alice', text: 'Boiler brand is Vaillant', tags: ['home'] })).memory;
    await first.setFact({ userId: 'alice', subject: 'boiler', key: 'brand', value: 'Vaillant', validFrom: 1_000 });
    await first.setFactRule({ userId: 'alice', subject: 'boiler', key: 'brand' }, { enum: ['Vaillant', 'Worcester'] });
    await first.close();
    expect(existsSync(path)).toBe(true);

    const second = await createMemory({ path });
    try {
      expect(await second.getSession('s1')).toMatchObject({ userId: 'alice', metadata: { channel: 'cli' }, lastSeq: 2 });
      expect((await second.listMessages('s1')).map((m) => [m.seq, m.clientMsgId])).toEqual([
        [1, 'c-1'],
        [2, 'c-2'],
      ]);
      expect(await second.getMemory(note.id)).toEqual(note);
      expect((await second.getFacts({ userId: 'alice' })).map((f) => f.value)).toEqual(['Vaillant']);
      expect((await second.validate({ userId: 'alice', subject: 'boiler', key: 'brand' }, 'Baxi')).valid).toBe(false);
      expect((await searchIds(second, 'booked ninth', { userId: 'alice', mode: 'keyword' }))[0]).toBe(booked?.memoryId);
      expect((await second.search('Vaillant boiler brand', { userId: 'alice', mode: 'vector' })).results[0]?.memory.id).toBe(note.id);
      // seq continues and idempotency holds across the restart.
      const [again, next] = await second.addMessages('s1', [
        { role: 'user', content: 'The boiler service is booked for the ninth', clientMsgId: 'c-1' },
        { role: 'user', content: 'Actually make it the tenth' },
      ]);
      expect(again).toMatchObject({ seq: 1, created: false });
      expect(next).toMatchObject({ seq: 3, created: true });
      // Dedupe holds across the restart too.
      expect((await second.remember({ userId: 'alice', text: 'Boiler brand is Vaillant' })).created).toBe(false);
    } finally {
      await second.close();
    }
  });

  it('two services on one file see each other’s committed writes (WAL)', async () => {
    const a = await createMemory({ path });
    const b = await createMemory({ path });
    try {
      await a.createSession({ id: 's1', userId: 'alice' });
      await a.addMessages('s1', [{ role: 'user', content: 'written by a' }]);
      const [fromB] = await b.addMessages('s1', [{ role: 'user', content: 'written by b' }]);
      expect(fromB?.seq).toBe(2);
      expect((await a.listMessages('s1')).map((m) => m.content)).toEqual(['written by a', 'written by b']);
      expect(await searchIds(a, 'written by b', { userId: 'alice', mode: 'keyword' })).toContain(fromB?.memoryId);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('concurrent batches on one session get distinct, gap-free seqs', async () => {
    const memory = await createMemory({ path });
    try {
      await memory.createSession({ id: 's1', userId: 'alice' });
      const batches = await Promise.all(
        Array.from({ length: 8 }, (_, b) =>
          memory.addMessages(
            's1',
            Array.from({ length: 5 }, (_, i) => ({ role: 'user' as const, content: `batch ${b} message ${i}` })),
          ),
        ),
      );
      const seqs = batches.flat().map((m) => m.seq);
      expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect((await memory.listMessages('s1')).map((m) => m.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    } finally {
      await memory.close();
    }
  });

  it('SqliteStore.destroy removes the database and its sidecars', async () => {
    const memory = await createMemory({ path, exactSearchThreshold: 1 });
    await memory.remember({ userId: 'alice', text: 'first' });
    await memory.remember({ userId: 'alice', text: 'second' });
    await memory.search('first', { userId: 'alice', mode: 'vector' });
    await memory.close();
    expect(existsSync(`${path}.vectors`)).toBe(true);
    SqliteStore.destroy(path);
    for (const suffix of ['', '-wal', '-shm', '.vectors']) expect(existsSync(`${path}${suffix}`)).toBe(false);
  });
});
