import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { defaultSoftMatcher } from '../../src/retrieval/soft-match.js';
import type { NewMemory } from '../../src/spec/memory-store.js';
import type { MemoryRecord } from '../../src/spec/records.js';
import { ContentWordsBackfill } from '../../src/stores/sqlite/content-words-backfill.js';
import { SqliteArchive } from '../../src/stores/sqlite/sqlite-archive.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { item, MODEL, memoryOf, unit } from '../../src/testing/store-fixtures.js';
import { tempDir } from '../helpers/memory.js';

// Each memory's content words are stored beside its text (0006_content_words.sql) so that a
// search's soft match reads them instead of scanning the candidates' texts. What matters: they
// are always the words of the text as it is now (insert, update, an appended context line), a
// memory without them (an older file) is scanned, and scores are the same either way.
const T = 'default';
const T0 = Date.parse('2026-04-01T08:00:00Z');
const scope = { tenantId: T, userId: 'u', agentId: undefined, namespace: undefined };
/** A note with a vector (the store's insert wants one of MODEL's). */
const noteOf = (text: string, context: string | null = null, overrides: Partial<NewMemory> = {}): NewMemory =>
  memoryOf(scope, { text, context, embedding: unit(1, 0, 0, 0), embeddingModel: MODEL, ...overrides });
const QUESTIONS = ['when does the ferry to Zanzibar leave', 'what did the physician say about Biscuit', 'harbour café opening hours'];

