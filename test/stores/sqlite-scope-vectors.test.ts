import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryFilter, NewMemory, ScoredId } from '../../src/spec/memory-store.js';
import { ScopeVectorCache, ScopeVectors } from '../../src/stores/sqlite/scope-vectors.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { MODEL, memoryOf, OTHER_MODEL, unit } from '../../src/testing/store-fixtures.js';
import { tempDir } from '../helpers/memory.js';

// Below the exact-search threshold the SQLite store scores a user's vectors from an in-process
// copy of the scope (scope-vectors.ts) instead of reading its rows. These tests hold that copy
// to the table: every filter answers as the SQL path does (a store whose threshold sends every
// scope to the SQL path), and every kind of write is seen at once,
// including a commit by another connection on the same file (another process).
const T = 'default';
const NOW = Date.now();

describe('SQLite exact search from cached scope vectors', () => {
  let dir: ReturnType<typeof tempDir>;
  let a: SqliteStore;
  let b: SqliteStore;

  beforeEach(async () => {
    dir = tempDir();
    const path = join(dir.dir, 'scopes.db');
    a = new SqliteStore({ path });
    b = new SqliteStore({ path });
    await a.open();
    await b.open();
  });

  afterEach(async () => {
    await a.close();
    await b.close();
    dir.cleanup();
  });

  const vectorOf = (i: number): Float32Array => unit(Math.cos(i), Math.sin(i), (i % 3) / 3, (i % 5) / 5);
  const scope = { tenantId: T, userId: 'u1' };
  const memories: NewMemory[] = Array.from({ length: 40 }, (_, i) =>
    memoryOf(
      { ...scope, agentId: i % 4 === 0 ? 'agent' : undefined, namespace: i % 5 === 0 ? 'ns' : undefined },
      {
        kind: i % 3 === 0 ? 'turn' : 'note',
        sessionId: i % 2 === 0 ? 's-even' : null,
        tags: i % 7 === 0 ? ['red', 'blue'] : i % 7 === 1 ? ['red'] : [],
        contentHash: `h${i % 6}`,
        createdAt: 1_000_000 + i * 1000,
        validTo: i === 9 ? NOW - 1000 : i === 10 ? NOW + 3_600_000 : null,
        embedding: vectorOf(i),
        embeddingModel: MODEL,
      },
    ),
  );

  const filters: Array<[string, Partial<MemoryFilter>]> = [
    ['scope only', {}],
    ['agent', { agentId: 'agent' }],
    ['namespace', { namespace: 'ns' }],
    ['session', { sessionId: 's-even' }],
    ['kinds', { kinds: ['turn'] }],
    ['tags (all of them)', { tags: ['red', 'blue'] }],
    ['content hash', { contentHash: 'h2' }],
    ['time window', { since: 1_005_000, until: 1_020_000 }],
    ['superseded and expired included', { includeSuperseded: true }],
  ];

  /** The SQL path's answer: with threshold 0 every scope is "large", so forced exact search reads the rows with the filter in SQL. */
  async function viaSql(filter: MemoryFilter, query: Float32Array, k: number): Promise<ScoredId[]> {
    const fresh = new SqliteStore({ path: join(dir.dir, 'scopes.db'), exactSearchThreshold: 0 });
    await fresh.open();
    try {
      return await fresh.vectorSearch(filter, query, MODEL, k, { exact: true });
    } finally {
      await fresh.close();
    }
  }

  it('answers every filter as reading the rows does, before and after the copy is filled', async () => {
    for (const memory of memories) await a.insertMemory(memory);
    await a.updateMemory(T, (memories[4] as NewMemory).id, { supersededBy: (memories[5] as NewMemory).id, updatedAt: NOW });
    const query = vectorOf(7.3);
    for (const [name, extra] of filters) {
      const filter = { ...scope, ...extra };
      const first = await a.vectorSearch(filter, query, MODEL, 8);
      const second = await a.vectorSearch(filter, query, MODEL, 8);
      const truth = await viaSql(filter, query, 8);
      expect(truth.length, name).toBeGreaterThan(0);
      expect(first, name).toEqual(truth);
      expect(second, name).toEqual(truth);
    }
    // The superseded memory and the expired one stay out unless asked for.
    const all = (await a.vectorSearch(scope, query, MODEL, 100)).map((hit) => hit.id);
    expect(all).toHaveLength(38);
    expect(all).not.toContain((memories[4] as NewMemory).id);
    expect(all).not.toContain((memories[9] as NewMemory).id);
    expect(all).toContain((memories[10] as NewMemory).id);
  });

  it('sees this process’s inserts, updates and deletes at once', async () => {
    for (const memory of memories.slice(0, 10)) await a.insertMemory(memory);
    const target = vectorOf(100);
    expect((await a.vectorSearch(scope, target, MODEL, 1))[0]?.id).not.toBe('mem-new');
    await a.insertMemories([{ ...memoryOf(scope), id: 'mem-new', embedding: target, embeddingModel: MODEL }]);
    expect((await a.vectorSearch(scope, target, MODEL, 1))[0]).toEqual({ id: 'mem-new', score: expect.closeTo(1, 5) });
    await a.updateMemory(T, 'mem-new', { tags: ['gone'], updatedAt: NOW });
    expect((await a.vectorSearch({ ...scope, tags: ['gone'] }, target, MODEL, 5)).map((hit) => hit.id)).toEqual(['mem-new']);
    await a.updateMemory(T, 'mem-new', { validTo: NOW - 1, updatedAt: NOW });
    expect((await a.vectorSearch(scope, target, MODEL, 20)).map((hit) => hit.id)).not.toContain('mem-new');
    await a.updateMemory(T, 'mem-new', { validTo: null, updatedAt: NOW });
    expect((await a.vectorSearch(scope, target, MODEL, 1))[0]?.id).toBe('mem-new');
    await a.updateMemory(T, 'mem-new', { embedding: vectorOf(3), embeddingModel: MODEL, updatedAt: NOW });
    expect((await a.vectorSearch(scope, vectorOf(3), MODEL, 2)).map((hit) => hit.id)).toContain('mem-new');
    expect(await a.deleteMemories(T, ['mem-new'])).toBe(1);
    expect((await a.vectorSearch(scope, target, MODEL, 20)).map((hit) => hit.id)).not.toContain('mem-new');
    await a.forgetUser(T, 'u1');
    expect(await a.vectorSearch(scope, target, MODEL, 20)).toEqual([]);
  });

  it('sees another connection’s commits (another process) before the next search', async () => {
    for (const memory of memories.slice(0, 10)) await a.insertMemory(memory);
    const target = vectorOf(200);
    await a.vectorSearch(scope, target, MODEL, 5);
    await b.insertMemory({ ...memoryOf(scope), id: 'mem-from-b', embedding: target, embeddingModel: MODEL });
    expect((await a.vectorSearch(scope, target, MODEL, 1))[0]?.id).toBe('mem-from-b');
    await b.updateMemory(T, 'mem-from-b', { supersededBy: (memories[0] as NewMemory).id, updatedAt: NOW });
    expect((await a.vectorSearch(scope, target, MODEL, 20)).map((hit) => hit.id)).not.toContain('mem-from-b');
    await b.deleteMemories(T, [(memories[1] as NewMemory).id]);
    expect((await a.vectorSearch(scope, vectorOf(1), MODEL, 20)).map((hit) => hit.id)).not.toContain((memories[1] as NewMemory).id);
  });

  // Another connection's new memories are appended to the cached scope (not a reread of the
  // scope on every foreign commit); an update of one it appended drops the scope as any update.
  it('takes another connection’s new memories into the cached scope, every filter as the rows', async () => {
    for (const memory of memories.slice(0, 20)) await a.insertMemory(memory);
    const query = vectorOf(7.3);
    await a.vectorSearch(scope, query, MODEL, 8);
    for (const memory of memories.slice(20)) await b.insertMemory(memory);
    await b.insertMemory({ ...memoryOf(scope), id: 'mem-no-vector' });
    for (const [name, extra] of filters) {
      const filter = { ...scope, ...extra };
      expect(await a.vectorSearch(filter, query, MODEL, 8), name).toEqual(await viaSql(filter, query, 8));
    }
    const late = memories[30] as NewMemory;
    await b.updateMemory(T, late.id, { tags: ['late'], updatedAt: NOW });
    expect((await a.vectorSearch({ ...scope, tags: ['late'] }, query, MODEL, 8)).map((hit) => hit.id)).toEqual([late.id]);
    expect(await a.vectorSearch(scope, query, MODEL, 40)).toEqual(await viaSql(scope, query, 40));
  });

  // A reader that searched the scope but never hydrated its records: what another connection
  // changed is found from the log (the rows' scopes read from the table, or, for a row gone
  // that no cache held, every scope's vectors dropped).
  it('sees another connection’s filter-column update and delete of rows it holds no record of', async () => {
    for (const memory of memories.slice(0, 10)) await b.insertMemory(memory);
    const c = new SqliteStore({ path: join(dir.dir, 'scopes.db') });
    await c.open();
    try {
      const ids = async (filter: MemoryFilter, query: Float32Array): Promise<string[]> =>
        (await c.vectorSearch(filter, query, MODEL, 20)).map((hit) => hit.id);
      const [two, three] = [memories[2] as NewMemory, memories[3] as NewMemory];
      expect(await ids({ ...scope, tags: ['green'] }, vectorOf(2))).toEqual([]);
      await b.updateMemory(T, two.id, { tags: ['green'], updatedAt: NOW });
      expect(await ids({ ...scope, tags: ['green'] }, vectorOf(2))).toEqual([two.id]);
      expect(await ids(scope, vectorOf(3))).toContain(three.id);
      await b.deleteMemories(T, [three.id]);
      expect(await ids(scope, vectorOf(3))).not.toContain(three.id);
    } finally {
      await c.close();
    }
  });

  // SQLite reuses the highest rowid once its row is deleted: the log names the rowid, the record
  // cached for it is of the old scope, and the scope the rowid is in now must drop its vectors too.
  it('sees a memory of another scope that took the rowid of one deleted elsewhere', async () => {
    const other = { tenantId: T, userId: 'u2' };
    await a.insertMemory({ ...memoryOf(other), id: 'mem-u2-old', embedding: vectorOf(1), embeddingModel: MODEL });
    const last = memories[0] as NewMemory;
    await a.insertMemory(last);
    const target = vectorOf(300);
    expect((await a.vectorSearch(other, target, MODEL, 5)).map((hit) => hit.id)).toEqual(['mem-u2-old']);
    await b.deleteMemories(T, [last.id]);
    await b.insertMemory({ ...memoryOf(other), id: 'mem-u2-new', embedding: target, embeddingModel: MODEL });
    const rowidOf = (id: string): number =>
      (b.internals.db.prepare('SELECT rowid FROM memories WHERE id = ?').get(id) as { rowid: number }).rowid;
    expect(rowidOf('mem-u2-new')).toBe(rowidOf('mem-u2-old') + 1);
    expect((await a.vectorSearch(other, target, MODEL, 5)).map((hit) => hit.id)).toEqual(['mem-u2-new', 'mem-u2-old']);
  });

  // getEmbeddings with a model answers from the cached scope for the records it holds (MMR after a search).
  it('getEmbeddings of a searched scope answers as the table does, through writes of both connections', async () => {
    const other = { tenantId: T, userId: 'u2' };
    for (const memory of memories.slice(0, 10)) await a.insertMemory(memory);
    await a.insertMemory({ ...memoryOf(other), id: 'mem-u2', embedding: vectorOf(50), embeddingModel: MODEL });
    await a.insertMemory({ ...memoryOf(scope), id: 'mem-no-vector' });
    const ids = [...memories.slice(0, 10).map((memory) => memory.id), 'mem-u2', 'mem-no-vector', 'mem-missing'];
    const truth = async (): Promise<Map<string, Float32Array>> => {
      const fresh = new SqliteStore({ path: join(dir.dir, 'scopes.db') });
      await fresh.open();
      try {
        return await fresh.getEmbeddings(T, ids, MODEL);
      } finally {
        await fresh.close();
      }
    };
    const check = async (): Promise<void> => {
      await a.vectorSearch(scope, vectorOf(1), MODEL, 5);
      await a.getMemories(T, ids);
      const got = await a.getEmbeddings(T, ids, MODEL);
      const expected = await truth();
      expect(new Set(got.keys())).toEqual(new Set(expected.keys()));
      for (const [id, vector] of expected) expect(got.get(id), id).toEqual(vector);
    };
    await check();
    expect((await truth()).size).toBe(11);
    await a.updateMemory(T, (memories[2] as NewMemory).id, { embedding: vectorOf(77), embeddingModel: MODEL, updatedAt: NOW });
    await check();
    await a.insertMemory({ ...memoryOf(scope), id: 'mem-late', embedding: vectorOf(78), embeddingModel: MODEL });
    ids.push('mem-late');
    await check();
    await b.updateMemory(T, (memories[3] as NewMemory).id, { embedding: vectorOf(79), embeddingModel: MODEL, updatedAt: NOW });
    await check();
    // A vector handed out is a copy: changing it changes neither the cache nor the next answer.
    (await a.getEmbeddings(T, ids, MODEL)).get((memories[0] as NewMemory).id)?.fill(0);
    await check();
  });
});

