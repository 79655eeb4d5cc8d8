import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusMetrics } from '../../src/observability/prometheus-metrics.js';
import { expectProblem, type HttpFixture, httpFixture, json } from './http-fixture.js';

/** The inspector's read-only views over a real app (SQLite, offline embedder), two tenants. */
let f: HttpFixture;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  const metrics = new PrometheusMetrics();
  f = await httpFixture({ metrics, statsIntervalMs: 50 }, { metrics });
  keyA = await f.key('tenant-a');
  keyB = await f.key('tenant-b', ['read']);
  const ok = async (method: 'POST' | 'PUT', url: string, payload: unknown) => {
    const response = await f.call(keyA, method, url, payload);
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
  };
  await ok('POST', '/v1/sessions', { id: 's1', userId: 'ada' });
  await ok('POST', '/v1/sessions', { id: 's2', userId: 'ada' });
  await ok('POST', '/v1/sessions/s1/messages', { messages: [{ role: 'user', content: 'I moved to Girne last spring' }] });
  await ok('POST', '/v1/memories', { userId: 'grace', text: 'Grace prefers tea over coffee', tags: ['drinks'] });
  await ok('PUT', '/v1/facts/rule', {
    userId: 'ada',
    subject: 'user',
    key: 'age',
    rule: { type: 'integer', min: 0, max: 130, severity: 'error' },
  });
  await ok('POST', '/v1/facts', { userId: 'ada', subject: 'user', key: 'age', value: 36, validFrom: '2024-01-01T00:00:00Z' });
  await ok('POST', '/v1/facts', { userId: 'ada', subject: 'user', key: 'age', value: 400, validFrom: '2025-01-01T00:00:00Z' });
  await ok('POST', '/v1/facts', { userId: 'ada', subject: 'user', key: 'city', value: 'Girne' });
});
afterAll(async () => {
  await f.close();
});

describe('GET /v1/users', () => {
  it("lists the tenant's users from sessions and memories, with counts", async () => {
    const body = json<{ data: Array<Record<string, unknown>>; partial: boolean }>(await f.call(keyA, 'GET', '/v1/users'));
    expect(body.partial).toBe(false);
    expect(body.data.map((user) => user.userId)).toEqual(['ada', 'grace']);
    expect(body.data[0]).toMatchObject({ userId: 'ada', sessions: 2, memories: 1, facts: 2, lastActivityAt: expect.any(Number) });
    // Grace has a memory and no session: she is listed all the same.
    expect(body.data[1]).toMatchObject({ userId: 'grace', sessions: 0, memories: 1, facts: 0 });
  });

  it("another tenant's key lists none of them", async () => {
    expect(json(await f.call(keyB, 'GET', '/v1/users'))).toEqual({ data: [], partial: false });
  });

  it('needs a key', async () => {
    expectProblem(await f.call(null, 'GET', '/v1/users'), 401, 'UNAUTHENTICATED');
  });
});

describe('GET /v1/whoami', () => {
  it("answers the key's tenant, id and scopes", async () => {
    expect(json(await f.call(keyA, 'GET', '/v1/whoami'))).toEqual({
      tenantId: 'tenant-a',
      keyId: keyA.split('_')[1],
      scopes: ['read', 'write', 'admin'],
    });
    expect(json(await f.call(keyB, 'GET', '/v1/whoami'))).toMatchObject({ tenantId: 'tenant-b', scopes: ['read'] });
    expectProblem(await f.call('strata_bad_key', 'GET', '/v1/whoami'), 401, 'UNAUTHENTICATED');
  });
});