describe('SQLite stored content words', () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  let store: SqliteStore;
  const matcher = defaultSoftMatcher();
  /** The soft match of a record from its stored words, beside the same from its texts; asserts the words are stored. */
  const scores = (record: MemoryRecord, stored = true): Array<[number, number]> => {
    const [words] = store.storedWords([record]);
    if (stored) expect(words, record.text).toBeDefined();
    return QUESTIONS.map((question) => [
      matcher.scoreWithContext(matcher.prepare(question), record.text, record.context, 0.8, words),
      matcher.scoreWithContext(matcher.prepare(question), record.text, record.context, 0.8),
    ]);
  };
  const expectSame = (pairs: Array<[number, number]>): void => {
    for (const [fromWords, fromText] of pairs) expect(fromWords).toBe(fromText);
    expect(pairs.some(([score]) => score > 0)).toBe(true);
  };
  const column = (id: string): { text_words: Buffer | null; context_words: Buffer | null } => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare('SELECT text_words, context_words FROM memories WHERE id = ?').get(id) as {
        text_words: Buffer | null;
        context_words: Buffer | null;
      };
    } finally {
      db.close();
    }
  };

  beforeEach(async () => {
    dir = tempDir();
    path = join(dir.dir, 'words.db');
    store = new SqliteStore({ path });
    await store.open();
    await store.ensureSession({ id: 's', tenantId: T, userId: 'u', metadata: {}, createdAt: T0 });
  });
  afterEach(async () => {
    await store.close();
    dir.cleanup();
  });

  it('stores the words of a memory written, and of a turn whose context a later line extends', async () => {
    const note = noteOf("Biscuit's physician moved the appointment", 'user: the vet in Zanzibar');
    await store.insertMemories([note]);
    const turn = noteOf('the ferry leaves at nine', null, { kind: 'turn', sessionId: 's', source: ['msg_1'] });
    await store.appendMessages(T, 's', [item({ id: 'msg_1', clientMsgId: 'c1' }, turn)]);
    expect(column(turn.id).context_words).toBeNull();
    await store.appendTurnContext(T, turn.id, 'assistant: the harbour café opens at eight', 'mem_2');
    await store.appendTurnContext(T, turn.id, 'user: and the ferry to Zanzibar?', 'mem_3');
    const [noteRecord, turnRecord] = await store.getMemories(T, [note.id, turn.id]);
    expect(turnRecord?.context).toBe('assistant: the harbour café opens at eight\nuser: and the ferry to Zanzibar?');
    expectSame(scores(noteRecord as MemoryRecord));
    expectSame(scores(turnRecord as MemoryRecord));
    expect(column(turn.id).context_words).not.toBeNull();
  });

  it('rewrites the words with the text or the context an update sets, and drops them with a context set to null', async () => {
    const note = noteOf('an unrelated line', 'nothing here');
    await store.insertMemories([note]);
    await store.updateMemory(T, note.id, { text: 'the physician saw Biscuit at the harbour', updatedAt: T0 + 1 });
    expectSame(scores((await store.getMemories(T, [note.id]))[0] as MemoryRecord));
    await store.updateMemory(T, note.id, { context: 'user: the ferry to Zanzibar', updatedAt: T0 + 2 });
    const record = (await store.getMemories(T, [note.id]))[0] as MemoryRecord;
    expect(record.context).toBe('user: the ferry to Zanzibar');
    expectSame(scores(record));
    await store.updateMemory(T, note.id, { context: null, updatedAt: T0 + 3 });
    expect(column(note.id).context_words).toBeNull();
    expectSame(scores((await store.getMemories(T, [note.id]))[0] as MemoryRecord));
  });

  it('stores the words of the memories a restore imports', async () => {
    const note = noteOf('the ferry to Zanzibar leaves at nine', 'user: which physician?');
    await store.insertMemories([note]);
    const [record] = await store.getMemories(T, [note.id]);
    const target = new SqliteStore({ path: join(dir.dir, 'restored.db') });
    await target.open();
    try {
      await new SqliteArchive(target).importRecords({
        sessions: [],
        messages: [],
        memories: [{ ...(record as MemoryRecord), sessionId: null, embedding: unit(1, 0, 0, 0) }],
        facts: [],
        factRules: [],
        checkpoints: [],
      });
      const [restored] = await target.getMemories(T, [note.id]);
      const [words] = target.storedWords([restored as MemoryRecord]);
      expect(words?.text).toEqual(matcher.encode(note.text));
      expect(words?.context).toEqual(matcher.encode(note.context));
    } finally {
      await target.close();
    }
  });

  it('scans a memory stored without words (written before 0006), and clears words another encoding wrote when the file is opened', async () => {
    const note = noteOf('the ferry to Zanzibar leaves at nine');
    await store.insertMemories([note]);
    await store.close();
    const db = new Database(path);
    db.prepare('UPDATE memories SET text_words = NULL').run();
    db.prepare("UPDATE content_words_state SET fingerprint = 'another-vocabulary'").run();
    db.close();
    store = new SqliteStore({ path, contentWordsBackfill: false });
    await store.open();
    // Opened under another fingerprint: the state names this one now.
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT fingerprint FROM content_words_state').pluck().get()).toBe(matcher.encodingFingerprint);
    check.close();
    const [record] = await store.getMemories(T, [note.id]);
    expect(store.storedWords([record as MemoryRecord])).toEqual([undefined]);
    expectSame(scores(record as MemoryRecord, false));
    // Words written under another encoding are cleared, not read.
    const other = noteOf('the physician moved the appointment');
    await store.insertMemories([other]);
    await store.close();
    const again = new Database(path);
    again.prepare("UPDATE content_words_state SET fingerprint = 'another-vocabulary'").run();
    again.close();
    store = new SqliteStore({ path, contentWordsBackfill: false });
    await store.open();
    expect(column(other.id).text_words).toBeNull();
  });

  // 0006's backfill: memories without words (an older file, a change of encoding) get them in the background.
  it('encodes the memories stored without words after open, in batches, logging no change of theirs', async () => {
    const notes = Array.from({ length: 450 }, (_, i) => noteOf(`ferry ${i} to Zanzibar`, i % 3 === 0 ? `user: physician ${i}` : null));
    await store.insertMemories(notes);
    await store.close();
    const db = new Database(path);
    db.prepare('UPDATE memories SET text_words = NULL, context_words = NULL').run();
    db.prepare('UPDATE content_words_state SET complete = 0').run();
    const logged = (): number => db.prepare('SELECT count(*) FROM index_log').pluck().get() as number;
    const before = logged();
    store = new SqliteStore({ path });
    await store.open();
    await store.backfillContentWords();
    for (const note of [notes[0], notes[200], notes[449]] as NewMemory[]) {
      expect(column(note.id).text_words).toEqual(matcher.encode(note.text));
      expect(column(note.id).context_words).toEqual(matcher.encode(note.context));
    }
    expect(db.prepare('SELECT count(*) FROM memories WHERE text_words IS NULL').pluck().get()).toBe(0);
    expect(db.prepare('SELECT complete FROM content_words_state').pluck().get()).toBe(1);
    // Not a change of the memories: other processes keep their caches.
    expect(logged()).toBe(before);
    db.close();
    // A later open finds it complete and starts nothing; on demand it is a no-op.
    await store.close();
    store = new SqliteStore({ path, contentWordsBackfill: false });
    await store.open();
    await store.backfillContentWords();
    const [record] = await store.getMemories(T, [(notes[7] as NewMemory).id]);
    expectSame(scores(record as MemoryRecord));
  });
});