describe('ScopeVectorCache budget', () => {
  const entry = (n: number): ScopeVectors => {
    const e = new ScopeVectors(2);
    for (let i = 0; i < n; i++) e.push(`m${i}`, { ...memoryOf(scope2), supersededBy: null }, unit(1, i));
    return e;
  };
  const scope2 = { tenantId: T, userId: 'x' };

  it('keeps at most the budget in vectors, the least recently searched going first; an oversized scope is not kept', () => {
    const cache = new ScopeVectorCache(10);
    cache.set(MODEL, T, 'a', entry(4));
    cache.set(MODEL, T, 'b', entry(4));
    expect(cache.get(MODEL, T, 'a')?.size).toBe(4); // a is now the most recent
    cache.set(MODEL, T, 'c', entry(4));
    expect(cache.get(MODEL, T, 'b')).toBeUndefined();
    expect(cache.get(MODEL, T, 'a')?.size).toBe(4);
    cache.set(MODEL, T, 'big', entry(11));
    expect(cache.get(MODEL, T, 'big')).toBeUndefined();
  });

  it('an insert grows its scope within the budget; a vector of other dimensions drops the scope', () => {
    const cache = new ScopeVectorCache(10);
    cache.set(MODEL, T, 'a', entry(5));
    cache.set(MODEL, T, 'b', entry(5));
    cache.inserted(MODEL, { ...memoryOf({ tenantId: T, userId: 'b' }), id: 'new' }, unit(0, 1));
    // b is 6 now: a (least recent) goes to keep 10.
    expect(cache.get(MODEL, T, 'a')).toBeUndefined();
    expect(cache.get(MODEL, T, 'b')?.ids.at(-1)).toBe('new');
    cache.inserted(MODEL, memoryOf({ tenantId: T, userId: 'b' }), unit(1, 2, 3));
    expect(cache.get(MODEL, T, 'b')).toBeUndefined();
  });

  it('places another connection’s rows: appends, replaces, and says when the scope must go', () => {
    const cache = new ScopeVectorCache(100);
    cache.set(MODEL, T, 'a', entry(3));
    const row = { ...memoryOf({ tenantId: T, userId: 'a' }), supersededBy: null };
    let reads = 0;
    const read = (vector: Float32Array | null) => () => {
      reads++;
      return { row, vector };
    };
    // A scope with no entry: nothing to do, and the row is not decoded.
    expect(cache.placeForeign('m9', T, 'elsewhere', MODEL, read(unit(1, 0)))).toBe(true);
    expect(reads).toBe(0);
    expect(cache.placeForeign('new', T, 'a', MODEL, read(unit(0, 1)))).toBe(true);
    expect(cache.get(MODEL, T, 'a')?.ids).toEqual(['m0', 'm1', 'm2', 'new']);
    expect(cache.placeForeign('m1', T, 'a', MODEL, read(unit(1, 1)))).toBe(true);
    const a = cache.get(MODEL, T, 'a') as ScopeVectors;
    expect([...a.vectors.subarray(2, 4)]).toEqual([...unit(1, 1)]);
    expect(a.rows[1]).toBe(row);
    // A row of no model in a scope cached for one: the scope goes (as for another model's row).
    // A row of the model without a vector: nothing to place unless the entry held its vector.
    expect(cache.placeForeign('plain', T, 'a', null, read(null))).toBe(false);
    cache.set(MODEL, T, 'a', entry(3));
    expect(cache.placeForeign('m1', T, 'a', MODEL, read(null))).toBe(false);
    expect(cache.placeForeign('m4', T, 'a', MODEL, read(null))).toBe(true);
    expect(cache.placeForeign('m5', T, 'a', MODEL, read(unit(1, 2, 3)))).toBe(false);
    expect(cache.placeForeign('m6', T, 'a', OTHER_MODEL, read(unit(1, 0)))).toBe(false);
  });
});
