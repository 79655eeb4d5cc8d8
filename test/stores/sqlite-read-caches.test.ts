import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryFilter } from '../../src/spec/memory-store.js';
import type { MessageRecord } from '../../src/spec/records.js';
import { MemoryRecordCache } from '../../src/stores/sqlite/memory-records.js';
import { SqliteRetention } from '../../src/stores/sqlite/sqlite-retention.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { memoryOf } from '../../src/testing/store-fixtures.js';
import { tempDir } from '../helpers/memory.js';

// The SQLite store answers "the newest N messages" from an in-process tail (session-tails.ts)
// and memory reads from a record cache (memory-records.ts). These tests hold both to what the
// tables say, with a second connection on the same file standing in for another process (the
// caches must notice its commits).
const T = 'default';
const T0 = Date.parse('2026-04-01T08:00:00Z');

describe('SQLite session tails', () => {
  let dir: ReturnType<typeof tempDir>;
  let a: SqliteStore;
  let b: SqliteStore;
  let seqs: Record<string, number>;

  beforeEach(async () => {
    dir = tempDir();
    const path = join(dir.dir, 'tails.db');
    a = new SqliteStore({ path });
    b = new SqliteStore({ path });
    await a.open();
    await b.open();
    seqs = {};
    await a.ensureSession({ id: 's', tenantId: T, userId: 'u', metadata: {}, createdAt: T0 });
  });

  afterEach(async () => {
    await a.close();
    await b.close();
    dir.cleanup();
  });

  const append = async (store: SqliteStore, sessionId: string, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const k = (seqs[sessionId] ?? 0) + 1;
      seqs[sessionId] = k;
      await store.appendMessages(T, sessionId, [
        {
          message: {
            id: `msg_${sessionId}_${k}`,
            role: k % 2 ? 'user' : 'assistant',
            name: null,
            content: `message ${k} of ${sessionId}`,
            metadata: { k },
            createdAt: T0 + k * 1000,
            clientMsgId: `c${k}`,
            tokenCount: 4,
          },
          turn: null,
        },
      ]);
    }
  };
  const newest = (store: SqliteStore, limit: number): Promise<MessageRecord[]> => store.listMessages(T, 's', { limit, order: 'desc' });
  // The same question past the tail (an `asc` read never uses it): the table's answer.
  const fromTable = async (limit: number): Promise<MessageRecord[]> => {
    const all = await a.listMessages(T, 's', { afterSeq: 0, limit: 10_000, order: 'asc' });
    return all.slice(-limit).reverse();
  };

  it("answers with the table's newest messages as this process appends", async () => {
    await append(a, 's', 3);
    expect(await newest(a, 10)).toEqual(await fromTable(10));
    await append(a, 's', 20);
    for (const limit of [1, 3, 10, 12]) expect(await newest(a, limit)).toEqual(await fromTable(limit));
    expect((await newest(a, 3)).map((m) => m.seq)).toEqual([23, 22, 21]);
    // Past the tail's length the store reads the table.
    expect(await newest(a, 20)).toEqual(await fromTable(20));
  });

  it("sees another connection's appends", async () => {
    await append(a, 's', 5);
    expect((await newest(a, 3)).map((m) => m.seq)).toEqual([5, 4, 3]);
    await b.appendMessages(T, 's', [
      {
        message: {
          id: 'msg_b_6',
          role: 'user',
          name: 'Bo',
          content: 'from the other process',
          metadata: {},
          createdAt: T0 + 6000,
          clientMsgId: null,
          tokenCount: 4,
        },
        turn: null,
      },
    ]);
    seqs.s = 6;
    expect((await newest(a, 3)).map((m) => m.content)).toEqual(['from the other process', 'message 5 of s', 'message 4 of s']);
    await append(a, 's', 1);
    expect(await newest(a, 12)).toEqual(await fromTable(12));
  });

  it("sees another connection's deletes", async () => {
    await append(a, 's', 6);
    expect(await newest(a, 6)).toHaveLength(6);
    await b.forgetUser(T, 'u');
    expect(await newest(a, 6)).toEqual([]);
  });

  it("keeps the tails another connection's commit left alone and re-checks the rest", async () => {
    await a.ensureSession({ id: 's2', tenantId: T, userId: 'u', metadata: {}, createdAt: T0 });
    await append(a, 's', 5);
    await append(a, 's2', 3);
    const before = await newest(a, 5);
    expect((await a.listMessages(T, 's2', { limit: 3, order: 'desc' })).map((m) => m.seq)).toEqual([3, 2, 1]);
    await append(b, 's2', 1);
    // s: untouched by b's commit, the same answer; s2: b's message is the newest.
    expect(await newest(a, 5)).toEqual(before);
    expect(await newest(a, 5)).toEqual(await fromTable(5));
    expect((await a.listMessages(T, 's2', { limit: 3, order: 'desc' })).map((m) => m.content)).toEqual([
      'message 4 of s2',
      'message 3 of s2',
      'message 2 of s2',
    ]);
    // a appends after b: its tail of s2 follows on from the table's.
    await append(a, 's2', 1);
    const s2 = await a.listMessages(T, 's2', { afterSeq: 0, limit: 100, order: 'asc' });
    expect((await a.listMessages(T, 's2', { limit: 5, order: 'desc' })).map((m) => m.seq)).toEqual(
      s2
        .slice(-5)
        .reverse()
        .map((m) => m.seq),
    );
  });

  it('drops every tail when another connection deleted a message, even one inside a tail', async () => {
    await append(a, 's', 6);
    expect(await newest(a, 6)).toHaveLength(6);
    // Not the newest: only the count of deletions tells the tail is stale.
    await new SqliteRetention(b).deleteMessages(T, ['msg_s_3']);
    expect((await newest(a, 6)).map((m) => m.seq)).toEqual([6, 5, 4, 2, 1]);
  });

  it('forgets what retention deleted through the same connection', async () => {
    await append(a, 's', 6);
    expect(await newest(a, 6)).toHaveLength(6);
    await new SqliteRetention(a).deleteMessages(T, ['msg_s_6', 'msg_s_5']);
    expect((await newest(a, 6)).map((m) => m.seq)).toEqual([4, 3, 2, 1]);
  });

  it('does not share the metadata object the caller appended', async () => {
    const metadata = { topic: 'fjords' };
    await a.appendMessages(T, 's', [
      {
        message: { id: 'msg_m', role: 'user', name: null, content: 'hi', metadata, createdAt: T0, clientMsgId: null, tokenCount: 1 },
        turn: null,
      },
    ]);
    metadata.topic = 'changed after the write';
    expect((await newest(a, 1))[0]?.metadata).toEqual({ topic: 'fjords' });
  });
});