describe('content words backfill failure', () => {
  it('reports a failed batch and stops, leaving the memories to be scanned', async () => {
    const dir = tempDir();
    try {
      const path = join(dir.dir, 'failing.db');
      const store = new SqliteStore({ path, contentWordsBackfill: false });
      await store.open();
      await store.insertMemories([noteOf('the ferry to Zanzibar leaves at nine')]);
      await store.close();
      const db = new Database(path);
      db.prepare('UPDATE memories SET text_words = NULL').run();
      const errors: unknown[] = [];
      const backfill = new ContentWordsBackfill(db, defaultSoftMatcher(), (error) => errors.push(error));
      db.close();
      backfill.start();
      await backfill.settled();
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).message).toMatch(/not open/);
      const check = new Database(path, { readonly: true });
      expect(check.prepare('SELECT count(*) FROM memories WHERE text_words IS NULL').pluck().get()).toBe(1);
      expect(check.prepare('SELECT complete FROM content_words_state').pluck().get()).toBe(0);
      check.close();
    } finally {
      dir.cleanup();
    }
  });
});

describe('search with stored content words', () => {
  it('ranks and scores exactly as when it scans the texts', async () => {
    const dir = tempDir();
    const path = join(dir.dir, 'search.db');
    try {
      const memory = await createMemory({ path });
      await memory.createSession({ id: 'trip', userId: 'alice' });
      const lines = [
        "I'm allergic to tree nuts, especially pistachios.",
        'The ferry to Zanzibar leaves at nine from the old harbour.',
        "Biscuit's vet moved the appointment to Thursday.",
        'Our budget for the flat is 1,800 a month, rent included.',
        'Tomás recommended the café near the İstanbul ferry terminal.',
        'My physician said to rest my knee for two weeks.',
      ];
      await memory.addMessages(
        'trip',
        lines.map((content, i) => ({ role: i % 2 === 0 ? ('user' as const) : ('assistant' as const), content })),
      );
      const questions = ['when does the ferry leave', 'what did the doctor say', 'which café did Tomás recommend', 'how much is the rent'];
      const run = (service: MemoryService) =>
        Promise.all(
          questions.map(async (q) =>
            (await service.search(q, { userId: 'alice', k: 5 })).results.map((r) => [r.memory.id, r.scores.softMatch]),
          ),
        );
      const withWords = await run(memory);
      await memory.close();
      const db = new Database(path);
      expect(db.prepare('SELECT count(*) FROM memories WHERE text_words IS NOT NULL').pluck().get()).toBeGreaterThan(0);
      db.prepare('UPDATE memories SET text_words = NULL, context_words = NULL').run();
      db.close();
      const scanning = await createMemory({ path });
      const withoutWords = await run(scanning);
      await scanning.close();
      expect(withWords.flat().length).toBeGreaterThan(0);
      expect(withoutWords).toEqual(withWords);
    } finally {
      dir.cleanup();
    }
  });
});
