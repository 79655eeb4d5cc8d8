import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MEMORY_COLUMN_NAMES, MEMORY_WORD_COLUMN_NAMES, memoryRowOf } from '../../src/stores/sqlite/rows.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { memoryOf } from '../../src/testing/store-fixtures.js';

// Memory rows are read as arrays (`.raw()`) where reads are hot and turned into MemoryRow by
// position: every column must land in its own field, as better-sqlite3's own row objects have it.
describe('SQLite raw memory rows', () => {
  let store: SqliteStore;

  beforeEach(async () => {
    store = new SqliteStore({ path: ':memory:' });
    await store.open();
  });

  afterEach(async () => {
    await store.close();
  });

  it('memoryRowOf gives the row object better-sqlite3 reads, column for column', async () => {
    const scope = { tenantId: 't', userId: 'u', agentId: 'agent', namespace: 'ns' };
    // Every column distinct from the others, so that two swapped columns cannot compare equal.
    const full = memoryOf(scope, {
      sessionId: 'session-1',
      kind: 'turn',
      text: 'the ferry leaves at noon',
      context: 'previous turn: which ferry',
      tags: ['travel', 'ferry'],
      importance: 0.75,
      source: ['msg_1', 'msg_2'],
      metadata: { role: 'user', n: 3 },
      createdAt: 1_700_000_000_001,
      validFrom: 1_700_000_000_002,
      validTo: 1_800_000_000_003,
    });
    const bare = memoryOf({ tenantId: 't', userId: 'u2' });
    await store.insertMemories([full, bare]);
    const sql = `SELECT ${MEMORY_COLUMN_NAMES.join(', ')} FROM memories ORDER BY rowid`;
    const objects = store.internals.db.prepare(sql).all() as Array<Record<string, unknown>>;
    const arrays = store.internals.db.prepare(sql).raw(true).all() as unknown[][];
    expect(objects).toHaveLength(2);
    // Read without the word columns, a row has them null.
    expect(arrays.map(memoryRowOf)).toEqual(objects.map((object) => ({ ...object, text_words: null, context_words: null })));
    expect(objects[0]).toMatchObject({ session_id: 'session-1', context: 'previous turn: which ferry', valid_to: 1_800_000_000_003 });
    // With the stored content words after the record's columns (a search's reads): those too, and null where none.
    const scored = `SELECT ${[...MEMORY_COLUMN_NAMES, ...MEMORY_WORD_COLUMN_NAMES].join(', ')} FROM memories ORDER BY rowid`;
    const withWords = store.internals.db.prepare(scored).all() as Array<Record<string, unknown>>;
    expect((store.internals.db.prepare(scored).raw(true).all() as unknown[][]).map(memoryRowOf)).toEqual(withWords);
    expect(withWords[0]?.text_words).toBeInstanceOf(Buffer);
    expect(withWords[0]?.context_words).toBeInstanceOf(Buffer);
    expect(withWords[1]?.context_words).toBeNull();
    expect(arrays.map(memoryRowOf).map((row) => [row.text_words, row.context_words])).toEqual([
      [null, null],
      [null, null],
    ]);
    // And the store's reads (raw) return the records as written.
    const [record] = await store.getMemories('t', [full.id]);
    expect(record).toMatchObject({ id: full.id, agentId: 'agent', namespace: 'ns', tags: ['travel', 'ferry'], source: ['msg_1', 'msg_2'] });
    expect(record?.metadata).toEqual({ role: 'user', n: 3 });
  });
});
