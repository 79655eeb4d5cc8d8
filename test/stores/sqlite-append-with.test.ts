import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { item, MODEL, memoryOf, unit } from '../../src/testing/store-fixtures.js';
import { tempDir } from '../helpers/memory.js';

// appendMessagesWith: the messages, the previous turn's context and the turn chunks core
// derived from the seqs it expected, in one transaction. The chunks are stored only where
// the batch took exactly those seqs; nothing is stored when any part fails.
const T = 'default';
const T0 = Date.parse('2026-04-01T08:00:00Z');
const scope = { tenantId: T, userId: 'u', agentId: undefined, namespace: undefined };

describe('SQLite appendMessagesWith', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  const turnOf = (text: string, messageId: string) =>
    memoryOf(scope, { kind: 'turn', sessionId: 's', text, source: [messageId], embedding: unit(1, 0, 0, 0), embeddingModel: MODEL });
  const chunk = (text: string) =>
    memoryOf(scope, { kind: 'episode', sessionId: 's', text, embedding: unit(0, 1, 0, 0), embeddingModel: MODEL });
  const ids = async (terms: string[]) => (await store.keywordSearch({ tenantId: T, userId: 'u' }, terms, 10)).map((hit) => hit.id);

  beforeEach(async () => {
    dir = tempDir();
    store = new SqliteStore({ path: join(dir.dir, 'append.db') });
    await store.open();
    await store.ensureSession({ id: 's', tenantId: T, userId: 'u', metadata: {}, createdAt: T0 });
  });
  afterEach(async () => {
    await store.close();
    dir.cleanup();
  });

  it('appends the previous turn’s context and stores the chunks when the seqs are the expected ones', async () => {
    const first = turnOf('the ferry leaves at nine', 'msg_1');
    await store.appendMessages(T, 's', [item({ id: 'msg_1', clientMsgId: 'c1' }, first)]);
    const closing = chunk('ferry timetable exchange');
    const outcome = await store.appendMessagesWith(T, 's', [item({ id: 'msg_2', clientMsgId: 'c2' }, turnOf('thanks', 'msg_2'))], {
      previousTurn: { memoryId: first.id, line: 'assistant: the harbour cafe opens at eight', nextTurn: 'mem_2' },
      chunks: { afterSeq: 1, memories: [closing] },
    });
    expect(outcome.chunksStored).toBe(true);
    expect(outcome.results.map((r) => [r.message.seq, r.created])).toEqual([[2, true]]);
    const [extended] = await store.getMemories(T, [first.id]);
    expect(extended?.context).toBe('assistant: the harbour cafe opens at eight');
    expect(extended?.metadata.nextTurn).toBe('mem_2');
    // Searchable as soon as the call returns: the new context and the chunk.
    expect(await ids(['harbour'])).toEqual([first.id]);
    expect(await ids(['timetable'])).toEqual([closing.id]);
  });

  it('leaves the chunks out when the batch took other seqs or a message was stored already', async () => {
    await store.appendMessages(T, 's', [item({ id: 'msg_1', clientMsgId: 'c1' })]);
    const moved = await store.appendMessagesWith(T, 's', [item({ clientMsgId: 'c2', content: 'second' })], {
      chunks: { afterSeq: 0, memories: [chunk('expected at seq one')] },
    });
    expect(moved.chunksStored).toBe(false);
    const retried = await store.appendMessagesWith(T, 's', [item({ clientMsgId: 'c2', content: 'second' }), item({ clientMsgId: 'c3' })], {
      chunks: { afterSeq: 2, memories: [chunk('a retried batch')] },
    });
    expect(retried.chunksStored).toBe(false);
    expect(retried.results.map((r) => [r.message.seq, r.created])).toEqual([
      [2, false],
      [3, true],
    ]);
    expect(await store.countMemories({ tenantId: T, kinds: ['episode'] })).toBe(0);
    expect(await ids(['expected', 'retried'])).toEqual([]);
  });

  it('stores nothing when a chunk cannot be stored: messages, turn and context go with it', async () => {
    const first = turnOf('the ferry leaves at nine', 'msg_1');
    await store.appendMessages(T, 's', [item({ id: 'msg_1' }, first)]);
    const taken = chunk('a chunk whose id is taken');
    await store.insertMemories([taken]);
    await expect(
      store.appendMessagesWith(T, 's', [item({ id: 'msg_2' }, turnOf('thanks for the timetable', 'msg_2'))], {
        previousTurn: { memoryId: first.id, line: 'assistant: the harbour cafe opens at eight', nextTurn: 'mem_2' },
        chunks: { afterSeq: 1, memories: [{ ...chunk('the same id again'), id: taken.id }] },
      }),
    ).rejects.toThrow();
    expect((await store.getSession(T, 's'))?.lastSeq).toBe(1);
    expect(await store.listMessages(T, 's', { limit: 10, order: 'asc' })).toHaveLength(1);
    expect((await store.getMemories(T, [first.id]))[0]?.context).toBeNull();
    expect(await ids(['harbour', 'timetable'])).toEqual([]);
  });
});
