import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddedMessage, ContextResponse, SearchResponse, SetFactResponse } from '../../src/core/types.js';
import type { FactRecord, MemoryRecord, MessageRecord, SessionRecord } from '../../src/spec/records.js';
import { expectProblem, type HttpFixture, httpFixture, json } from './http-fixture.js';

let f: HttpFixture;
let key: string;

beforeAll(async () => {
  f = await httpFixture();
  key = await f.key('acme');
});
afterAll(async () => {
  await f.close();
});

type Page<T> = { data: T[]; nextCursor: string | null };

describe('sessions and messages', () => {
  it('POST /v1/sessions creates (201), returns an existing one (200), and refuses another scope (409)', async () => {
    const created = await f.call(key, 'POST', '/v1/sessions', {
      id: 'chat-1',
      userId: 'alice',
      agentId: 'concierge',
      metadata: { channel: 'web' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(json<SessionRecord>(created)).toMatchObject({
      id: 'chat-1',
      tenantId: 'acme',
      userId: 'alice',
      agentId: 'concierge',
      metadata: { channel: 'web' },
      lastSeq: 0,
    });
    const again = await f.call(key, 'POST', '/v1/sessions', { id: 'chat-1', userId: 'alice', agentId: 'concierge' });
    expect(again.statusCode).toBe(200);
    expectProblem(await f.call(key, 'POST', '/v1/sessions', { id: 'chat-1', userId: 'bob' }), 409, 'SCOPE_CONFLICT');
    const generated = json<SessionRecord>(await f.call(key, 'POST', '/v1/sessions', { userId: 'alice' }));
    expect(generated.id).toMatch(/^ses_/);
  });

  it('GET /v1/sessions/:id, and 404 SESSION_NOT_FOUND for an unknown id', async () => {
    const got = await f.call(key, 'GET', '/v1/sessions/chat-1');
    expect(got.statusCode).toBe(200);
    expect(json<SessionRecord>(got).id).toBe('chat-1');
    const missing = expectProblem(await f.call(key, 'GET', '/v1/sessions/nope'), 404, 'SESSION_NOT_FOUND');
    expect(missing.details).toEqual({ sessionId: 'nope' });
  });

  it('POST messages is idempotent on clientMsgId: 201 then 200 with the first write, one stored message', async () => {
    const batch = {
      messages: [
        { role: 'user', name: 'Alice', content: 'My dog Biscuit is a beagle', clientMsgId: 'm1', createdAt: '2026-03-02T09:00:00Z' },
        { role: 'assistant', content: 'Beagles love long walks', clientMsgId: 'm2', metadata: { model: 'x' } },
      ],
    };
    const first = await f.call(key, 'POST', '/v1/sessions/chat-1/messages', batch);
    expect(first.statusCode, first.body).toBe(201);
    const added = json<{ messages: AddedMessage[] }>(first).messages;
    expect(added.map((m) => [m.seq, m.created])).toEqual([
      [1, true],
      [2, true],
    ]);
    const replay = await f.call(key, 'POST', '/v1/sessions/chat-1/messages', batch);
    expect(replay.statusCode).toBe(200);
    expect(json<{ messages: AddedMessage[] }>(replay).messages.map((m) => [m.id, m.created])).toEqual(added.map((m) => [m.id, false]));
    const conflict = await f.call(key, 'POST', '/v1/sessions/chat-1/messages', {
      messages: [{ role: 'user', content: 'different', clientMsgId: 'm1' }],
    });
    expectProblem(conflict, 409, 'IDEMPOTENCY_CONFLICT');
    expect(json<Page<MessageRecord>>(await f.call(key, 'GET', '/v1/sessions/chat-1/messages')).data).toHaveLength(2);
  });

  it('GET messages pages with an opaque cursor until nextCursor is null', async () => {
    await f.call(key, 'POST', '/v1/sessions', { id: 'long', userId: 'alice' });
    const messages = Array.from({ length: 7 }, (_, i) => ({ role: 'user', content: `message number ${i + 1}` }));
    expect((await f.call(key, 'POST', '/v1/sessions/long/messages', { messages })).statusCode).toBe(201);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/sessions/long/messages?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page: Page<MessageRecord> = json(await f.call(key, 'GET', url));
      seen.push(...page.data.map((m) => m.seq));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(pages).toBe(3);
    expectProblem(await f.call(key, 'GET', '/v1/sessions/long/messages?cursor=bm9wZQ'), 400, 'INVALID_INPUT');
  });

  it('GET /v1/sessions lists with a cursor and filters by user', async () => {
    for (const id of ['s-a', 's-b', 's-c']) await f.call(key, 'POST', '/v1/sessions', { id, userId: 'carol' });
    const first = json<Page<SessionRecord>>(await f.call(key, 'GET', '/v1/sessions?userId=carol&limit=2'));
    expect(first.data.map((s) => s.id)).toEqual(['s-a', 's-b']);
    const second = json<Page<SessionRecord>>(await f.call(key, 'GET', `/v1/sessions?userId=carol&limit=2&cursor=${first.nextCursor}`));
    expect(second).toEqual({ data: [expect.objectContaining({ id: 's-c' })], nextCursor: null });
  });
});

describe('retrieval', () => {
  it('POST /v1/search finds a message at once, with the score breakdown', async () => {
    const response = await f.call(key, 'POST', '/v1/search', { query: 'what breed is the dog', userId: 'alice', k: 3 });
    expect(response.statusCode, response.body).toBe(200);
    const body = json<SearchResponse>(response);
    expect(body.results[0]?.memory.text).toContain('Biscuit');
    expect(body.results[0]?.scores).toEqual(expect.objectContaining({ keyword: expect.any(Number), relevance: expect.any(Number) }));
    const keyword = json<SearchResponse>(
      await f.call(key, 'POST', '/v1/search', { query: 'walks', mode: 'keyword', kinds: ['turn'], mmr: true }),
    );
    expect(keyword.results.every((r) => r.scores.vector === null)).toBe(true);
  });

  it('POST /v1/sessions/:id/context packs the context within the budget, with or without a body', async () => {
    const response = await f.call(key, 'POST', '/v1/sessions/chat-1/context', { query: 'the dog', tokenBudget: 300, depth: 'rapid' });
    expect(response.statusCode, response.body).toBe(200);
    const context = json<ContextResponse>(response);
    expect(context.tokens).toBeLessThanOrEqual(300);
    expect(context.text).toContain('beagle');
    expect(context.items.every((item) => item.why.reason.length > 0)).toBe(true);
    const bare = await f.call(key, 'POST', '/v1/sessions/chat-1/context');
    expect(bare.statusCode, bare.body).toBe(200);
    expect(json<ContextResponse>(bare).tokenBudget).toBe(2000);
  });
});

describe('memories', () => {
  let id: string;

  it('POST /v1/memories stores (201) and dedupes the same text in the same scope (200)', async () => {
    const body = { userId: 'alice', text: 'Prefers quiet venues', tags: ['preference'], importance: 0.7, metadata: { from: 'test' } };
    const created = await f.call(key, 'POST', '/v1/memories', body);
    expect(created.statusCode, created.body).toBe(201);
    const first = json<{ memory: MemoryRecord; created: boolean }>(created);
    expect(first.memory).toMatchObject({ kind: 'note', tags: ['preference'], importance: 0.7, tenantId: 'acme' });
    id = first.memory.id;
    const again = await f.call(key, 'POST', '/v1/memories', body);
    expect(again.statusCode).toBe(200);
    expect(json<{ memory: MemoryRecord }>(again).memory.id).toBe(id);
  });

  it('GET, PATCH and DELETE one memory', async () => {
    expect(json<MemoryRecord>(await f.call(key, 'GET', `/v1/memories/${id}`)).text).toBe('Prefers quiet venues');
    const patched = await f.call(key, 'PATCH', `/v1/memories/${id}`, { text: 'Prefers quiet venues with a garden', importance: 0.9 });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(json<MemoryRecord>(patched)).toMatchObject({ text: 'Prefers quiet venues with a garden', importance: 0.9 });
    expectProblem(await f.call(key, 'PATCH', `/v1/memories/${id}`, {}), 400, 'INVALID_INPUT');
    const deleted = await f.call(key, 'DELETE', `/v1/memories/${id}`);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expectProblem(await f.call(key, 'GET', `/v1/memories/${id}`), 404, 'MEMORY_NOT_FOUND');
    expectProblem(await f.call(key, 'DELETE', `/v1/memories/${id}`), 404, 'MEMORY_NOT_FOUND');
  });

  it('GET /v1/memories filters (kinds, tags, user) and pages with a cursor', async () => {
    for (const text of ['note one about tea', 'note two about coffee', 'note three about cocoa']) {
      await f.call(key, 'POST', '/v1/memories', { userId: 'dave', text, tags: ['drinks'] });
    }
    const first = json<Page<MemoryRecord>>(await f.call(key, 'GET', '/v1/memories?userId=dave&kinds=note&tags=drinks&limit=2'));
    expect(first.data.map((m) => m.text)).toEqual(['note one about tea', 'note two about coffee']);
    const rest = json<Page<MemoryRecord>>(
      await f.call(key, 'GET', `/v1/memories?userId=dave&kinds=note&tags=drinks&limit=2&cursor=${first.nextCursor}`),
    );
    expect(rest.data.map((m) => m.text)).toEqual(['note three about cocoa']);
    expect(rest.nextCursor).toBeNull();
    const turns = json<Page<MemoryRecord>>(await f.call(key, 'GET', '/v1/memories?userId=dave&kinds=turn'));
    expect(turns.data).toEqual([]);
    expectProblem(await f.call(key, 'GET', '/v1/memories?kinds=turn,bogus'), 400, 'INVALID_INPUT');
  });
});

describe('facts', () => {
  it('set, get (now and asOf), history, rule and validate', async () => {
    const set = await f.call(key, 'POST', '/v1/facts', {
      userId: 'alice',
      subject: 'user',
      key: 'party_size',
      value: 5,
      validFrom: '2026-03-01T00:00:00Z',
    });
    expect(set.statusCode, set.body).toBe(201);
    expect(json<SetFactResponse>(set)).toMatchObject({ created: true, closed: null, fact: { value: 5 }, validation: { valid: true } });
    const next = json<SetFactResponse>(
      await f.call(key, 'POST', '/v1/facts', {
        userId: 'alice',
        subject: 'user',
        key: 'party_size',
        value: 7,
        validFrom: '2026-03-10T00:00:00Z',
      }),
    );
    expect(next.closed).toMatchObject({ value: 5, validTo: Date.parse('2026-03-10T00:00:00Z') });
    const same = await f.call(key, 'POST', '/v1/facts', {
      userId: 'alice',
      subject: 'user',
      key: 'party_size',
      value: 7,
      validFrom: '2026-03-11T00:00:00Z',
    });
    expect(same.statusCode).toBe(200);

    const now = json<{ data: FactRecord[] }>(await f.call(key, 'GET', '/v1/facts?userId=alice&subject=user&key=party_size'));
    expect(now.data.map((fact) => fact.value)).toEqual([7]);
    const asOf = json<{ data: FactRecord[] }>(await f.call(key, 'GET', '/v1/facts?userId=alice&asOf=2026-03-05T00:00:00Z'));
    expect(asOf.data.map((fact) => fact.value)).toEqual([5]);
    const asOfMs = json<{ data: FactRecord[] }>(
      await f.call(key, 'GET', `/v1/facts?userId=alice&asOf=${Date.parse('2026-03-05T00:00:00Z')}`),
    );
    expect(asOfMs.data.map((fact) => fact.value)).toEqual([5]);
    const history = json<{ data: FactRecord[] }>(await f.call(key, 'GET', '/v1/facts/history?userId=alice&subject=user&key=party_size'));
    expect(history.data.map((fact) => fact.value)).toEqual([5, 7]);

    const rule = await f.call(key, 'PUT', '/v1/facts/rule', {
      userId: 'alice',
      subject: 'user',
      key: 'party_size',
      rule: { type: 'integer', min: 1, max: 20, severity: 'error' },
    });
    expect(rule.statusCode, rule.body).toBe(200);
    const bad = json<{ valid: boolean; severity: string }>(
      await f.call(key, 'POST', '/v1/facts/validate', { userId: 'alice', subject: 'user', key: 'party_size', value: 40 }),
    );
    expect(bad).toMatchObject({ valid: false, severity: 'error' });
    const good = json<{ valid: boolean }>(
      await f.call(key, 'POST', '/v1/facts/validate', { userId: 'alice', subject: 'user', key: 'party_size', value: 4 }),
    );
    expect(good.valid).toBe(true);
    expectProblem(
      await f.call(key, 'PUT', '/v1/facts/rule', { userId: 'alice', subject: 'user', key: 'party_size', rule: { type: 'date' } }),
      400,
      'INVALID_INPUT',
    );
    expectProblem(await f.call(key, 'GET', '/v1/facts/history?userId=alice&subject=user'), 400, 'INVALID_INPUT');
  });
});

describe('admin', () => {
  it('DELETE /v1/users/:userId erases the user in this tenant and answers the counts', async () => {
    await f.call(key, 'POST', '/v1/sessions', { id: 'erase-me', userId: 'erin' });
    await f.call(key, 'POST', '/v1/sessions/erase-me/messages', { messages: [{ role: 'user', content: 'I live in Girne' }] });
    await f.call(key, 'POST', '/v1/memories', { userId: 'erin', text: 'erin likes figs' });
    await f.call(key, 'POST', '/v1/facts', { userId: 'erin', subject: 'user', key: 'city', value: 'Girne' });
    const erased = await f.call(key, 'DELETE', '/v1/users/erin');
    expect(erased.statusCode, erased.body).toBe(200);
    expect(json(erased)).toEqual({ sessions: 1, messages: 1, memories: 2, facts: 1 });
    expect(json(await f.call(key, 'DELETE', '/v1/users/erin'))).toEqual({ sessions: 0, messages: 0, memories: 0, facts: 0 });
    expectProblem(await f.call(key, 'GET', '/v1/sessions/erase-me'), 404, 'SESSION_NOT_FOUND');
  });

  it('an admin creates, lists and revokes keys of its own tenant; a revoked key is refused at once', async () => {
    const created = await f.call(key, 'POST', '/v1/keys', { scopes: ['read'], name: 'reader' });
    expect(created.statusCode, created.body).toBe(201);
    const { key: token, apiKey } = json<{ key: string; apiKey: { id: string; tenantId: string; scopes: string[] } }>(created);
    expect(token).toMatch(/^strata_[0-9A-Za-z]{16}_[0-9A-Za-z]{43}$/);
    expect(apiKey).toMatchObject({ tenantId: 'acme', scopes: ['read'] });
    expect((await f.call(token, 'GET', '/v1/sessions')).statusCode).toBe(200);
    const listed = json<{ data: Array<{ id: string }> }>(await f.call(key, 'GET', '/v1/keys'));
    expect(listed.data.map((k) => k.id)).toContain(apiKey.id);
    expect(JSON.stringify(listed)).not.toMatch(/strata_|secret|hash/i);
    const revoked = await f.call(key, 'DELETE', `/v1/keys/${apiKey.id}`);
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(json<{ revokedAt: number }>(revoked).revokedAt).toEqual(expect.any(Number));
    expectProblem(await f.call(token, 'GET', '/v1/sessions'), 401, 'UNAUTHENTICATED');
    expectProblem(await f.call(key, 'DELETE', '/v1/keys/NoSuchKeyId00000'), 404, 'API_KEY_NOT_FOUND');
  });
});

describe('health and readiness', () => {
  it('GET /health is public liveness; GET /ready reports each tier', async () => {
    expect(json(await f.call(null, 'GET', '/health'))).toMatchObject({ status: 'ok' });
    const ready = await f.call(null, 'GET', '/ready');
    expect(ready.statusCode).toBe(200);
    expect(json(ready)).toEqual({
      status: 'ready',
      tiers: {
        store: expect.objectContaining({ status: 'ready', reachable: true, migrated: true, schemaVersion: expect.any(Number) }),
        embedder: expect.objectContaining({ status: 'ready', loaded: true, model: f.memory.embedder.modelId }),
      },
    });
  });
});
