import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RetryEvent, StrataClient, StrataClientError } from '../../src/client/index.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter } from '../../src/client/retry-policy.js';
import { type ListeningFixture, listeningFixture, problem, sendJson, standInServer } from './client-fixture.js';

async function failureOf(call: Promise<unknown>): Promise<StrataClientError> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StrataClientError);
  return error as StrataClientError;
}

const SESSION = {
  id: 's',
  tenantId: 't',
  userId: 'u',
  metadata: {},
  createdAt: 0,
  updatedAt: 0,
  summary: null,
  summarizedUpToSeq: 0,
  lastSeq: 0,
};
const ADDED = { messages: [{ id: 'msg_1', seq: 1, clientMsgId: 'c1', created: true, memoryId: null }] };
/** Fast retries for the stand-in tests: the waits are measured, not sat through. */
const FAST = { baseDelayMs: 10, maxDelayMs: 40 };

describe('retry policy', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-05-01T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Fri, 01 May 2026 12:00:02 GMT', now)).toBe(2000);
    expect(parseRetryAfter('Fri, 01 May 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-1', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('backs off exponentially with equal jitter, capped', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(policy, attempt, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(policy, attempt, () => 0.999999))).toEqual([100, 200, 400, 800, 1000]);
  });
});

describe('retries against the real rate limiter (2 requests per 2 s per key)', () => {
  let f: ListeningFixture;
  let key: string;

  beforeAll(async () => {
    f = await listeningFixture({ rateLimit: { max: 2, windowMs: 2000 } });
    key = await f.key('acme');
  });
  afterAll(async () => {
    await f.close();
  });

  it('a GET answered 429 waits for Retry-After, then succeeds', async () => {
    const retries: RetryEvent[] = [];
    const client = f.client(key, { onRetry: (event) => retries.push(event) });
    await client.listSessions();
    await client.listSessions();
    const started = Date.now();
    expect((await client.listSessions()).data).toEqual([]);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    const retryAfterMs = retries[0]?.error.retryAfterMs;
    expect(retries[0]?.error).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    // Whole seconds left in the window, rounded up.
    expect([1000, 2000]).toContain(retryAfterMs);
    expect(retries[0]?.delayMs).toBe(retryAfterMs);
    expect(Date.now() - started).toBeGreaterThanOrEqual((retryAfterMs ?? 0) - 10);
  });

  it('a non-idempotent POST answered 429 is not retried', async () => {
    const retries: RetryEvent[] = [];
    const client = f.client(await f.key('acme'), { onRetry: (event) => retries.push(event) });
    await client.listSessions();
    await client.listSessions();
    const error = await failureOf(client.remember({ userId: 'alice', text: 'sent once' }));
    expect(error).toMatchObject({ status: 429, code: 'RATE_LIMITED', attempts: 1, retryAfterMs: expect.any(Number) });
    expect(error.details).toMatchObject({ limit: 2 });
    expect(retries).toEqual([]);
  });
});