describe('SQLite memory record cache', () => {
  let dir: ReturnType<typeof tempDir>;
  let a: SqliteStore;
  let b: SqliteStore;

  beforeEach(async () => {
    dir = tempDir();
    const path = join(dir.dir, 'records.db');
    a = new SqliteStore({ path });
    b = new SqliteStore({ path });
    await a.open();
    await b.open();
    await a.insertMemory(memoryOf({ tenantId: T, userId: 'u' }, { id: 'mem_1', text: 'first text' }));
    await a.insertMemory(memoryOf({ tenantId: T, userId: 'u' }, { id: 'mem_2', text: 'second text' }));
  });

  afterEach(async () => {
    await a.close();
    await b.close();
    dir.cleanup();
  });

  const texts = async (store: SqliteStore, ids: string[]): Promise<string[]> => (await store.getMemories(T, ids)).map((m) => m.text);

  it("answers reads with this process's own updates, context appends and deletes", async () => {
    expect(await texts(a, ['mem_1', 'mem_2'])).toEqual(['first text', 'second text']);
    await a.updateMemory(T, 'mem_1', { text: 'first, edited', updatedAt: Date.now() });
    expect(await texts(a, ['mem_1'])).toEqual(['first, edited']);
    await a.deleteMemories(T, ['mem_2']);
    expect(await texts(a, ['mem_1', 'mem_2'])).toEqual(['first, edited']);
  });

  it("sees another connection's update and delete", async () => {
    expect(await texts(a, ['mem_1', 'mem_2'])).toEqual(['first text', 'second text']);
    await b.updateMemory(T, 'mem_1', { text: 'changed elsewhere', updatedAt: Date.now() });
    await b.deleteMemories(T, ['mem_2']);
    expect(await texts(a, ['mem_1', 'mem_2'])).toEqual(['changed elsewhere']);
  });

  it('sees an erase', async () => {
    expect(await texts(a, ['mem_1'])).toEqual(['first text']);
    await a.forgetUser(T, 'u');
    expect(await texts(a, ['mem_1', 'mem_2'])).toEqual([]);
  });

  it('keeps tenants apart', async () => {
    expect(await texts(a, ['mem_1'])).toEqual(['first text']);
    expect(await a.getMemories('other-tenant', ['mem_1'])).toEqual([]);
  });

  // The keyword and vector indexes check their candidates against the filter by reading the
  // rows whole, and the first k of them go into the record cache (the search hydrates them
  // next). A row changed behind the store's back on its own connection (no data_version move)
  // shows which reads were answered from the cache.
  it('keeps the rows a keyword or vector search checked for the hydration that follows', async () => {
    const filter = { tenantId: T, userId: 'u' };
    const unit = (i: number): Float32Array => Float32Array.from({ length: 8 }, (_, d) => (d === i ? 1 : 0));
    const c = new SqliteStore({ path: join(dir.dir, 'checked.db'), exactSearchThreshold: 2 });
    await c.open();
    try {
      const notes = ['ferry at noon', 'ferry tickets', 'museum opens', 'late train'].map((text, i) =>
        memoryOf(filter, { id: `mem_c${i}`, text, embedding: unit(i), embeddingModel: 'm' }),
      );
      await c.insertMemories(notes);
      const behindTheBack = c.internals.db.prepare("UPDATE memories SET text = 'rewritten' WHERE id = ?");
      // Both ferry notes are checked (k plus an overfetch), the best (the shorter) is kept.
      expect((await c.keywordSearch(filter, ['ferry'], 1)).map((hit) => hit.id)).toEqual(['mem_c1']);
      // Through the ANN graph (4 vectors > threshold 2), k = 1: the nearest is kept, the rest only checked.
      expect((await c.vectorSearch(filter, unit(2), 'm', 1)).map((hit) => hit.id)).toEqual(['mem_c2']);
      for (const id of ['mem_c0', 'mem_c1', 'mem_c2', 'mem_c3']) behindTheBack.run(id);
      expect(await texts(c, ['mem_c1', 'mem_c2'])).toEqual(['ferry tickets', 'museum opens']);
      expect(await texts(c, ['mem_c0', 'mem_c3'])).toEqual(['rewritten', 'rewritten']);
      // Another connection's commit still drops what the checks kept.
      const other = new SqliteStore({ path: join(dir.dir, 'checked.db') });
      await other.open();
      await other.updateMemory(T, 'mem_c1', { text: 'ferry tickets, two', updatedAt: Date.now() });
      await other.close();
      expect(await texts(c, ['mem_c1', 'mem_c2'])).toEqual(['ferry tickets, two', 'rewritten']);
    } finally {
      await c.close();
    }
  });

  // The check of keyword and ANN candidates answers cached records in process (the filter on
  // the cached columns); every change the cache is kept exact for must show in the next check.
  it("checks cached candidates in process, following this process's and another connection's changes", async () => {
    const filter = { tenantId: T, userId: 'u' };
    const ids = async (extra: Partial<MemoryFilter> = {}): Promise<string[]> =>
      (await a.keywordSearch({ ...filter, ...extra }, ['text'], 10)).map((hit) => hit.id).sort();
    await a.getMemories(T, ['mem_1', 'mem_2']);
    // Cached, so checked from the cache: a row rewritten behind the store's back (no data_version move) is not seen.
    a.internals.db.prepare(`UPDATE memories SET tags = '["hidden"]' WHERE id = 'mem_2'`).run();
    expect(await ids({ tags: ['hidden'] })).toEqual([]);
    await a.updateMemory(T, 'mem_1', { tags: ['red'], updatedAt: Date.now() });
    expect(await ids({ tags: ['red'] })).toEqual(['mem_1']);
    await b.updateMemory(T, 'mem_2', { tags: ['blue'], updatedAt: Date.now() });
    expect(await ids({ tags: ['blue'] })).toEqual(['mem_2']);
    await a.getMemories(T, ['mem_1', 'mem_2']);
    await a.updateMemory(T, 'mem_1', { validTo: Date.now() - 1, updatedAt: Date.now() });
    expect(await ids()).toEqual(['mem_2']);
    await b.updateMemory(T, 'mem_2', { supersededBy: 'mem_1', updatedAt: Date.now() });
    expect(await ids()).toEqual([]);
    expect(await ids({ includeSuperseded: true })).toEqual(['mem_1', 'mem_2']);
    await a.getMemories(T, ['mem_1', 'mem_2']);
    expect(await a.keywordSearch({ tenantId: 'other-tenant', userId: 'u', includeSuperseded: true }, ['text'], 10)).toEqual([]);
    await a.deleteMemories(T, ['mem_1']);
    expect(await ids({ includeSuperseded: true })).toEqual(['mem_2']);
  });

  // Another connection's commit drops only the records index_log names (0007 logs every column):
  // a second server process writing all the time must not empty this one's caches at every read.
  it('forgets only the records another connection changed, whichever column it changed', async () => {
    const [first, second] = await a.getMemories(T, ['mem_1', 'mem_2']);
    await b.updateMemory(T, 'mem_1', { importance: 0.9, updatedAt: Date.now() });
    const [changed, kept] = await a.getMemories(T, ['mem_1', 'mem_2']);
    expect(changed?.importance).toBe(0.9);
    expect(changed).not.toBe(first);
    // The same object: answered from the cache, not read again.
    expect(kept).toBe(second);
    await b.updateMemory(T, 'mem_2', { validTo: T0, metadata: { moved: true }, updatedAt: Date.now() });
    const [, after] = await a.getMemories(T, ['mem_1', 'mem_2']);
    expect(after).toMatchObject({ validTo: T0, metadata: { moved: true } });
    // And a message appended elsewhere (messages are not logged) still empties the session tails: see the tails tests.
  });

  it('empties the caches when another connection changed more memories than it forgets one by one', async () => {
    const [, second] = await a.getMemories(T, ['mem_1', 'mem_2']);
    await b.insertMemories(Array.from({ length: 2_001 }, (_, i) => memoryOf({ tenantId: T, userId: 'u' }, { id: `mem_bulk_${i}` })));
    const [again] = await a.getMemories(T, ['mem_2']);
    expect(again).toEqual(second);
    expect(again).not.toBe(second);
    expect(await a.countMemories({ tenantId: T, userId: 'u' })).toBe(2_003);
  });

  // keywordScores takes rowids and filter columns from the cache: a record changed or removed
  // elsewhere must not be scored from what the cache held.
  it("keywordScores follows another connection's update and delete of cached records", async () => {
    const filter = { tenantId: T, userId: 'u' };
    expect((await a.keywordScores(filter, ['text'], ['mem_1', 'mem_2'])).map((hit) => hit.id).sort()).toEqual(['mem_1', 'mem_2']);
    await b.updateMemory(T, 'mem_1', { supersededBy: 'mem_2', updatedAt: Date.now() });
    await b.deleteMemories(T, ['mem_2']);
    expect(await a.keywordScores(filter, ['text'], ['mem_1', 'mem_2'])).toEqual([]);
    expect((await a.keywordScores({ ...filter, includeSuperseded: true }, ['text'], ['mem_1'])).map((hit) => hit.id)).toEqual(['mem_1']);
    expect(await a.keywordScores({ tenantId: 'other-tenant', userId: 'u' }, ['text'], ['mem_1'])).toEqual([]);
  });
});

