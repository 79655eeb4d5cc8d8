import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, type HttpFixture, httpFixture } from './http-fixture.js';

let f: HttpFixture;

beforeAll(async () => {
  f = await httpFixture({ rateLimit: { max: 3, windowMs: 60_000 } });
});
afterAll(async () => {
  await f.close();
});

describe('per-key rate limits', () => {
  it('the fourth request of a key in the window is 429 problem+json with Retry-After; another key is unaffected', async () => {
    const first = await f.key('acme', ['read']);
    const second = await f.key('acme', ['read']);
    for (let i = 0; i < 3; i++) {
      const ok = await f.call(first, 'GET', '/v1/sessions');
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(2 - i));
    }
    const limited = await f.call(first, 'GET', '/v1/sessions');
    const body = expectProblem(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(body.details).toMatchObject({ limit: 3, retryAfterSeconds: expect.any(Number) });
    expect((await f.call(second, 'GET', '/v1/sessions')).statusCode).toBe(200);
  });

  it('requests without a valid key are refused (401) before they count against anyone', async () => {
    const key = await f.key('acme', ['read']);
    for (let i = 0; i < 5; i++) expectProblem(await f.call('strata_nope', 'GET', '/v1/sessions'), 401, 'UNAUTHENTICATED');
    expect((await f.call(key, 'GET', '/v1/sessions')).statusCode).toBe(200);
  });

  it('health and readiness are never rate limited', async () => {
    for (let i = 0; i < 6; i++) expect((await f.call(null, 'GET', '/health')).statusCode).toBe(200);
    expect((await f.call(null, 'GET', '/ready')).statusCode).toBe(200);
  });
});
