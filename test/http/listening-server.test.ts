import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataClient } from '../../src/client/index.js';
import { type HttpFixture, httpFixture, tenantCounts } from './http-fixture.js';

/** The app on a real socket (loopback, port 0): what `app.inject()` cannot show. */
let f: HttpFixture;
let base: string;
let key: string;

beforeAll(async () => {
  f = await httpFixture({ bodyLimit: 16 * 1024 });
  base = await f.app.listen({ host: '127.0.0.1', port: 0 });
  key = await f.key('acme');
});
afterAll(async () => {
  await f.close();
});

/** Writes raw bytes to the server and returns everything it answers before closing. */
function rawExchange(bytes: string): Promise<string> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(bytes));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('error', reject).on('close', () => resolve(answer));
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer')));
  });
}

describe('a real server on loopback', () => {
  it('serves health, then an authenticated write and read over HTTP (through the typed client)', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const strata = new StrataClient({ baseUrl: base, apiKey: key });
    expect((await strata.health()).status).toBe('ok');
    expect((await strata.createSession({ id: 'net', userId: 'alice' })).id).toBe('net');
    expect((await strata.addMessages('net', [{ role: 'user', content: 'over the wire' }])).messages[0]?.created).toBe(true);
    expect((await strata.listMessages('net')).data.map((m) => m.content)).toEqual(['over the wire']);
  });

  it('broken HTTP gets a 400 problem+json from the socket layer', async () => {
    const answer = await rawExchange('GARBAGE / NOT-HTTP\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toMatch(/content-type: application\/problem\+json/i);
    expect(answer).toContain('"code":"INVALID_INPUT"');
  });

  it('an oversized body (declared or streamed), an unauthenticated write and a bad media type change nothing', async () => {
    const before = await tenantCounts(f.memory, 'acme', 'alice');
    const big = JSON.stringify({ userId: 'alice', text: 'z'.repeat(20_000) });
    const declared = await rawExchange(
      `POST /v1/memories HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n${big}`,
    );
    expect(declared).toMatch(/^HTTP\/1\.1 413/);
    expect(declared).toContain('"code":"BODY_TOO_LARGE"');
    const chunked = await rawExchange(
      `POST /v1/memories HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
    );
    expect(chunked).toMatch(/^HTTP\/1\.1 413/);
    const anonymous = await fetch(`${base}/v1/memories`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'alice', text: 'anonymous' }),
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const form = await fetch(`${base}/v1/memories`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: new URLSearchParams({ a: 'b' }),
    });
    expect(form.status).toBe(415);
    expect(await tenantCounts(f.memory, 'acme', 'alice')).toEqual(before);
  });
});
