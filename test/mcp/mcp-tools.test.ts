import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { MCP_TOOL_NAMES } from '../../src/mcp/create-mcp-server.js';
import { memoryInRam, snapshot, TOPICS } from '../helpers/memory.js';
import { callError, callOk, connectInMemory } from './mcp-client.js';

interface Added {
  sessionId: string;
  messages: Array<{ id: string; seq: number; clientMsgId: string | null; created: boolean; memoryId: string | null }>;
}
interface MemoryOut {
  id: string;
  kind: string;
  text: string;
  userId: string;
  tags: string[];
  createdAt: string;
}
interface SearchOut {
  results: Array<{ memory: MemoryOut; score: number; relevant: boolean; scores: { relevance: number } }>;
  threshold: number;
}
interface FactOut {
  subject: string;
  key: string;
  value: unknown;
  validFrom: string;
  validTo: string | null;
}

let memory: MemoryService;
let client: Client;

beforeAll(async () => {
  memory = await memoryInRam({ tenantId: 'acme' });
  client = await connectInMemory(memory);
});
afterAll(async () => {
  await client.close();
  await memory.close();
});

describe('MCP tools over an in-memory transport', () => {
  it('lists the seven tools with descriptions, strict input schemas, output schemas and annotations', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual([...MCP_TOOL_NAMES]);
    for (const tool of tools) {
      expect(tool.description?.length, tool.name).toBeGreaterThan(60);
      expect(tool.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.annotations?.openWorldHint).toBe(false);
    }
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect(byName.get('add_messages')?.inputSchema.required).toEqual(['sessionId', 'messages']);
    const message = (byName.get('add_messages')?.inputSchema.properties?.messages as { items?: Record<string, unknown> } | undefined)
      ?.items;
    expect(message).toMatchObject({ additionalProperties: false, required: ['role', 'content'] });
    expect(byName.get('search_memory')?.inputSchema.required).toEqual(['query']);
    expect(byName.get('set_fact')?.inputSchema.required).toEqual(['userId', 'subject', 'key', 'value']);
    expect(byName.get('forget')?.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
    for (const name of ['get_context', 'search_memory', 'get_facts']) expect(byName.get(name)?.annotations?.readOnlyHint, name).toBe(true);
    const info = client.getServerVersion();
    expect(info?.name).toBe('strata');
    expect(client.getInstructions()).toContain('get_context');
  });

  it('add_messages creates the session for userId, stores the turns searchable at once, and is idempotent on clientMsgId', async () => {
    const messages = [
      { role: 'user', name: 'Alice', content: TOPICS[0], clientMsgId: 'c1', createdAt: '2026-03-02T09:00:00Z' },
      { role: 'assistant', content: 'Beagles love the park!', clientMsgId: 'c2', createdAt: '2026-03-02T09:00:05Z' },
    ];
    const first = await callOk<Added>(client, 'add_messages', { sessionId: 's-add', userId: 'alice', messages });
    expect(first.data.sessionId).toBe('s-add');
    expect(first.data.messages.map((m) => [m.seq, m.created])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(first.text).toBe('Stored 2 message(s) (seq 1-2) in session s-add.');
    expect((await memory.getSession('s-add')).userId).toBe('alice');

    const again = await callOk<Added>(client, 'add_messages', { sessionId: 's-add', userId: 'alice', messages });
    expect(again.data.messages.map((m) => [m.id, m.created])).toEqual(first.data.messages.map((m) => [m.id, false]));
    expect(again.text).toContain('2 were already stored');
    expect((await snapshot(memory, 's-add')).messages).toBe(2);

    // Without userId the session must exist; with it, it is appended to.
    const third = await callOk<Added>(client, 'add_messages', { sessionId: 's-add', messages: [{ role: 'user', content: 'Thanks!' }] });
    expect(third.data.messages[0]?.seq).toBe(3);
    const found = await callOk<SearchOut>(client, 'search_memory', { query: 'beagle squirrels', userId: 'alice', kinds: ['turn'] });
    expect(found.data.results[0]?.memory.text).toBe(`Alice: ${TOPICS[0]}`);
  });

  it('add_messages without userId on a missing session, or for another user, is a coded tool error that writes nothing', async () => {
    const before = await snapshot(memory);
    const missing = await callError(client, 'add_messages', { sessionId: 's-nobody', messages: [{ role: 'user', content: 'hello' }] });
    expect(missing.code).toBe('SESSION_NOT_FOUND');
    expect(missing.text).toMatch(/^SESSION_NOT_FOUND: /);
    await callOk(client, 'add_messages', { sessionId: 's-bob', userId: 'bob', messages: [{ role: 'user', content: 'hi' }] });
    const other = await callError(client, 'add_messages', {
      sessionId: 's-bob',
      userId: 'mallory',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(other.code).toBe('SCOPE_CONFLICT');
    expect(await snapshot(memory, 's-bob')).toMatchObject({ messages: 1, memories: before.memories + 1 });
  });

  it('get_context packs facts, memories and recent turns, with the reason for each item', async () => {
    await callOk(client, 'set_fact', { userId: 'carol', subject: 'user', key: 'diet', value: 'vegetarian' });
    await callOk(client, 'add_messages', {
      sessionId: 's-ctx',
      userId: 'carol',
      messages: [
        { role: 'user', content: TOPICS[1] },
        { role: 'user', content: TOPICS[6] },
      ],
    });
    const { text, data } = await callOk<{
      text: string;
      tokens: number;
      tokenBudget: number;
      items: Array<{ kind: string; why: { reason: string } }>;
    }>(client, 'get_context', { sessionId: 's-ctx', query: 'what food should I avoid?', tokenBudget: 500, depth: 'rapid' });
    expect(data.tokenBudget).toBe(500);
    expect(data.tokens).toBeLessThanOrEqual(500);
    expect(data.text).toContain('user.diet');
    expect(data.text).toContain('peanuts');
    expect(data.items.map((item) => item.kind)).toEqual(expect.arrayContaining(['fact', 'turn']));
    for (const item of data.items) expect(item.why.reason.length).toBeGreaterThan(0);
    expect(text).toContain(data.text);
    expect(text).toMatch(/\[\d+\/500 tokens, \d+ items, depth rapid/);
    expect((await callError(client, 'get_context', { sessionId: 's-none' })).code).toBe('SESSION_NOT_FOUND');
  });

  it('search_memory ranks with a score breakdown, filters by kind and tags, and says when nothing matched', async () => {
    await callOk(client, 'remember', { userId: 'dave', text: TOPICS[4], tags: ['hobby'] });
    await callOk(client, 'remember', { userId: 'dave', text: TOPICS[9], tags: ['sport'] });
    const { text, data } = await callOk<SearchOut>(client, 'search_memory', { query: 'violin practice', userId: 'dave', k: 5 });
    expect(data.results[0]?.memory).toMatchObject({ text: TOPICS[4], kind: 'note', userId: 'dave', tags: ['hobby'] });
    expect(data.results[0]?.relevant).toBe(true);
    expect(data.results[0]?.scores.relevance).toBeGreaterThanOrEqual(data.threshold);
    expect(Date.parse(data.results[0]?.memory.createdAt ?? '')).toBeGreaterThan(0);
    expect(text).toMatch(/^\d+ memories \(\d+ above the relevance threshold\), best first:\n1\. I started learning the violin/);
    const tagged = await callOk<SearchOut>(client, 'search_memory', { query: 'running', userId: 'dave', tags: ['sport'] });
    expect(tagged.data.results.map((r) => r.memory.text)).toEqual([TOPICS[9]]);
    const none = await callOk<SearchOut>(client, 'search_memory', { query: 'violin', userId: 'dave', kinds: ['fact'] });
    expect(none).toEqual({ text: 'No memories matched.', data: { results: [], threshold: expect.any(Number) } });
  });

  it('remember dedupes the same text; forget deletes it from search; forgetting twice is MEMORY_NOT_FOUND', async () => {
    const first = await callOk<{ memory: MemoryOut; created: boolean }>(client, 'remember', {
      userId: 'erin',
      text: TOPICS[7],
      importance: 0.9,
    });
    expect(first.data.created).toBe(true);
    expect(first.text).toBe(`Remembered ${first.data.memory.id}: ${TOPICS[7]}`);
    const again = await callOk<{ memory: MemoryOut; created: boolean }>(client, 'remember', { userId: 'erin', text: TOPICS[7] });
    expect(again.data).toMatchObject({ created: false, memory: { id: first.data.memory.id } });

    const forgotten = await callOk(client, 'forget', { id: first.data.memory.id });
    expect(forgotten.data).toEqual({ id: first.data.memory.id, forgotten: true });
    const after = await callOk<SearchOut>(client, 'search_memory', { query: 'chemistry exam', userId: 'erin' });
    expect(after.data.results).toEqual([]);
    expect((await callError(client, 'forget', { id: first.data.memory.id })).code).toBe('MEMORY_NOT_FOUND');
  });

  it('set_fact replaces the current value and keeps history; get_facts reads now or as of a time', async () => {
    const set = await callOk<{ fact: FactOut; closed: FactOut | null; created: boolean }>(client, 'set_fact', {
      userId: 'fred',
      subject: 'user',
      key: 'city',
      value: 'Lisbon',
      validFrom: '2025-01-01T00:00:00Z',
    });
    expect(set.data).toMatchObject({ created: true, closed: null, fact: { value: 'Lisbon', validFrom: '2025-01-01T00:00:00.000Z' } });
    const moved = await callOk<{ fact: FactOut; closed: FactOut | null }>(client, 'set_fact', {
      userId: 'fred',
      subject: 'user',
      key: 'city',
      value: 'Girne',
      validFrom: '2026-01-01T00:00:00Z',
    });
    expect(moved.data.closed).toMatchObject({ value: 'Lisbon', validTo: '2026-01-01T00:00:00.000Z' });
    expect(moved.text).toContain('It replaces "Lisbon"');
    await callOk(client, 'set_fact', { userId: 'fred', subject: 'user', key: 'prefs', value: { units: 'metric', tea: true } });

    const now = await callOk<{ facts: FactOut[] }>(client, 'get_facts', { userId: 'fred' });
    expect(Object.fromEntries(now.data.facts.map((f) => [f.key, f.value]))).toEqual({
      city: 'Girne',
      prefs: { units: 'metric', tea: true },
    });
    expect(now.text).toContain('user.city = "Girne"');
    const then = await callOk<{ facts: FactOut[] }>(client, 'get_facts', { userId: 'fred', key: 'city', asOf: '2025-06-01T00:00:00Z' });
    expect(then.data.facts.map((f) => f.value)).toEqual(['Lisbon']);
    expect((await callOk(client, 'get_facts', { userId: 'nobody' })).text).toBe('No facts.');
  });

  it('rejects bad input as a tool error (never a protocol error) and writes nothing', async () => {
    await callOk(client, 'add_messages', { sessionId: 's-bad', userId: 'gina', messages: [{ role: 'user', content: 'first' }] });
    const before = await snapshot(memory, 's-bad');

    // Caught by the input schema in the SDK, before any handler runs.
    const schemaCases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['add_messages', { sessionId: 's-bad', userId: 'gina', messages: [{ role: 'user', content: 'x' }], tenantId: 'other' }, /tenantId/],
      ['add_messages', { sessionId: 's-bad', messages: [{ role: 'user', content: 'x', extra: 1 }] }, /extra/],
      ['add_messages', { sessionId: 's-bad', messages: [{ role: 'robot', content: 'x' }] }, /role/],
      ['add_messages', { sessionId: 's-bad' }, /messages/],
      ['remember', { userId: 'gina', text: 42 }, /text/],
      ['search_memory', { query: 'x', k: 'ten' }, /k/],
    ];
    for (const [name, args, field] of schemaCases) {
      const error = await callError(client, name, args);
      expect(error.text, name).toMatch(/Input validation error/);
      expect(error.text, name).toMatch(field);
    }

    // Caught by the core: a StrataError code, the field at fault, in the text and in _meta.
    const empty = await callError(client, 'add_messages', {
      sessionId: 's-bad',
      messages: [
        { role: 'user', content: 'ok' },
        { role: 'user', content: '  ' },
      ],
    });
    expect(empty).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'messages[1].content' } });
    expect(empty.text).toBe('INVALID_INPUT: messages[1].content must not be empty (field: messages[1].content)');
    expect((await callError(client, 'add_messages', { sessionId: 's-bad', messages: [] })).code).toBe('INVALID_INPUT');
    expect(
      (await callError(client, 'add_messages', { sessionId: 'bad id!', userId: 'gina', messages: [{ role: 'user', content: 'x' }] })).code,
    ).toBe('INVALID_ID');
    expect((await callError(client, 'remember', { userId: 'gina', text: 'x', importance: 7 })).code).toBe('INVALID_INPUT');
    expect((await callError(client, 'remember', { userId: 'gina', text: 'x'.repeat(200_000) })).code).toBe('TEXT_TOO_LONG');
    expect((await callError(client, 'get_context', { sessionId: 's-bad', tokenBudget: 0 })).code).toBe('INVALID_INPUT');
    expect(
      (await callError(client, 'set_fact', { userId: 'gina', subject: 'user', key: 'tz', value: 'x', validFrom: 'yesterday' })).code,
    ).toBe('INVALID_INPUT');

    // A new session is created only once its messages have passed the core's checks.
    const fresh = await callError(client, 'add_messages', {
      sessionId: 's-new-bad',
      userId: 'gina',
      messages: [{ role: 'user', content: '' }],
    });
    expect(fresh.code).toBe('INVALID_INPUT');
    expect((await callError(client, 'get_context', { sessionId: 's-new-bad' })).code).toBe('SESSION_NOT_FOUND');

    expect(await snapshot(memory, 's-bad')).toEqual(before);
    expect((await callOk<{ facts: unknown[] }>(client, 'get_facts', { userId: 'gina' })).data.facts).toEqual([]);
  });

  it('keeps tenants apart: a server for tenant B sees none of tenant A', async () => {
    const a = await connectInMemory(memory.forTenant('tenant-a'));
    const b = await connectInMemory(memory.forTenant('tenant-b'));
    try {
      await callOk(a, 'add_messages', { sessionId: 'shared-id', userId: 'uma', messages: [{ role: 'user', content: TOPICS[2] }] });
      const note = await callOk<{ memory: MemoryOut }>(a, 'remember', { userId: 'uma', text: TOPICS[3] });
      await callOk(a, 'set_fact', { userId: 'uma', subject: 'user', key: 'home', value: 'Girne' });

      expect((await callOk<SearchOut>(b, 'search_memory', { query: 'balcony harbour castle' })).data.results).toEqual([]);
      expect((await callOk<SearchOut>(b, 'search_memory', { query: 'budget review', userId: 'uma' })).data.results).toEqual([]);
      expect((await callError(b, 'get_context', { sessionId: 'shared-id' })).code).toBe('SESSION_NOT_FOUND');
      expect((await callError(b, 'add_messages', { sessionId: 'shared-id', messages: [{ role: 'user', content: 'x' }] })).code).toBe(
        'SESSION_NOT_FOUND',
      );
      expect((await callError(b, 'forget', { id: note.data.memory.id })).code).toBe('MEMORY_NOT_FOUND');
      expect((await callOk<{ facts: unknown[] }>(b, 'get_facts', { userId: 'uma' })).data.facts).toEqual([]);

      // The same session id in B is B's own session; A's data is untouched.
      await callOk(b, 'add_messages', { sessionId: 'shared-id', userId: 'uma', messages: [{ role: 'user', content: 'B only' }] });
      const inA = await callOk<SearchOut>(a, 'search_memory', { query: 'budget review', userId: 'uma' });
      expect(inA.data.results[0]?.memory.id).toBe(note.data.memory.id);
      expect((await snapshot(memory.forTenant('tenant-a'), 'shared-id')).messages).toBe(1);
      expect((await snapshot(memory.forTenant('tenant-b'), 'shared-id')).messages).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('answers INTERNAL without the message for an unexpected failure, and reports it to onError', async () => {
    const own = await memoryInRam();
    const failures: Array<[string, unknown]> = [];
    const c = await connectInMemory(own, { onError: (error, tool) => failures.push([tool, error]) });
    try {
      await callOk(c, 'remember', { userId: 'hal', text: 'before the store went away' });
      await own.store.close(); // the database closes under the service: a raw driver error, not a StrataError
      const error = await callError(c, 'search_memory', { query: 'store', userId: 'hal' });
      expect(error.code).toBe('INTERNAL');
      expect(error.text).toBe('INTERNAL: search_memory failed unexpectedly; the error was logged on the server');
      expect(failures).toHaveLength(1);
      expect(failures[0]?.[0]).toBe('search_memory');
      expect(String(failures[0]?.[1])).toMatch(/not open/i);
    } finally {
      await c.close();
    }
  });

  it('answers CLOSED once the memory service is closed', async () => {
    const own = await memoryInRam();
    const c = await connectInMemory(own);
    try {
      await own.close();
      expect((await callError(c, 'get_facts', { userId: 'ivy' })).code).toBe('CLOSED');
    } finally {
      await c.close();
    }
  });
});
