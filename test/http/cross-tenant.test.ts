import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, type HttpFixture, httpFixture, json, type Method } from './http-fixture.js';

/**
 * Tenant isolation on every route: tenant B is seeded through its own key, then tenant A
 * (an admin key: every scope) uses B's ids on every /v1 route. A sees 404s, empty lists,
 * zero counts, or acts on records of its own; B's data is the same afterwards.
 */
let f: HttpFixture;
let keyA: string;
let keyB: string;
let keyBId: string;
let memoryB: string;

const B_TEXT = 'Bob keeps a pet tortoise called Sheldon in the garden';

beforeAll(async () => {
  f = await httpFixture();
  keyA = await f.key('tenant-a');
  keyB = await f.key('tenant-b');
  keyBId = keyB.split('_')[1] as string;
  const seed = async (method: Method, url: string, payload: unknown) => {
    const response = await f.call(keyB, method, url, payload);
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    return json(response);
  };
  for (const id of ['sB', 'sB2']) await seed('POST', '/v1/sessions', { id, userId: 'bob' });
  await seed('POST', '/v1/sessions/sB/messages', { messages: [{ role: 'user', content: B_TEXT, clientMsgId: 'b1' }] });
  memoryB = ((await seed('POST', '/v1/memories', { userId: 'bob', text: 'Bob is allergic to shellfish' })) as { memory: { id: string } })
    .memory.id;
  await seed('POST', '/v1/facts', { userId: 'bob', subject: 'user', key: 'city', value: 'Lefkosa' });
  await seed('PUT', '/v1/facts/rule', {
    userId: 'bob',
    subject: 'user',
    key: 'city',
    rule: { enum: ['Lefkosa', 'Girne'], severity: 'error' },
  });
});
afterAll(async () => {
  await f.close();
});

/** Everything tenant B can see through its own key. */
async function tenantBView() {
  const get = async (url: string) => json(await f.call(keyB, 'GET', url));
  return {
    sessions: await get('/v1/sessions'),
    messages: await get('/v1/sessions/sB/messages'),
    memories: await get('/v1/memories'),
    facts: await get('/v1/facts/history?userId=bob&subject=user&key=city'),
    rule: json(await f.call(keyB, 'POST', '/v1/facts/validate', { userId: 'bob', subject: 'user', key: 'city', value: 'Paris' })),
    search: (
      json(await f.call(keyB, 'POST', '/v1/search', { query: 'tortoise Sheldon', userId: 'bob' })) as {
        results: Array<{ memory: { id: string } }>;
      }
    ).results.map((r) => r.memory.id),
    keys: (json(await f.call(keyB, 'GET', '/v1/keys')) as { data: Array<{ id: string; revokedAt: number | null }> }).data,
  };
}

interface Case {
  readonly method: Method;
  readonly url: string;
  readonly route: string;
  readonly payload?: unknown;
  readonly expect: (response: LightMyRequestResponse) => void;
}

const notFound = (code: string) => (response: LightMyRequestResponse) => expectProblem(response, 404, code);
const emptyPage = (response: LightMyRequestResponse) => {
  expect(response.statusCode, response.body).toBe(200);
  expect(json(response)).toMatchObject({ data: [] });
};
/** A page holding only tenant A's own records (it may have written some in earlier cases). */
const onlyOwn = (response: LightMyRequestResponse) => {
  expect(response.statusCode, response.body).toBe(200);
  const page = json<{ data: Array<{ tenantId: string }> }>(response);
  expect(page.data.every((record) => record.tenantId === 'tenant-a')).toBe(true);
};
const ownTenant = (status: number) => (response: LightMyRequestResponse) => {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.body).toContain('"tenantId":"tenant-a"');
  expect(response.body).not.toContain('tenant-b');
};

