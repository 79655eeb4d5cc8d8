import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, type HttpFixture, httpFixture, json } from './http-fixture.js';

let f: HttpFixture;

beforeAll(async () => {
  f = await httpFixture();
});
afterAll(async () => {
  await f.close();
});

describe('/v1/mode: the memory mode of the caller’s tenant', () => {
  it('an admin sets write_only for its tenant: its reads say so, another tenant is untouched; null clears it', async () => {
    const acme = await f.key('acme');
    const globex = await f.key('globex');
    expect(json(await f.call(acme, 'GET', '/v1/mode'))).toEqual({
      tenantId: 'acme',
      mode: 'read_write',
      global: 'read_write',
      override: null,
    });
    const set = await f.call(acme, 'PUT', '/v1/mode', { mode: 'write_only' });
    expect(set.statusCode).toBe(200);
    expect(json(set)).toMatchObject({ tenantId: 'acme', mode: 'write_only', override: { mode: 'write_only', until: null } });

    for (const key of [acme, globex]) {
      expect((await f.call(key, 'POST', '/v1/sessions', { id: 's1', userId: 'u1' })).statusCode).toBe(201);
      expect(
        (await f.call(key, 'POST', '/v1/sessions/s1/messages', { messages: [{ role: 'user', content: 'the ferry leaves at nine' }] }))
          .statusCode,
      ).toBe(201);
    }
    const acmeSearch = json(await f.call(acme, 'POST', '/v1/search', { query: 'ferry', userId: 'u1' }));
    expect(acmeSearch).toMatchObject({ results: [], used: false, reason: 'mode_write_only' });
    const globexSearch = json<{ results: unknown[]; used: boolean }>(
      await f.call(globex, 'POST', '/v1/search', { query: 'ferry', userId: 'u1' }),
    );
    expect(globexSearch.used).toBe(true);
    expect(globexSearch.results.length).toBe(1);
    const context = json(await f.call(acme, 'POST', '/v1/sessions/s1/context', { query: 'ferry' }));
    expect(context).toMatchObject({ used: false, reason: 'mode_write_only' });

    expect(json(await f.call(acme, 'PUT', '/v1/mode', { mode: null }))).toMatchObject({ mode: 'read_write', override: null });
    expect(json(await f.call(acme, 'POST', '/v1/search', { query: 'ferry', userId: 'u1' }))).toMatchObject({ used: true, reason: null });
  });

  it('mode off: writes answer skipped and store nothing', async () => {
    const key = await f.key('offco');
    expect((await f.call(key, 'POST', '/v1/sessions', { id: 's1', userId: 'u1' })).statusCode).toBe(201);
    await f.call(key, 'PUT', '/v1/mode', { mode: 'off' });
    const added = await f.call(key, 'POST', '/v1/sessions/s1/messages', { messages: [{ role: 'user', content: 'not kept' }] });
    // 200, not 201: nothing was created.
    expect(added.statusCode).toBe(200);
    expect(json(added)).toEqual({ messages: [{ id: '', seq: 0, clientMsgId: null, created: false, memoryId: null, skipped: 'mode_off' }] });
    const remembered = await f.call(key, 'POST', '/v1/memories', { userId: 'u1', text: 'not kept either' });
    expect(remembered.statusCode).toBe(200);
    expect(json(remembered)).toMatchObject({ created: false, skipped: 'mode_off', memory: { id: '', text: 'not kept either' } });
    await f.call(key, 'PUT', '/v1/mode', { mode: null });
    expect(json<{ data: unknown[] }>(await f.call(key, 'GET', '/v1/sessions/s1/messages')).data).toEqual([]);
    expect(json<{ data: unknown[] }>(await f.call(key, 'GET', '/v1/memories?userId=u1')).data).toEqual([]);
  });

  it('needs the admin scope and a known mode', async () => {
    const reader = await f.key('acme', ['read', 'write']);
    expectProblem(await f.call(reader, 'PUT', '/v1/mode', { mode: 'off' }), 403, 'FORBIDDEN');
    const admin = await f.key('acme');
    expectProblem(await f.call(admin, 'PUT', '/v1/mode', { mode: 'sometimes' }), 400);
  });
});