describe('retries, timeouts and failures (a stand-in node:http server scripts the answers)', () => {
  it('429 with an HTTP-date Retry-After, then 200', async () => {
    const server = await standInServer((_request, response, index) => {
      if (index === 0)
        sendJson(response, 429, problem(429, 'RATE_LIMITED', 'slow down'), { 'retry-after': new Date(Date.now() + 1500).toUTCString() });
      else sendJson(response, 200, SESSION);
    });
    try {
      const retries: RetryEvent[] = [];
      const client = new StrataClient({ baseUrl: server.url, apiKey: 'k', retry: FAST, onRetry: (event) => retries.push(event) });
      expect((await client.getSession('s')).id).toBe('s');
      expect(server.seen).toHaveLength(2);
      // The date has whole seconds: 0.5 to 1.5 s after the answer, far above the 10-40 ms backoff.
      expect(retries[0]?.delayMs).toBeGreaterThanOrEqual(200);
      expect(retries[0]?.delayMs).toBeLessThanOrEqual(1500);
      expect(server.seen[0]?.headers.authorization).toBe('Bearer k');
    } finally {
      await server.close();
    }
  });

  it('messages that all have a clientMsgId are retried on 502/503; any without one are sent once', async () => {
    const server = await standInServer((request, response) => {
      const replies = server.seen.filter((seen) => seen.url === request.url).length;
      if (replies <= 2) sendJson(response, replies === 1 ? 503 : 502, problem(503, 'STORE_UNAVAILABLE', 'busy'));
      else sendJson(response, 201, ADDED);
    });
    try {
      const client = new StrataClient({ baseUrl: server.url, retry: FAST });
      const added = await client.addMessages('with-ids', [{ role: 'user', content: 'hello', clientMsgId: 'c1' }]);
      expect(added.messages[0]?.created).toBe(true);
      expect(server.seen.filter((seen) => seen.url.includes('with-ids'))).toHaveLength(3);

      const mixed = [
        { role: 'user' as const, content: 'one', clientMsgId: 'c2' },
        { role: 'user' as const, content: 'two' },
      ];
      const error = await failureOf(client.addMessages('without-ids', mixed));
      expect(error).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE', attempts: 1 });
      expect(server.seen.filter((seen) => seen.url.includes('without-ids'))).toHaveLength(1);
      expect(JSON.parse(server.seen.at(-1)?.body ?? '')).toEqual({ messages: mixed });
    } finally {
      await server.close();
    }
  });

  it('gives up after maxAttempts, and at once when Retry-After is longer than maxRetryAfterMs', async () => {
    const server = await standInServer((request, response) => {
      if (request.url.startsWith('/v1/search')) sendJson(response, 503, problem(503, 'STORE_UNAVAILABLE', 'down'));
      else sendJson(response, 429, problem(429, 'RATE_LIMITED', 'later'), { 'retry-after': '3600' });
    });
    try {
      const client = new StrataClient({ baseUrl: server.url, retry: { ...FAST, maxAttempts: 4 } });
      expect(await failureOf(client.search('anything'))).toMatchObject({ code: 'STORE_UNAVAILABLE', attempts: 4 });
      expect(server.seen).toHaveLength(4);
      const patient = await failureOf(client.listKeys());
      expect(patient).toMatchObject({ status: 429, attempts: 1, retryAfterMs: 3_600_000 });
      expect(await failureOf(client.search('anything', {}, { retry: false }))).toMatchObject({ attempts: 1 });
    } finally {
      await server.close();
    }
  });

  it('a request that does not answer in time fails with CLIENT_TIMEOUT; reads retry it, writes do not', async () => {
    const server = await standInServer(() => {
      // Never answers: a hung upstream.
    });
    try {
      const client = new StrataClient({ baseUrl: server.url, timeoutMs: 150, retry: { ...FAST, maxAttempts: 2 } });
      const started = Date.now();
      const read = await failureOf(client.getContext('s'));
      expect(read).toMatchObject({ code: 'CLIENT_TIMEOUT', status: 0, attempts: 2 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(server.seen).toHaveLength(2);
      const write = await failureOf(client.remember({ userId: 'u', text: 'once' }, { timeoutMs: 100 }));
      expect(write).toMatchObject({ code: 'CLIENT_TIMEOUT', attempts: 1 });
      expect(server.seen).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it("the caller's signal aborts the call and its backoff; it is never retried", async () => {
    const server = await standInServer((_request, response) => sendJson(response, 503, problem(503, 'STORE_UNAVAILABLE', 'down')));
    try {
      const client = new StrataClient({ baseUrl: server.url, retry: { baseDelayMs: 10_000, maxDelayMs: 10_000 } });
      const controller = new AbortController();
      const call = client.getSession('s', { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      expect(await failureOf(call)).toMatchObject({ code: 'ABORTED', status: 0 });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(server.seen).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('network errors are retried for reads; an answer that is not the API’s is BAD_RESPONSE', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const retries: RetryEvent[] = [];
    const refused = new StrataClient({ baseUrl: `http://127.0.0.1:${port}`, retry: FAST, onRetry: (event) => retries.push(event) });
    const network = await failureOf(refused.health());
    expect(network).toMatchObject({ code: 'NETWORK_ERROR', status: 0, attempts: 3 });
    expect(network.detail).toContain('ECONNREFUSED');
    expect(retries.map((event) => event.attempt)).toEqual([1, 2]);

    const server = await standInServer((request, response) => {
      if (request.url === '/health') response.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy</html>');
      else response.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway</html>');
    });
    try {
      const client = new StrataClient({ baseUrl: server.url, retry: FAST });
      expect(await failureOf(client.health())).toMatchObject({ code: 'BAD_RESPONSE', status: 200 });
      const gateway = await failureOf(client.getSession('s'));
      expect(gateway).toMatchObject({ code: 'BAD_RESPONSE', status: 502, attempts: 3, problem: null });
      expect(gateway.detail).toContain('bad gateway');
    } finally {
      await server.close();
    }
  });
});
