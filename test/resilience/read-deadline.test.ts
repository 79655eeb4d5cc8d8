import { afterEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { captureLog } from '../helpers/log-capture.js';
import { TOPICS } from '../helpers/memory.js';
import { type SlowStore, slowStore } from '../helpers/slow-store.js';

/**
 * Reads past their deadline. The store is the real SQLite store behind a decorator that really
 * sleeps before the named calls (test/helpers/slow-store.ts); no fake timers.
 */
let memory: MemoryService | null = null;
let slow: SlowStore | null = null;

afterEach(async () => {
  await slow?.idle();
  await memory?.close();
  memory = null;
  slow = null;
});

async function seeded(methods: Parameters<typeof slowStore>[1], options: { deadlineMs?: number; delayMs?: number } = {}) {
  slow = slowStore(new SqliteStore({ path: ':memory:' }), methods, 0);
  const log = captureLog();
  memory = await createMemory({ store: slow.store, readDeadlineMs: options.deadlineMs ?? 50, logger: log.logger });
  await memory.createSession({ id: 's1', userId: 'u1' });
  await memory.addMessages(
    's1',
    TOPICS.slice(0, 8).map((content, i) => ({ role: i % 2 === 0 ? ('user' as const) : ('assistant' as const), content })),
  );
  slow.setDelay(options.delayMs ?? 400);
  return { memory, slow, log };
}

describe('read deadline', () => {
  it('getContext past the deadline returns the recent turns, used: false, reason timeout, and logs context_slow', async () => {
    const { memory, slow, log } = await seeded(['keywordSearch', 'vectorSearch']);
    const context = await memory.getContext('s1', { query: 'violin lessons' });
    // Answered while the slow searches were still running: the deadline, not the store, ended the call.
    expect(slow.inFlight()).toBeGreaterThan(0);
    expect(context.used).toBe(false);
    expect(context.reason).toBe('timeout');
    expect(context.items.length).toBeGreaterThan(0);
    expect(context.items.every((item) => item.kind === 'turn')).toBe(true);
    expect(context.text).toContain('## Recent turns');
    expect(context.text).toContain(TOPICS[7]);
    const slowLine = log.lines().find((line) => line.msg === 'context_slow');
    expect(slowLine).toMatchObject({ level: 40, op: 'get_context', tenant: 'default', user: 'u1', session: 's1', deadline_ms: 50 });
    const turn = log.lines().find((line) => line.msg === 'memory_turn' && line.op === 'get_context');
    expect(turn?.memory).toMatchObject({ mode: 'read_write', used: false, reason: 'timeout' });
  });

  it('the fallback keeps to the token budget, newest turns first', async () => {
    const { memory } = await seeded(['keywordSearch', 'vectorSearch']);
    const context = await memory.getContext('s1', { query: 'violin', tokenBudget: 60 });
    expect(context.reason).toBe('timeout');
    expect(context.tokens).toBeLessThanOrEqual(60);
    expect(context.items.length).toBeGreaterThan(0);
    expect(context.items.at(-1)?.text).toContain(TOPICS[7]);
    expect(context.dropped).toBeGreaterThan(0);
  });

  it('when even the recent turns are too slow, getContext is empty with reason timeout (never an error)', async () => {
    const { memory } = await seeded(['keywordSearch', 'vectorSearch', 'listMessages', 'getFacts']);
    const context = await memory.getContext('s1', { query: 'violin' });
    expect(context).toMatchObject({ used: false, reason: 'timeout', items: [], text: '', tokens: 0 });
  });

  it('search past the deadline returns no results, used: false, reason timeout', async () => {
    const { memory, slow, log } = await seeded(['keywordSearch', 'vectorSearch']);
    const response = await memory.search('espresso machine', { userId: 'u1' });
    expect(slow.inFlight()).toBeGreaterThan(0);
    expect(response).toMatchObject({ results: [], used: false, reason: 'timeout' });
    expect(log.lines().some((line) => line.msg === 'search_slow')).toBe(true);
  });

  it('within the deadline the same calls use memory', async () => {
    const { memory, slow } = await seeded(['keywordSearch', 'vectorSearch'], { deadlineMs: 5_000, delayMs: 20 });
    const context = await memory.getContext('s1', { query: 'espresso machine leaks' });
    expect(context).toMatchObject({ used: true, reason: null });
    const response = await memory.search('espresso machine leaks', { userId: 'u1' });
    expect(response.used).toBe(true);
    expect(response.results[0]?.memory.text).toBe(TOPICS[5]);
    expect(slow.inFlight()).toBe(0);
  });

  it('errors within the deadline still surface as typed errors', async () => {
    const { memory } = await seeded(['keywordSearch']);
    await expect(memory.getContext('missing-session')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    await expect(memory.search('', {})).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
