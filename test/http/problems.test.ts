import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/seeded-random.js';
import { expectProblem, type HttpFixture, httpFixture, json, type Method, tenantCounts } from './http-fixture.js';

let f: HttpFixture;
let key: string;

beforeAll(async () => {
  f = await httpFixture({ bodyLimit: 64 * 1024 });
  key = await f.key('acme');
  await f.call(key, 'POST', '/v1/sessions', { id: 's1', userId: 'alice' });
  await f.call(key, 'POST', '/v1/sessions/s1/messages', { messages: [{ role: 'user', content: 'hello there', clientMsgId: 'c1' }] });
  await f.call(key, 'POST', '/v1/facts', { userId: 'alice', subject: 'user', key: 'city', value: 'Girne' });
});
afterAll(async () => {
  await f.close();
});

const counts = () => tenantCounts(f.memory, 'acme', 'alice');

/** Sends a raw body with a Content-Type. */
const raw = (method: Method, url: string, body: string, type = 'application/json') =>
  f.call(key, method, url, body, { 'content-type': type });

describe('requests the API refuses: 4xx application/problem+json, nothing changed', () => {
  it('unknown routes and methods are 404 ROUTE_NOT_FOUND', async () => {
    expectProblem(await f.call(key, 'GET', '/v1/nope'), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await f.call(key, 'PUT', '/v1/sessions'), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await f.call(null, 'GET', '/'), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await f.call(null, 'GET', '/v2/sessions'), 404, 'ROUTE_NOT_FOUND');
  });

  it('bad bodies: invalid JSON, wrong media type, too large, too deep, prototype keys, unknown fields', async () => {
    const before = await counts();
    expectProblem(await raw('POST', '/v1/sessions', '{"userId": "a",'), 400, 'INVALID_INPUT');
    expectProblem(await raw('POST', '/v1/sessions', 'userId=a', 'application/x-www-form-urlencoded'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await raw('POST', '/v1/sessions', 'hello', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const big = JSON.stringify({ userId: 'alice', text: 'x'.repeat(70 * 1024) });
    expectProblem(await raw('POST', '/v1/memories', big), 413, 'BODY_TOO_LARGE');
    const deep = `{"userId":"alice","text":"t","metadata":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    expectProblem(await raw('POST', '/v1/memories', deep), 400, 'INVALID_INPUT');
    expectProblem(await raw('POST', '/v1/memories', '{"userId":"alice","text":"t","__proto__":{"admin":true}}'), 400, 'INVALID_INPUT');
    expectProblem(await raw('POST', '/v1/memories', '{"userId":"alice","text":"t","metadata":{"constructor":{"prototype":{"x":1}}}}'), 400);
    const unknown = expectProblem(await f.call(key, 'POST', '/v1/sessions', { userId: 'a', tenantId: 'other' }), 400, 'INVALID_INPUT');
    expect(unknown.detail).toMatch(/tenantId/);
    expectProblem(await f.call(key, 'GET', '/v1/sessions?userId=a&tenant=x'), 400, 'INVALID_INPUT');
    expect(await counts()).toEqual(before);
  });

  it('a validation problem names the field and lists the issues', async () => {
    const body = expectProblem(
      await f.call(key, 'POST', '/v1/sessions/s1/messages', { messages: [{ role: 'robot', content: 1 }] }),
      400,
      'INVALID_INPUT',
    );
    expect(body.details).toMatchObject({
      field: 'body.messages.0.role',
      issues: [expect.objectContaining({ path: 'body.messages.0.role' }), expect.objectContaining({ path: 'body.messages.0.content' })],
    });
  });

  it('core limits keep their codes: TEXT_TOO_LONG is 413, an oversized batch 400', async () => {
    const before = await counts();
    const long = expectProblem(
      await f.call(key, 'POST', '/v1/memories', { userId: 'alice', text: 'y'.repeat(33_000) }),
      413,
      'TEXT_TOO_LONG',
    );
    expect(long.details).toMatchObject({ field: 'text', limit: 32_000 });
    const messages = Array.from({ length: 1001 }, () => ({ role: 'user', content: 'x' }));
    expectProblem(await f.call(key, 'POST', '/v1/sessions/s1/messages', { messages }), 400, 'INVALID_INPUT');
    expectProblem(await f.call(key, 'POST', '/v1/sessions/s1/messages', { messages: [] }), 400, 'INVALID_INPUT');
    expectProblem(
      await f.call(key, 'POST', '/v1/memories', { userId: 'alice', text: 'ok', createdAt: 'last tuesday' }),
      400,
      'INVALID_INPUT',
    );
    expect(await counts()).toEqual(before);
  });

  it('no key, a malformed key, an unknown key or a wrong secret: 401 with WWW-Authenticate, nothing written', async () => {
    const before = await counts();
    const valid = await f.key('acme', ['write']);
    const [, id] = valid.split('_');
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer' },
      { authorization: 'Bearer not-a-key' },
      { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      { authorization: `Bearer strata_${id}_${'A'.repeat(43)}` },
      { authorization: `Bearer strata_${'B'.repeat(16)}_${'A'.repeat(43)}` },
      { authorization: `Bearer ${valid}x` },
      { 'x-api-key': `strata_${id}_${'z'.repeat(43)}` },
      { 'x-api-key': '' },
    ];
    for (const headers of attempts) {
      const response = await f.app.inject({ method: 'POST', url: '/v1/memories', headers, payload: { userId: 'alice', text: 'sneaky' } });
      expectProblem(response, 401, 'UNAUTHENTICATED');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    const viaHeader = await f.app.inject({ method: 'GET', url: '/v1/sessions', headers: { 'x-api-key': valid } });
    expectProblem(viaHeader, 403, 'FORBIDDEN');
    expect(await counts()).toEqual(before);
  });

  it('a key without the scope a route needs gets 403 FORBIDDEN and changes nothing', async () => {
    const before = await counts();
    const reader = await f.key('acme', ['read']);
    const writer = await f.key('acme', ['write']);
    expect((await f.call(reader, 'GET', '/v1/sessions/s1')).statusCode).toBe(200);
    expect((await f.call(reader, 'POST', '/v1/search', { query: 'hello' })).statusCode).toBe(200);
    const forbidden = expectProblem(await f.call(reader, 'POST', '/v1/memories', { userId: 'alice', text: 'no' }), 403, 'FORBIDDEN');
    expect(forbidden.details).toEqual({ required: 'write', scopes: ['read'] });
    expectProblem(await f.call(reader, 'DELETE', '/v1/users/alice'), 403, 'FORBIDDEN');
    expectProblem(await f.call(writer, 'DELETE', '/v1/users/alice'), 403, 'FORBIDDEN');
    expectProblem(await f.call(writer, 'POST', '/v1/keys', { scopes: ['admin'] }), 403, 'FORBIDDEN');
    expectProblem(await f.call(writer, 'GET', '/v1/sessions'), 403, 'FORBIDDEN');
    expect(await counts()).toEqual(before);
  });
});

const HOSTILE: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  '',
  ' ',
  '\u0000',
  'x'.repeat(5000),
  '../../etc/passwd',
  '%00',
  '😀'.repeat(100),
  [],
  [null],
  [[[[]]]],
  {},
  { nested: { deeper: [1, { a: null }] } },
  Array.from({ length: 200 }, (_, i) => i),
];

const BODY_ROUTES: Array<{ method: Method; url: string; body: Record<string, unknown> }> = [
  {
    method: 'POST',
    url: '/v1/sessions',
    body: { id: 'fz', userId: 'alice', agentId: 'a', namespace: 'n', metadata: { k: 1 }, createdAt: 1 },
  },
  {
    method: 'POST',
    url: '/v1/sessions/s1/messages',
    body: { messages: [{ role: 'user', content: 'fuzz', name: 'N', clientMsgId: 'c9', metadata: {}, createdAt: '2026-01-01T00:00:00Z' }] },
  },
  { method: 'POST', url: '/v1/sessions/s1/context', body: { query: 'q', tokenBudget: 100, depth: 'rapid', now: 1 } },
  {
    method: 'POST',
    url: '/v1/search',
    body: { query: 'q', userId: 'alice', k: 5, kinds: ['turn'], tags: ['t'], since: 0, until: 1, mode: 'hybrid', mmr: 0.5 },
  },
  {
    method: 'POST',
    url: '/v1/memories',
    body: { userId: 'alice', text: 't', kind: 'note', tags: ['a'], importance: 0.5, source: ['m'], metadata: {} },
  },
  { method: 'PATCH', url: '/v1/memories/mem_none', body: { text: 't', tags: ['a'], importance: 0.5, metadata: {} } },
  { method: 'POST', url: '/v1/facts', body: { userId: 'alice', subject: 's', key: 'k', value: 1, validFrom: 1, source: 'x' } },
  {
    method: 'PUT',
    url: '/v1/facts/rule',
    body: { userId: 'alice', subject: 's', key: 'k', rule: { type: 'number', min: 0, max: 1, enum: [1], pattern: 'a', severity: 'info' } },
  },
  { method: 'POST', url: '/v1/facts/validate', body: { userId: 'alice', subject: 's', key: 'k', value: 1 } },
  { method: 'POST', url: '/v1/keys', body: { scopes: ['read'], name: 'n' } },
];

const QUERY_ROUTES = ['/v1/sessions', '/v1/sessions/s1/messages', '/v1/memories', '/v1/facts', '/v1/facts/history'];
const QUERY_VALUES = ['', '0', '-1', '1e400', 'NaN', 'abc', '99999999999999999999', '%00', 'a,b,,c', '2026-13-45', 'x'.repeat(600)];
const QUERY_KEYS = ['limit', 'cursor', 'userId', 'kinds', 'tags', 'since', 'until', 'asOf', 'subject', 'key', 'agentId'];

describe('fuzz: no user input produces a 500', () => {
  it('hostile values in every body field, whole bodies of the wrong type, hostile query strings and paths', async () => {
    const random = seededRandom(20260301);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const cases: Array<{ method: Method; url: string; payload?: unknown; raw?: string }> = [];
    for (const route of BODY_ROUTES) {
      for (const value of HOSTILE) cases.push({ method: route.method, url: route.url, payload: value === null ? 'null' : value });
      for (const field of Object.keys(route.body)) {
        for (const value of HOSTILE) cases.push({ ...route, payload: { ...route.body, [field]: value } });
        const { [field]: _dropped, ...without } = route.body;
        cases.push({ ...route, payload: without });
      }
      for (let i = 0; i < 20; i++) {
        const mutated: Record<string, unknown> = { ...route.body };
        for (const field of Object.keys(mutated)) if (random() < 0.4) mutated[field] = pick(HOSTILE);
        if (random() < 0.3) mutated[pick(['extra', 'tenantId', '__x', ''])] = pick(HOSTILE);
        cases.push({ ...route, payload: mutated });
      }
      cases.push({ ...route, raw: JSON.stringify(route.body).slice(0, -3) });
      cases.push({ ...route, raw: '\uFEFF{}' });
    }
    for (const url of QUERY_ROUTES) {
      for (const name of QUERY_KEYS)
        for (const value of QUERY_VALUES) cases.push({ method: 'GET', url: `${url}?${name}=${encodeURIComponent(value)}` });
      cases.push({ method: 'GET', url: `${url}?limit=1&limit=2` });
      cases.push({ method: 'GET', url: `${url}?userId[]=a` });
    }
    for (const path of ['%', '%E0%A4%A', 'a'.repeat(300), '..%2F..%2Fetc', '%00', ' ', '😀', 'a/b']) {
      cases.push({ method: 'GET', url: `/v1/sessions/${path}` });
      cases.push({ method: 'DELETE', url: `/v1/memories/${path}` });
      cases.push({ method: 'DELETE', url: `/v1/users/${path}` });
      cases.push({ method: 'DELETE', url: `/v1/keys/${path}` });
    }

    const serverErrors: string[] = [];
    for (const c of cases) {
      const before = await counts();
      const response =
        c.raw !== undefined
          ? await raw(c.method, c.url, c.raw)
          : await f.call(
              key,
              c.method,
              c.url,
              typeof c.payload === 'string' ? c.payload : c.payload,
              c.payload === undefined ? {} : { 'content-type': 'application/json' },
            );
      if (response.statusCode >= 500)
        serverErrors.push(`${c.method} ${c.url} ${JSON.stringify(c.payload ?? c.raw)?.slice(0, 200)} -> ${response.body.slice(0, 300)}`);
      if (response.statusCode >= 400) {
        expect(response.headers['content-type'], `${c.method} ${c.url}`).toMatch(/^application\/problem\+json/);
        expect(await counts(), `${c.method} ${c.url} ${JSON.stringify(c.payload)?.slice(0, 200)} was refused but changed data`).toEqual(
          before,
        );
      }
    }
    expect(serverErrors).toEqual([]);
    expect(cases.length).toBeGreaterThan(500);
  }, 120_000);

  it('the fuzz left the seeded data readable', async () => {
    const messages = json<{ data: unknown[] }>(await f.call(key, 'GET', '/v1/sessions/s1/messages'));
    expect(messages.data.length).toBeGreaterThanOrEqual(1);
  });
});
