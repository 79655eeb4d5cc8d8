import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { chunkText, isChunk } from '../../src/core/turn-chunks.js';
import { absorbContained, dropCovered, type SearchHit, sameTopic } from '../../src/retrieval/hybrid-search.js';
import type { MemoryRecord, MessageRecord } from '../../src/spec/records.js';
import { memoryInRam } from '../helpers/memory.js';

const T0 = Date.parse('2026-03-01T09:00:00Z');
const MIN = 60_000;

const CONVERSATION = [
  { role: 'user', content: 'Big news, I got the job at the hospital network!' },
  { role: 'assistant', content: 'Congratulations! When does the new job start?' },
  { role: 'user', content: 'It starts on March 2nd.' },
  { role: 'assistant', content: 'Noted. Shall we revisit the savings plan then?' },
  { role: 'user', content: 'Yes, and remind me about the dentist.' },
  { role: 'assistant', content: 'Will do.' },
  { role: 'user', content: 'My sister visits in June.' },
] as const;

async function replay(memory: MemoryService, sessionId = 's1', userId = 'alice'): Promise<void> {
  await memory.createSession({ id: sessionId, userId, createdAt: T0 });
  // One message per call, as a chat client sends them.
  for (const [i, message] of CONVERSATION.entries()) {
    await memory.addMessages(sessionId, [{ ...message, clientMsgId: `${sessionId}-m${i + 1}`, createdAt: T0 + i * MIN }]);
  }
}

async function chunks(memory: MemoryService, userId = 'alice'): Promise<MemoryRecord[]> {
  return (await memory.listMemories({ userId, kinds: ['episode'], limit: 100 })).filter(isChunk);
}

describe('turn chunks', () => {
  let memory: MemoryService;
  beforeEach(async () => {
    memory = await memoryInRam();
  });
  afterEach(async () => {
    await memory.close();
  });

  it('index four consecutive turns every three turns, covering their messages', async () => {
    await replay(memory);
    const found = (await chunks(memory)).sort((a, b) => a.createdAt - b.createdAt);
    // Seven turns: windows 1-4 and 4-7.
    expect(found.map((chunk) => chunk.metadata.sourceClientMsgIds)).toEqual([
      ['s1-m1', 's1-m2', 's1-m3', 's1-m4'],
      ['s1-m4', 's1-m5', 's1-m6', 's1-m7'],
    ]);
    const messages = await memory.listMessages('s1');
    const first = found[0] as MemoryRecord;
    expect(first.source).toEqual(messages.slice(0, 4).map((m) => m.id));
    expect(first.text).toBe(
      'user: Big news, I got the job at the hospital network!\nassistant: Congratulations! When does the new job start?\nuser: It starts on March 2nd.\nassistant: Noted. Shall we revisit the savings plan then?',
    );
    expect(first.createdAt).toBe(T0 + 3 * MIN);
    expect(first.sessionId).toBe('s1');
  });

  it('are written the same when the messages arrive in one batch', async () => {
    await memory.createSession({ id: 's1', userId: 'alice', createdAt: T0 });
    await memory.addMessages(
      's1',
      CONVERSATION.map((m, i) => ({ ...m, clientMsgId: `s1-m${i + 1}`, createdAt: T0 + i * MIN })),
    );
    expect((await chunks(memory)).map((chunk) => chunk.metadata.toSeq).sort()).toEqual([4, 7]);
    // A retried batch writes no chunk twice.
    await memory.addMessages('s1', [{ role: 'user', content: 'My sister visits in June.', clientMsgId: 's1-m7' }]);
    expect(await chunks(memory)).toHaveLength(2);
  });

  it('do not span a pause of more than six hours inside a session', async () => {
    await memory.createSession({ id: 's1', userId: 'alice', createdAt: T0 });
    const at = [0, 1, 2, 7 * 60, 7 * 60 + 1, 7 * 60 + 2, 7 * 60 + 3].map((minutes) => T0 + minutes * MIN);
    for (const [i, message] of CONVERSATION.entries()) {
      await memory.addMessages('s1', [{ ...message, clientMsgId: `s1-m${i + 1}`, createdAt: at[i] }]);
    }
    // Window 1-4 keeps only m4 after the pause (one turn: no chunk); window 4-7 is whole.
    expect((await chunks(memory)).map((chunk) => chunk.metadata.sourceClientMsgIds)).toEqual([['s1-m4', 's1-m5', 's1-m6', 's1-m7']]);
  });

  it('can be turned off', async () => {
    await memory.close();
    memory = await memoryInRam({ chunks: { turns: 0 } });
    await replay(memory);
    expect(await chunks(memory)).toHaveLength(0);
    expect(await memory.countMemories({ userId: 'alice' })).toBe(CONVERSATION.length);
  });

  it('let a question split over an exchange find the answer, without repeating the covered turns', async () => {
    await replay(memory);
    const { results } = await memory.search('When does the new job start?', { userId: 'alice', k: 5 });
    const top = results[0]?.memory as MemoryRecord;
    expect(isChunk(top)).toBe(true);
    expect(top.text).toContain('March 2nd');
    // No later result is a turn already inside a higher result.
    const seen = new Set<string>();
    for (const result of results) {
      expect(result.memory.source.every((id) => seen.has(id))).toBe(false);
      for (const id of result.memory.source) seen.add(id);
    }
  });

  it('go with forget of a turn they quote and with forgetUser', async () => {
    await replay(memory);
    await replay(memory, 'b1', 'bob');
    const answer = (await memory.listMemories({ userId: 'alice', kinds: ['turn'], limit: 100 })).find(
      (m) => m.metadata.clientMsgId === 's1-m3',
    ) as MemoryRecord;
    await memory.forget(answer.id);
    // s1-m3 was in window 1-4 only; 4-7 is left.
    expect((await chunks(memory)).map((chunk) => chunk.metadata.sourceClientMsgIds)).toEqual([['s1-m4', 's1-m5', 's1-m6', 's1-m7']]);
    const { results } = await memory.search('March 2nd', { userId: 'alice', k: 10 });
    expect(results.some((r) => r.memory.text.includes('March 2nd'))).toBe(false);
    await memory.forgetUser('alice');
    expect(await chunks(memory)).toHaveLength(0);
    expect(await chunks(memory, 'bob')).toHaveLength(2);
  });

  it('go when a turn they quote is rewritten', async () => {
    await replay(memory);
    const turn = (await memory.listMemories({ userId: 'alice', kinds: ['turn'], limit: 100 })).find(
      (m) => m.metadata.clientMsgId === 's1-m5',
    ) as MemoryRecord;
    await memory.updateMemory(turn.id, { tags: ['x'] });
    expect(await chunks(memory)).toHaveLength(2);
    await memory.updateMemory(turn.id, { text: 'Yes, and remind me about the optician.' });
    expect((await chunks(memory)).map((chunk) => chunk.metadata.sourceClientMsgIds)).toEqual([['s1-m1', 's1-m2', 's1-m3', 's1-m4']]);
  });

  it('are packed into the context once, without the turns already shown', async () => {
    await replay(memory);
    await memory.createSession({ id: 'q', userId: 'alice', createdAt: T0 + 60 * MIN });
    const context = await memory.getContext('q', { query: 'When does the new job start?', tokenBudget: 1500, now: T0 + 60 * MIN });
    expect(context.text).toContain('March 2nd');
    // Every message appears once in the packed text.
    for (const message of CONVERSATION) expect(context.text.split(message.content).length - 1).toBeLessThanOrEqual(1);
    expect(context.items.some((item) => item.kind === 'memory' && item.text.includes(' / '))).toBe(true);
  });
});

