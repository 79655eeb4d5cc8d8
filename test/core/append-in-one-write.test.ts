import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/memory.js';
import { observedStore } from '../helpers/observed-store.js';

// SQLite writes an addMessages call (messages and turns, the previous turn's new context, the
// turn chunks the batch closes) in one transaction through appendMessagesWith, with the chunks
// derived from the seqs core expects. A store without the method gets three writes. Both paths
// must leave the same memories, found the same way.
const T0 = Date.parse('2026-04-01T09:00:00Z');
const MIN = 60_000;

type Calls = Map<string, number>;

const BATCHES: ReadonlyArray<ReadonlyArray<{ role: 'user' | 'assistant'; content: string; at: number }>> = [
  [{ role: 'user', content: 'We are planning the kitchen renovation for May.', at: 0 }],
  [
    { role: 'assistant', content: 'Which parts first: cabinets or the floor?', at: 1 },
    { role: 'user', content: 'The floor, oak planks, then the cabinets.', at: 2 },
  ],
  [
    { role: 'assistant', content: 'Oak needs a week to acclimatise before laying.', at: 3 },
    { role: 'user', content: 'Then order the planks by the 20th of April.', at: 4 },
    { role: 'assistant', content: 'Noted: planks ordered by April 20th.', at: 5 },
    { role: 'user', content: 'And the electrician comes on the 2nd.', at: 6 },
  ],
  // After a long pause: a new exchange, no chunk spans it.
  [{ role: 'assistant', content: 'Welcome back. How did the floor turn out?', at: 60 * 24 }],
  [
    { role: 'user', content: 'Beautiful, the oak floor is done.', at: 60 * 24 + 1 },
    { role: 'assistant', content: 'Great, the cabinets are next then.', at: 60 * 24 + 2 },
  ],
];

describe('addMessages in one write (SQLite appendMessagesWith)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const run = async (fallback: boolean) => {
    const dir = tempDir();
    cleanups.push(() => dir.cleanup());
    const calls: Calls = new Map();
    const memory = await createMemory({
      store: observedStore(new SqliteStore({ path: join(dir.dir, 'one-write.db') }), {
        calls,
        hide: fallback ? ['appendMessagesWith'] : [],
      }),
    });
    cleanups.push(() => memory.close());
    await memory.createSession({ id: 's', userId: 'u', createdAt: T0 });
    let n = 0;
    for (const batch of BATCHES) {
      await memory.addMessages(
        's',
        batch.map((m) => ({ role: m.role, content: m.content, clientMsgId: `m${++n}`, createdAt: T0 + m.at * MIN })),
      );
    }
    // A retried batch (its first message stored already): the chunks it closes come from the stored turns.
    await memory.addMessages('s', [
      { role: 'assistant', content: 'Great, the cabinets are next then.', clientMsgId: `m${n}`, createdAt: T0 + (60 * 24 + 2) * MIN },
      { role: 'user', content: 'Yes, white ones with brass handles.', clientMsgId: `m${++n}`, createdAt: T0 + (60 * 24 + 3) * MIN },
    ]);
    calls.clear();
    await memory.addMessages('s', [
      { role: 'assistant', content: 'Brass handles it is.', clientMsgId: `m${++n}`, createdAt: T0 + (60 * 24 + 4) * MIN },
      { role: 'user', content: 'Thanks, see you after the fitting.', clientMsgId: `m${++n}`, createdAt: T0 + (60 * 24 + 5) * MIN },
    ]);
    const oneCall = new Map(calls);
    return { memory, oneCall, state: await stored(memory) };
  };

  /** Every memory, ids replaced by the clientMsgIds they came from (ids are random per run). */
  const stored = async (memory: MemoryService) => {
    const messages = await memory.listMessages('s', { limit: 100 });
    const clientOf = new Map(messages.map((m) => [m.id, m.clientMsgId]));
    const all = await memory.listMemories({ userId: 'u', limit: 100 });
    const name = (id: unknown): unknown => {
      if (typeof id !== 'string') return id;
      const messageId = id.replace(/^mem_chunk_/, 'msg_').replace(/^mem_/, 'msg_');
      return `${id.startsWith('mem_chunk_') ? 'chunk:' : ''}${clientOf.get(messageId) ?? id}`;
    };
    return all.map((m) => ({
      id: name(m.id),
      kind: m.kind,
      text: m.text,
      context: m.context,
      source: m.source.map(name),
      metadata: { ...m.metadata, previousTurn: name(m.metadata.previousTurn), nextTurn: name(m.metadata.nextTurn) },
      createdAt: m.createdAt,
      validFrom: m.validFrom,
      seqs: messages.map((message) => message.seq),
    }));
  };

  it('stores what the three writes store, and finds it the same way', async () => {
    const one = await run(false);
    const three = await run(true);
    expect(one.state).toEqual(three.state);
    expect(one.state.filter((m) => m.kind === 'episode').map((m) => m.id)).toEqual(['chunk:m4', 'chunk:m7', 'chunk:m10', 'chunk:m13']);
    for (const query of ['oak floor planks', 'electrician', 'brass handles cabinets']) {
      const found = async (memory: MemoryService) =>
        // Scores to 6 digits: recency moves with the clock between the two runs (9 digits failed once in a loaded full run).
        (await memory.search(query, { userId: 'u', k: 5 })).results.map((r) => [r.memory.text, r.score.toFixed(6)]);
      expect(await found(one.memory)).toEqual(await found(three.memory));
    }
  });

  it('makes one store write a call where three were made', async () => {
    const one = await run(false);
    const three = await run(true);
    // The last call closes a chunk (seqs 10-13) and extends the previous turn's context.
    expect(Object.fromEntries(one.oneCall)).toMatchObject({ appendMessagesWith: 1 });
    expect(one.oneCall.get('appendMessages')).toBeUndefined();
    expect(one.oneCall.get('appendTurnContext')).toBeUndefined();
    expect(one.oneCall.get('insertMemories')).toBeUndefined();
    expect(Object.fromEntries(three.oneCall)).toMatchObject({ appendMessages: 1, appendTurnContext: 1, insertMemories: 1 });
  });
});