describe('GET /v1/facts/audit', () => {
  it('reports the rules and the versions that break them, the current one marked', async () => {
    const body = json<{ rules: unknown[]; violations: Array<Record<string, unknown>> }>(
      await f.call(keyA, 'GET', '/v1/facts/audit?userId=ada'),
    );
    expect(body.rules).toEqual([{ subject: 'user', key: 'age', rule: { type: 'integer', min: 0, max: 130, severity: 'error' } }]);
    expect(body.violations).toHaveLength(1);
    expect(body.violations[0]).toMatchObject({ fact: { key: 'age', value: 400, validTo: null }, severity: 'error', current: true });
    expect(body.violations[0]?.expected).toContain('between 0 and 130');
  });

  it("is empty for another tenant's key and refuses a bad user id", async () => {
    expect(json(await f.call(keyB, 'GET', '/v1/facts/audit?userId=ada'))).toEqual({ rules: [], violations: [] });
    expectProblem(await f.call(keyA, 'GET', '/v1/facts/audit?userId=%20bad'), 400, 'INVALID_INPUT');
  });
});

describe('GET /v1/stats', () => {
  it("counts the tenant's records and samples the process's latency and hit rates", async () => {
    // Calls that the metrics time (search embeds the query: a cache lookup), then two samples apart.
    await f.call(keyA, 'POST', '/v1/search', { query: 'where does ada live', userId: 'ada' });
    await f.call(keyA, 'POST', '/v1/search', { query: 'where does ada live', userId: 'ada' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const body = json<{
      tenantId: string;
      counts: Record<string, unknown>;
      process: {
        intervalMs: number;
        points: Array<{ operations: Record<string, { meanMs: number | null }>; cacheHitRate: Record<string, number | null> }>;
      };
    }>(await f.call(keyA, 'GET', '/v1/stats'));
    expect(body.tenantId).toBe('tenant-a');
    expect(body.counts).toEqual({
      users: 2,
      sessions: 2,
      memories: 2,
      memoriesByKind: { turn: 1, summary: 0, note: 1, fact: 0, episode: 0 },
      partial: false,
    });
    expect(body.process.intervalMs).toBe(50);
    const searched = body.process.points.filter((point) => (point.operations.search?.meanMs ?? null) !== null);
    expect(searched.length).toBeGreaterThan(0);
    const rates = body.process.points.flatMap((point) => Object.values(point.cacheHitRate)).filter((rate) => rate !== null);
    expect(rates.length).toBeGreaterThan(0);
    for (const rate of rates) expect(rate).toBeGreaterThanOrEqual(0);
  });

  it("another tenant's key sees its own zero counts", async () => {
    const body = json<{ tenantId: string; counts: Record<string, number> }>(await f.call(keyB, 'GET', '/v1/stats'));
    expect(body.tenantId).toBe('tenant-b');
    expect(body.counts).toMatchObject({ users: 0, sessions: 0, memories: 0 });
  });
});

describe('/ui', () => {
  it('serves a bundle with content types and a CSP; unknown assets are 404s', async () => {
    const dir = join(f.dir, 'ui-bundle');
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>inspector</title>');
    writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
    const { buildApp } = await import('../../src/http/build-app.js');
    const app = await buildApp({ memory: f.memory, auth: { mode: 'keys', keys: f.keys }, rateLimit: false, ui: { dir } });
    try {
      const redirect = await app.inject({ url: '/ui' });
      expect(redirect.statusCode).toBe(302);
      expect(redirect.headers.location).toBe('/ui/');
      const page = await app.inject({ url: '/ui/' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
      expect(page.body).toContain('<title>inspector</title>');
      const script = await app.inject({ url: '/ui/assets/app-1234.js' });
      expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(script.headers['cache-control']).toContain('immutable');
      expectProblem(await app.inject({ url: '/ui/assets/missing.js' }), 404, 'ROUTE_NOT_FOUND');
      expectProblem(await app.inject({ url: '/ui/../package.json' }), 404);
    } finally {
      await app.close();
    }
  });

  it('without a bundle /ui says how to build it', async () => {
    const { buildApp } = await import('../../src/http/build-app.js');
    const app = await buildApp({
      memory: f.memory,
      auth: { mode: 'keys', keys: f.keys },
      rateLimit: false,
      ui: { dir: join(f.dir, 'none') },
    });
    try {
      const body = expectProblem(await app.inject({ url: '/ui/' }), 404, 'ROUTE_NOT_FOUND');
      expect(body.detail).toContain('npm run build');
    } finally {
      await app.close();
    }
  });
});