describe('chunkText and dropCovered', () => {
  it('chunkText writes one clipped line per turn, newlines folded', () => {
    const turn = (content: string, name: string | null = null): MessageRecord =>
      ({ role: 'user', name, content }) as unknown as MessageRecord;
    expect(chunkText([turn('a\nb'), turn('0123456789', 'Caroline')], 5)).toBe('user: a b\nCaroline: 01234…');
  });

  it('dropCovered keeps notes and drops hits whose messages all rank above', () => {
    const hit = (id: string, source: string[]) => ({ memory: { id, source } as unknown as MemoryRecord });
    const kept = dropCovered([hit('chunk', ['m1', 'm2', 'm3']), hit('turn', ['m2']), hit('note', []), hit('next', ['m3', 'm4'])]);
    expect(kept.map((h) => h.memory.id)).toEqual(['chunk', 'note', 'next']);
  });

  it('absorbContained lets a chunk take the place of its own turns ranked above it, within the window', () => {
    const hit = (id: string, source: string[], score: number) => ({ memory: { id, source } as unknown as MemoryRecord, score });
    const hits = [
      hit('turn-m2', ['m2'], 0.9),
      hit('other', ['m9'], 0.8),
      hit('turn-m3', ['m3'], 0.7),
      hit('chunk', ['m1', 'm2', 'm3', 'm4'], 0.6),
      hit('note', [], 0.5),
      hit('late-chunk', ['m8', 'm9'], 0.4),
    ];
    const out = absorbContained(hits, 4);
    // The chunk stands where its best turn stood, at that turn's score, and its other turn goes;
    // the list moves up, which brings late-chunk into the window, and it takes the place of "other".
    expect(out.map((h) => h.memory.id)).toEqual(['chunk', 'late-chunk', 'note']);
    expect(out[0]?.score).toBe(0.9);
    expect(out[1]?.score).toBe(0.8);
    // A hit below the window does not move.
    expect(absorbContained(hits, 3).map((h) => h.memory.id)).toEqual(hits.map((h) => h.memory.id));
    // Notes (no sources) are never absorbed; nothing changes when no hit contains an earlier one.
    expect(absorbContained([hit('note', [], 1), hit('chunk', ['m1', 'm2'], 0.5)], 10).map((h) => h.memory.id)).toEqual(['note', 'chunk']);
  });

  it("sameTopic lets a chunk stand for its turn only when its vector similarity stays near the turn's", () => {
    const hit = (id: string, source: string[], score: number, vector: number | null) =>
      ({ memory: { id, source } as unknown as MemoryRecord, score, scores: { vector } }) as unknown as SearchHit;
    const fits = sameTopic(0.5);
    // The turn's neighbours are about something else: the chunk's similarity is under half the turn's.
    const apart = absorbContained([hit('turn', ['m2'], 2.4, 0.83), hit('chunk', ['m1', 'm2', 'm3'], 2.3, 0.4)], 10, fits);
    expect(apart.map((h) => h.memory.id)).toEqual(['turn', 'chunk']);
    const together = absorbContained([hit('turn', ['m2'], 2.4, 0.6), hit('chunk', ['m1', 'm2', 'm3'], 2.3, 0.5)], 10, fits);
    expect(together.map((h) => h.memory.id)).toEqual(['chunk']);
    // Without a vector score on either side, the chunk may.
    expect(fits(hit('chunk', ['m1'], 1, null), hit('turn', ['m1'], 1, 0.9))).toBe(true);
    expect(fits(hit('chunk', ['m1'], 1, 0.1), hit('turn', ['m1'], 1, null))).toBe(true);
  });
});