const cases = (): Case[] => [
  { method: 'POST', route: '/v1/sessions', url: '/v1/sessions', payload: { id: 'sB2', userId: 'bob' }, expect: ownTenant(201) },
  { method: 'GET', route: '/v1/sessions', url: '/v1/sessions?userId=bob', expect: onlyOwn },
  { method: 'GET', route: '/v1/sessions/{sessionId}', url: '/v1/sessions/sB', expect: notFound('SESSION_NOT_FOUND') },
  {
    method: 'POST',
    route: '/v1/sessions/{sessionId}/messages',
    url: '/v1/sessions/sB/messages',
    payload: { messages: [{ role: 'user', content: 'intruder', clientMsgId: 'b1' }] },
    expect: notFound('SESSION_NOT_FOUND'),
  },
  { method: 'GET', route: '/v1/sessions/{sessionId}/messages', url: '/v1/sessions/sB/messages', expect: notFound('SESSION_NOT_FOUND') },
  {
    method: 'POST',
    route: '/v1/sessions/{sessionId}/context',
    url: '/v1/sessions/sB/context',
    payload: { query: 'tortoise' },
    expect: notFound('SESSION_NOT_FOUND'),
  },
  {
    method: 'POST',
    route: '/v1/search',
    url: '/v1/search',
    payload: { query: 'tortoise Sheldon shellfish', userId: 'bob', sessionId: 'sB' },
    expect: (response) => {
      expect(response.statusCode).toBe(200);
      expect(json(response)).toMatchObject({ results: [] });
    },
  },
  {
    method: 'POST',
    route: '/v1/memories',
    url: '/v1/memories',
    payload: { userId: 'bob', text: 'Bob is allergic to shellfish' },
    expect: (response) => {
      ownTenant(201)(response);
      expect(json<{ memory: { id: string }; created: boolean }>(response)).toMatchObject({ created: true });
      expect(json<{ memory: { id: string } }>(response).memory.id).not.toBe(memoryB);
    },
  },
  { method: 'GET', route: '/v1/memories', url: '/v1/memories?userId=bob&kinds=turn', expect: emptyPage },
  { method: 'GET', route: '/v1/memories/{memoryId}', url: `/v1/memories/${'MEMORY_B'}`, expect: notFound('MEMORY_NOT_FOUND') },
  {
    method: 'PATCH',
    route: '/v1/memories/{memoryId}',
    url: '/v1/memories/MEMORY_B',
    payload: { text: 'overwritten' },
    expect: notFound('MEMORY_NOT_FOUND'),
  },
  { method: 'DELETE', route: '/v1/memories/{memoryId}', url: '/v1/memories/MEMORY_B', expect: notFound('MEMORY_NOT_FOUND') },
  {
    method: 'POST',
    route: '/v1/facts',
    url: '/v1/facts',
    payload: { userId: 'bob', subject: 'user', key: 'city', value: 'Paris' },
    expect: (response) => {
      ownTenant(201)(response);
      expect(json(response)).toMatchObject({ closed: null, validation: { valid: true } });
    },
  },
  { method: 'GET', route: '/v1/facts', url: '/v1/facts?userId=bob&subject=user&key=city&asOf=2020-01-01T00:00:00Z', expect: emptyPage },
  { method: 'GET', route: '/v1/facts/history', url: '/v1/facts/history?userId=bob&subject=user&key=shoe', expect: emptyPage },
  {
    method: 'PUT',
    route: '/v1/facts/rule',
    url: '/v1/facts/rule',
    payload: { userId: 'bob', subject: 'user', key: 'city', rule: { enum: ['Paris'] } },
    expect: (response) => expect(response.statusCode, response.body).toBe(200),
  },
  {
    method: 'POST',
    route: '/v1/facts/validate',
    url: '/v1/facts/validate',
    payload: { userId: 'bob', subject: 'user', key: 'shoe', value: 'Paris' },
    expect: (response) => expect(json(response)).toMatchObject({ valid: true, rule: null }),
  },
  {
    method: 'DELETE',
    route: '/v1/users/{userId}',
    url: '/v1/users/bob',
    expect: (response) => {
      expect(response.statusCode).toBe(200);
      // Only what tenant A itself wrote for "bob" in the cases above: a session, a memory, a fact.
      expect(json(response)).toEqual({ sessions: 1, messages: 0, memories: 1, facts: 1 });
    },
  },
  { method: 'POST', route: '/v1/keys', url: '/v1/keys', payload: { scopes: ['read'] }, expect: ownTenant(201) },
  {
    method: 'GET',
    route: '/v1/keys',
    url: '/v1/keys',
    expect: (response) => {
      expect(response.statusCode).toBe(200);
      const ids = json<{ data: Array<{ id: string; tenantId: string }> }>(response).data;
      expect(ids.map((k) => k.id)).not.toContain(keyBId);
      expect(new Set(ids.map((k) => k.tenantId))).toEqual(new Set(['tenant-a']));
    },
  },
  { method: 'DELETE', route: '/v1/keys/{keyId}', url: '/v1/keys/KEY_B', expect: notFound('API_KEY_NOT_FOUND') },
  // The mode routes act on the caller's tenant only (an explicit read_write override changes nothing A's other cases see).
  { method: 'PUT', route: '/v1/mode', url: '/v1/mode', payload: { mode: 'read_write' }, expect: ownTenant(200) },
  { method: 'GET', route: '/v1/mode', url: '/v1/mode', expect: ownTenant(200) },
  // The inspector's views (after A erased its own "bob" above): nothing of B's, nothing left of A's.
  { method: 'GET', route: '/v1/users', url: '/v1/users', expect: emptyPage },
  { method: 'GET', route: '/v1/whoami', url: '/v1/whoami', expect: ownTenant(200) },
  {
    method: 'GET',
    route: '/v1/facts/audit',
    url: '/v1/facts/audit?userId=bob',
    expect: (response) => {
      expect(response.statusCode, response.body).toBe(200);
      expect(json(response)).toEqual({ rules: [], violations: [] });
    },
  },
  {
    method: 'GET',
    route: '/v1/stats',
    url: '/v1/stats',
    expect: (response) => {
      ownTenant(200)(response);
      expect(json(response)).toMatchObject({ counts: { users: 0, sessions: 0, memories: 0 } });
    },
  },
];