describe('MemoryRecordCache budget', () => {
  const scope = { tenantId: T, userId: 'u', agentId: undefined, namespace: undefined };
  const records = Array.from({ length: 40 }, (_, i) => ({
    record: { ...memoryOf(scope, { text: `note ${i}` }), updatedAt: T0, supersededBy: null },
    rowid: i + 1,
  }));
  const kept = (cache: MemoryRecordCache) => records.filter(({ record }) => cache.has(T, record.id)).length;

  it('keeps what its byte budget holds, the most recent first', () => {
    // Each record is estimated at ~1.1 kB: 10 kB holds nine of them, 100 kB all forty.
    const small = new MemoryRecordCache(10_000);
    const large = new MemoryRecordCache(100_000);
    small.remember(records);
    large.remember(records);
    expect(kept(small)).toBe(9);
    expect(small.has(T, (records[39] as (typeof records)[number]).record.id)).toBe(true);
    expect(small.atRowid(1)).toBeUndefined();
    expect(kept(large)).toBe(40);
    expect(large.atRowid(1)?.record.id).toBe((records[0] as (typeof records)[number]).record.id);
  });
});

describe('MemoryRecordCache tenants', () => {
  const of = (tenantId: string, rowid: number) => ({
    record: {
      ...memoryOf({ tenantId, userId: 'u', agentId: undefined, namespace: undefined }, { id: 'mem_same', text: tenantId }),
      updatedAt: T0,
      supersededBy: null,
    },
    rowid,
  });

  it('answers a tenant only with its own record, whatever another tenant holds under the same id', () => {
    const cache = new MemoryRecordCache();
    cache.remember([of('a', 1)]);
    expect(cache.locate('b', ['mem_same'])).toEqual({ found: [], missing: ['mem_same'] });
    expect(cache.has('b', 'mem_same')).toBe(false);
    cache.forget('b', ['mem_same']);
    expect(cache.locate('a', ['mem_same']).found.map(({ record }) => record.text)).toEqual(['a']);
    // The other tenant's record takes the id's place; the first one's rowid no longer answers.
    cache.remember([of('b', 2)]);
    expect(cache.atRowid(1)).toBeUndefined();
    expect(cache.locate('a', ['mem_same']).missing).toEqual(['mem_same']);
    expect(cache.locate('b', ['mem_same']).found.map(({ record }) => record.text)).toEqual(['b']);
    cache.forget('b', ['mem_same']);
    expect(cache.has('b', 'mem_same')).toBe(false);
  });
});
