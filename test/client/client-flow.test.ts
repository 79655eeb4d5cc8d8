import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StrataClient, StrataClientError } from '../../src/client/index.js';
import { type ListeningFixture, listeningFixture } from './client-fixture.js';

/** Every client method against the real server on a loopback socket. */
let f: ListeningFixture;
let strata: StrataClient;

beforeAll(async () => {
  f = await listeningFixture();
  strata = f.client(await f.key('acme'));
});
afterAll(async () => {
  await f.close();
});

/** The error a call rejects with; fails the test when it resolves. */
async function failureOf(call: Promise<unknown>): Promise<StrataClientError> {
  const outcome = await call.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  expect(outcome, 'the call should have failed').toHaveProperty('error');
  const { error } = outcome as { error: unknown };
  expect(error).toBeInstanceOf(StrataClientError);
  return error as StrataClientError;
}

describe('StrataClient against a real server', () => {
  it('health and readiness', async () => {
    expect(await strata.health()).toMatchObject({ status: 'ok', uptimeMs: expect.any(Number) });
    const ready = await strata.ready();
    expect(ready.status).toBe('ready');
    expect(Object.keys(ready.tiers).sort()).toEqual(['embedder', 'store']);
  });

  it('sessions: create (again: the same one), get, list and iterate', async () => {
    const created = await strata.createSession({ id: 'chat-1', userId: 'alice', metadata: { channel: 'web' } });
    expect(created).toMatchObject({ id: 'chat-1', tenantId: 'acme', userId: 'alice', lastSeq: 0 });
    expect((await strata.createSession({ id: 'chat-1', userId: 'alice' })).createdAt).toBe(created.createdAt);
    expect((await strata.createSession({ userId: 'alice', createdAt: new Date('2026-01-02T00:00:00Z') })).createdAt).toBe(
      Date.parse('2026-01-02T00:00:00Z'),
    );
    expect((await strata.getSession('chat-1')).metadata).toEqual({ channel: 'web' });
    for (const id of ['s-a', 's-b', 's-c']) await strata.createSession({ id, userId: 'carol' });
    const first = await strata.listSessions({ userId: 'carol', limit: 2 });
    expect(first.data.map((s) => s.id)).toEqual(['s-a', 's-b']);
    expect((await strata.listSessions({ userId: 'carol', limit: 2, cursor: first.nextCursor ?? undefined })).nextCursor).toBeNull();
    const all: string[] = [];
    for await (const session of strata.iterateSessions({ userId: 'carol', limit: 1 })) all.push(session.id);
    expect(all).toEqual(['s-a', 's-b', 's-c']);
  });

  it('messages: idempotent adds, pages and the cursor iterator', async () => {
    const batch = [
      { role: 'user' as const, name: 'Alice', content: 'My dog Biscuit is a beagle who chases squirrels', clientMsgId: 'm1' },
      { role: 'assistant' as const, content: 'Beagles love long walks in the park', clientMsgId: 'm2' },
    ];
    const added = await strata.addMessages('chat-1', batch);
    expect(added.messages.map((m) => [m.seq, m.created])).toEqual([
      [1, true],
      [2, true],
    ]);
    const replay = await strata.addMessages('chat-1', batch);
    expect(replay.messages.map((m) => [m.id, m.created])).toEqual(added.messages.map((m) => [m.id, false]));
    const more = Array.from({ length: 5 }, (_, i) => ({ role: 'user' as const, content: `follow-up number ${i + 1}` }));
    await strata.addMessages('chat-1', more);
    const page = await strata.listMessages('chat-1', { limit: 3 });
    expect(page.data.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(page.nextCursor).toEqual(expect.any(String));
    const seqs: number[] = [];
    for await (const message of strata.iterateMessages('chat-1', { limit: 3 })) seqs.push(message.seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('retrieval: search and context', async () => {
    const found = await strata.search('what breed is the dog', { userId: 'alice', k: 3 });
    expect(found.results[0]?.memory.text).toContain('Biscuit');
    expect(found.results[0]?.scores).toEqual(expect.objectContaining({ keyword: expect.any(Number), relevance: expect.any(Number) }));
    const keyword = await strata.search('walks', { mode: 'keyword', kinds: ['turn'], since: new Date(0) });
    expect(keyword.results.every((r) => r.scores.vector === null)).toBe(true);
    const context = await strata.getContext('chat-1', { query: 'the dog', tokenBudget: 300, depth: 'rapid' });
    expect(context.tokens).toBeLessThanOrEqual(300);
    expect(context.text).toContain('beagle');
    expect((await strata.getContext('chat-1')).tokenBudget).toBe(2000);
  });

  it('memories: remember (deduped), get, list with filters, iterate, update, forget', async () => {
    const input = { userId: 'dave', text: 'note one about tea', tags: ['drinks'], importance: 0.7 };
    const first = await strata.remember(input);
    expect(first).toMatchObject({ created: true, memory: { kind: 'note', tags: ['drinks'], tenantId: 'acme' } });
    expect(await strata.remember(input)).toMatchObject({ created: false, memory: { id: first.memory.id } });
    for (const text of ['note two about coffee', 'note three about cocoa'])
      await strata.remember({ userId: 'dave', text, tags: ['drinks'] });
    expect((await strata.getMemory(first.memory.id)).text).toBe('note one about tea');
    const listed = await strata.listMemories({ userId: 'dave', kinds: ['note'], tags: ['drinks'], limit: 2 });
    expect(listed.data.map((m) => m.text)).toEqual(['note one about tea', 'note two about coffee']);
    const texts: string[] = [];
    for await (const memory of strata.iterateMemories({ userId: 'dave', kinds: ['note'], limit: 2 })) texts.push(memory.text);
    expect(texts).toHaveLength(3);
    expect((await strata.listMemories({ userId: 'dave', kinds: ['turn'] })).data).toEqual([]);
    const updated = await strata.updateMemory(first.memory.id, { text: 'note one about green tea', importance: 0.9 });
    expect(updated).toMatchObject({ text: 'note one about green tea', importance: 0.9 });
    await expect(strata.forget(first.memory.id)).resolves.toBeUndefined();
    expect((await failureOf(strata.getMemory(first.memory.id))).code).toBe('MEMORY_NOT_FOUND');
  });

  it('facts: set, get now and as of, history, rule, validate', async () => {
    const scope = { userId: 'alice', subject: 'user', key: 'party_size' };
    const set = await strata.setFact({ ...scope, value: 5, validFrom: '2026-03-01T00:00:00Z' });
    expect(set).toMatchObject({ created: true, closed: null, fact: { value: 5 } });
    const next = await strata.setFact({ ...scope, value: 7, validFrom: new Date('2026-03-10T00:00:00Z') });
    expect(next.closed).toMatchObject({ value: 5, validTo: Date.parse('2026-03-10T00:00:00Z') });
    expect((await strata.getFacts(scope)).map((fact) => fact.value)).toEqual([7]);
    expect((await strata.getFacts({ userId: 'alice', asOf: new Date('2026-03-05T00:00:00Z') })).map((fact) => fact.value)).toEqual([5]);
    expect((await strata.getFacts({ userId: 'alice', asOf: Date.parse('2026-03-05T00:00:00Z') })).map((fact) => fact.value)).toEqual([5]);
    expect((await strata.factHistory(scope)).map((fact) => fact.value)).toEqual([5, 7]);
    expect(await strata.setFactRule(scope, { type: 'integer', min: 1, max: 20, severity: 'error' })).toMatchObject({ ok: true });
    expect(await strata.validate(scope, 40)).toMatchObject({ valid: false, severity: 'error', rule: { max: 20 } });
    expect((await strata.validate(scope, 4)).valid).toBe(true);
  });

  it('inspector views: users with counts, the fact audit, the tenant stats', async () => {
    const users = await strata.listUsers();
    expect(users.partial).toBe(false);
    expect(users.data.find((user) => user.userId === 'alice')).toMatchObject({ sessions: expect.any(Number), facts: 1 });
    await strata.setFact({ userId: 'alice', subject: 'user', key: 'party_size', value: 40 });
    const audit = await strata.factAudit({ userId: 'alice' });
    expect(audit.rules).toEqual([{ subject: 'user', key: 'party_size', rule: { type: 'integer', min: 1, max: 20, severity: 'error' } }]);
    expect(audit.violations.map((v) => [v.fact.value, v.current])).toEqual([[40, true]]);
    expect(await strata.whoami()).toMatchObject({ tenantId: 'acme', scopes: expect.arrayContaining(['read']) });
    const stats = await strata.stats();
    expect(stats).toMatchObject({ tenantId: 'acme', mode: 'read_write', counts: { users: users.data.length } });
  });

  it('keys: create, list, revoke; the revoked key is refused at once', async () => {
    const { key, apiKey } = await strata.createKey({ scopes: ['read'], name: 'reader' });
    expect(apiKey).toMatchObject({ tenantId: 'acme', scopes: ['read'], name: 'reader' });
    const reader = f.client(key);
    expect((await reader.listSessions()).data.length).toBeGreaterThan(0);
    expect((await strata.listKeys()).map((k) => k.id)).toContain(apiKey.id);
    expect((await strata.revokeKey(apiKey.id)).revokedAt).toEqual(expect.any(Number));
    expect((await failureOf(reader.listSessions())).code).toBe('UNAUTHENTICATED');
  });

  it('forgetUser erases the user and answers the counts (zeros when repeated)', async () => {
    await strata.createSession({ id: 'erase-me', userId: 'erin' });
    await strata.addMessages('erase-me', [{ role: 'user', content: 'I live in Girne' }]);
    await strata.setFact({ userId: 'erin', subject: 'user', key: 'city', value: 'Girne' });
    expect(await strata.forgetUser('erin')).toEqual({ sessions: 1, messages: 1, memories: 1, facts: 1 });
    expect(await strata.forgetUser('erin')).toEqual({ sessions: 0, messages: 0, memories: 0, facts: 0 });
  });
});

describe('typed errors carry the problem+json body', () => {
  it('404 with code, detail, details and the request id; 4xx are not retried', async () => {
    const error = await failureOf(strata.getSession('nope'));
    expect(error).toMatchObject({ status: 404, code: 'SESSION_NOT_FOUND', attempts: 1, method: 'GET' });
    expect(error.detail).toEqual(expect.any(String));
    expect(error.details).toEqual({ sessionId: 'nope' });
    expect(error.requestId).toEqual(expect.any(String));
    expect(error.problem).toMatchObject({ type: 'urn:strata:error:session_not_found', instance: '/v1/sessions/nope' });
    expect(error.message).toContain('404 SESSION_NOT_FOUND');
    expect(StrataClientError.is(error, 'SESSION_NOT_FOUND')).toBe(true);
  });

  it('400 validation, 409 conflicts, 401 without or with a bad key, 403 without the scope', async () => {
    const invalid = await failureOf(strata.search('x', { k: 0 }));
    expect(invalid).toMatchObject({ status: 400, code: 'INVALID_INPUT' });
    expect(invalid.details.field).toBe('body.k');
    expect((await failureOf(strata.createSession({ id: 'chat-1', userId: 'bob' }))).code).toBe('SCOPE_CONFLICT');
    const conflict = await failureOf(strata.addMessages('chat-1', [{ role: 'user', content: 'different', clientMsgId: 'm1' }]));
    expect(conflict).toMatchObject({ status: 409, code: 'IDEMPOTENCY_CONFLICT' });
    expect(await failureOf(f.client(undefined).listSessions())).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await failureOf(f.client('strata_nope').listSessions())).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    const reader = f.client(await f.key('acme', ['read']));
    const forbidden = await failureOf(reader.remember({ userId: 'alice', text: 'nope' }));
    expect(forbidden).toMatchObject({ status: 403, code: 'FORBIDDEN', details: { required: 'write' } });
    expect((await failureOf(reader.forgetUser('alice'))).code).toBe('FORBIDDEN');
  });
});
