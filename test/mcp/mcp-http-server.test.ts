import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_TOOL_NAMES } from '../../src/mcp/create-mcp-server.js';
import type { ApiKeyScope } from '../../src/spec/api-key-store.js';
import { TOPICS } from '../helpers/memory.js';
import { type HttpFixture, httpFixture } from '../http/http-fixture.js';
import { callError, callOk, newClient } from './mcp-client.js';

/** MCP at /mcp of the real app (API keys, tenants, scopes), on a loopback socket, driven by the SDK's HTTP client. */
let f: HttpFixture;
let url: URL;
const clients: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  f = await httpFixture({ rateLimit: { max: 1000, windowMs: 60_000 } });
  url = new URL('/mcp', await f.app.listen({ host: '127.0.0.1', port: 0 }));
});
afterAll(async () => {
  for (const client of clients) await client.close();
  await f.close();
});

async function connect(tenantId: string, scopes: readonly ApiKeyScope[] = ['read', 'write']) {
  const key = await f.key(tenantId, scopes);
  const client = newClient();
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
  clients.push(client);
  await client.listTools();
  return client;
}

interface SearchOut {
  results: Array<{ memory: { text: string; tenantId?: string } }>;
}

const rpc = (id: number, method: string, params: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method, params });
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('POST /mcp behind API keys', () => {
  it('serves every tool in the tenant of the key; another tenant sees none of it', async () => {
    const a = await connect('tenant-a');
    const b = await connect('tenant-b');
    expect((await a.listTools()).tools.map((tool) => tool.name)).toEqual([...MCP_TOOL_NAMES]);
    const messages = TOPICS.slice(0, 6).map((content, i) => ({ role: 'user', content, clientMsgId: `m${i}` }));
    await callOk(a, 'add_messages', { sessionId: 'shared-id', userId: 'alice', messages });
    await callOk(a, 'set_fact', { userId: 'alice', subject: 'user', key: 'pet', value: 'Biscuit' });
    const found = await callOk<SearchOut>(a, 'search_memory', { query: 'espresso machine leak', userId: 'alice' });
    expect(found.data.results[0]?.memory.text).toBe(TOPICS[5]);
    expect((await callOk<{ text: string }>(a, 'get_context', { sessionId: 'shared-id' })).data.text).toContain('Biscuit');

    // Tenant B: the same ids and queries find nothing, and B's writes stay in B.
    expect((await callOk<SearchOut>(b, 'search_memory', { query: 'espresso machine leak', userId: 'alice' })).data.results).toEqual([]);
    expect((await callOk<SearchOut>(b, 'search_memory', { query: 'espresso machine leak' })).data.results).toEqual([]);
    expect((await callError(b, 'get_context', { sessionId: 'shared-id' })).code).toBe('SESSION_NOT_FOUND');
    expect((await callOk<{ facts: unknown[] }>(b, 'get_facts', { userId: 'alice' })).data.facts).toEqual([]);
    await callOk(b, 'add_messages', { sessionId: 'shared-id', userId: 'bob', messages: [{ role: 'user', content: 'tenant b only' }] });
    expect(await f.memory.forTenant('tenant-a').countMemories({ kinds: ['turn'] })).toBe(6);
    expect(await f.memory.forTenant('tenant-b').countMemories()).toBe(1);
    expect((await f.memory.forTenant('tenant-a').getSession('shared-id')).userId).toBe('alice');
  });

  it('401 problem+json without a key or with a bad one; the SDK client cannot connect', async () => {
    const call = JSON.stringify(rpc(1, 'tools/list'));
    const anonymous = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: call });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await anonymous.json()).toMatchObject({ code: 'UNAUTHENTICATED', instance: '/mcp' });
    const bad = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, authorization: 'Bearer strata_nope' }, body: call });
    expect(bad.status).toBe(401);
    const client = newClient();
    await expect(client.connect(new StreamableHTTPClientTransport(url))).rejects.toThrow(/401/);
  });

  it('a read-only key reads; a write tool answers a FORBIDDEN tool error and writes nothing', async () => {
    const writer = await connect('tenant-r');
    await callOk(writer, 'set_fact', { userId: 'rita', subject: 'user', key: 'city', value: 'Girne' });
    const reader = await connect('tenant-r', ['read']);
    expect((await callOk<{ facts: unknown[] }>(reader, 'get_facts', { userId: 'rita' })).data.facts).toHaveLength(1);
    const before = await f.memory.forTenant('tenant-r').countMemories();
    for (const [tool, args] of [
      ['add_messages', { sessionId: 'r1', userId: 'rita', messages: [{ role: 'user', content: 'hello' }] }],
      ['remember', { userId: 'rita', text: 'a note' }],
      ['set_fact', { userId: 'rita', subject: 'user', key: 'city', value: 'Lefkosa' }],
      ['forget', { memoryId: 'mem_x' }],
    ] as const) {
      const refused = await callError(reader, tool, args);
      expect(refused.code, tool).toBe('FORBIDDEN');
      expect(refused.details).toMatchObject({ tool, required: 'write', scopes: ['read'] });
    }
    expect(await f.memory.forTenant('tenant-r').countMemories()).toBe(before);
    expect((await f.memory.forTenant('tenant-r').getFacts({ userId: 'rita' })).map((fact) => fact.value)).toEqual(['Girne']);
  });

  it('a key without read is 403; a batch calling a write tool without write is 403', async () => {
    const writeOnly = await f.key('tenant-w', ['write']);
    const init = rpc(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } });
    const refused = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${writeOnly}` },
      body: JSON.stringify(init),
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'FORBIDDEN', details: { required: 'read' } });

    const readOnly = await f.key('tenant-w', ['read']);
    const batch = [
      rpc(2, 'tools/call', { name: 'get_facts', arguments: { userId: 'u' } }),
      rpc(3, 'tools/call', { name: 'remember', arguments: { userId: 'u', text: 't' } }),
    ];
    const batched = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${readOnly}` },
      body: JSON.stringify(batch),
    });
    expect(batched.status).toBe(403);
    expect(await batched.json()).toMatchObject({ code: 'FORBIDDEN', details: { tools: ['remember'] } });
    expect(await f.memory.forTenant('tenant-w').countMemories()).toBe(0);
  });

  it('GET and DELETE answer 405 (stateless: no stream, no session); rate-limit headers reach the MCP client', async () => {
    const key = await f.key('tenant-a', ['read']);
    const get = await fetch(url, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const del = await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
    expect(del.status).toBe(405);
    expect((await fetch(url)).status).toBe(401);
    const list = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${key}` },
      body: JSON.stringify(rpc(9, 'tools/list')),
    });
    expect(list.status).toBe(200);
    expect(list.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(((await list.json()) as { result: { tools: unknown[] } }).result.tools).toHaveLength(MCP_TOOL_NAMES.length);
  });
});