describe('a key of tenant A never reaches tenant B', () => {
  it('the case table covers every /v1 route of the OpenAPI document', async () => {
    const document = json<{ paths: Record<string, Record<string, unknown>> }>(await f.call(null, 'GET', '/openapi.json'));
    const documented = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(new Set(cases().map((c) => `${c.method} ${c.route}`))).toEqual(new Set(documented));
  });

  let before: Awaited<ReturnType<typeof tenantBView>>;
  it('tenant B sees its own data through its own key', async () => {
    before = await tenantBView();
    expect(before.search.length).toBeGreaterThan(0);
    expect(before.messages).toMatchObject({ data: [expect.objectContaining({ content: B_TEXT })] });
  });

  it.each(cases())("$method $route with B's ids: 404, empty, zero counts or A's own records", async (c) => {
    const url = c.url.replace('MEMORY_B', memoryB).replace('KEY_B', keyBId);
    const response = await f.call(keyA, c.method, url, c.payload);
    c.expect(response);
    // Nothing of B's comes back, beyond what A itself sent.
    const sent = `${url} ${JSON.stringify(c.payload ?? null)}`;
    for (const secret of ['tortoise', 'Sheldon', 'shellfish', 'Lefkosa', 'tenant-b', memoryB, keyBId].filter(
      (word) => !sent.includes(word),
    )) {
      expect(response.body, 'leaked tenant B').not.toContain(secret);
    }
  });

  it("after all of that, tenant B's data is exactly as it was", async () => {
    expect(await tenantBView()).toEqual(before);
  });

  it('even a request body naming tenant B is refused: the tenant comes from the key only', async () => {
    expectProblem(await f.call(keyA, 'POST', '/v1/search', { query: 'tortoise', tenantId: 'tenant-b' }), 400, 'INVALID_INPUT');
    expectProblem(await f.call(keyA, 'GET', '/v1/memories?tenantId=tenant-b'), 400, 'INVALID_INPUT');
    const spoofed = await f.app.inject({
      method: 'GET',
      url: '/v1/sessions',
      headers: { authorization: `Bearer ${keyA}`, 'x-tenant-id': 'tenant-b' },
    });
    onlyOwn(spoofed);
    expect(spoofed.body).not.toContain('tenant-b');
  });
});
