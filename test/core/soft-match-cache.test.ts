import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { memoryInRam } from '../helpers/memory.js';

// Soft match caches each memory's words across queries (src/retrieval/soft-match.ts). These
// tests change a memory after it was scored, and check the next search sees the change.
describe('soft match word cache', () => {
  let memory: MemoryService;
  const T0 = Date.parse('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    memory = await memoryInRam();
    await memory.createSession({ id: 's', userId: 'u', createdAt: T0 });
    // The turn has a context (the turn before it) before the next turn arrives and extends it.
    await memory.addMessages('s', [
      { role: 'assistant', content: 'Your flights to Norway are booked.', createdAt: T0 - 1000 },
      { role: 'user', content: 'Where should we stay in Bergen?', createdAt: T0 },
    ]);
  });

  afterAll(async () => {
    await memory.close();
  });

  const turnScore = async (query: string, needle: string): Promise<number> => {
    const { results } = await memory.search(query, { userId: 'u', kinds: ['turn'], k: 10 });
    const hit = results.find((r) => r.memory.text.includes(needle));
    expect(hit).toBeDefined();
    return hit?.scores.softMatch ?? -1;
  };

  it("sees a turn's context grow when the next turn arrives", async () => {
    const before = await turnScore('harbour hotel Bergen', 'stay in Bergen');
    await memory.addMessages('s', [{ role: 'assistant', content: 'A harbour hotel near the fish market.', createdAt: T0 + 1000 }]);
    const after = await turnScore('harbour hotel Bergen', 'stay in Bergen');
    expect(after).toBeGreaterThan(before);
  });

  it('sees an edited text', async () => {
    const { memory: note } = await memory.remember({ userId: 'u', text: 'Prefers window seats on trains' });
    const before = await turnScoreOf(note.id, 'aisle seats on ferries');
    await memory.updateMemory(note.id, { text: 'Prefers aisle seats on ferries' });
    const after = await turnScoreOf(note.id, 'aisle seats on ferries');
    expect(before).toBeLessThan(1);
    expect(after).toBeCloseTo(1, 5);
  });

  const turnScoreOf = async (id: string, query: string): Promise<number> => {
    const { results } = await memory.search(query, { userId: 'u', k: 10 });
    const hit = results.find((r) => r.memory.id === id);
    expect(hit).toBeDefined();
    return hit?.scores.softMatch ?? -1;
  };
});
