import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { MCP_TOOL_NAMES } from '../../src/mcp/create-mcp-server.js';
import { handleMcpHttpRequest } from '../../src/mcp/http-handler.js';
import { serveStdio } from '../../src/mcp/stdio.js';
import { ROOT } from '../helpers/cli.js';
import { memoryInRam, snapshot, TOPICS, tempDir } from '../helpers/memory.js';
import { callError, callOk, newClient } from './mcp-client.js';

interface SearchOut {
  results: Array<{ memory: { text: string; userId: string; source: string[] } }>;
}

describe('strata mcp over stdio (a real subprocess)', () => {
  it('serves every tool to the SDK client, keeps stdout to the protocol, and exits cleanly when stdin ends', async () => {
    const { dir, cleanup } = tempDir();
    const transport = new StdioClientTransport({
      command: process.execPath,
      // What `npx tsx scripts/strata-dev.ts mcp --data <dir>/data` runs, without npx's own start-up.
      args: ['--import', 'tsx', join(ROOT, 'scripts', 'strata-dev.ts'), 'mcp', '--data', join(dir, 'data')],
      cwd: ROOT,
      env: getDefaultEnvironment(),
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const transportErrors: Error[] = [];
    const client = newClient();
    client.onerror = (error) => transportErrors.push(error);
    try {
      await client.connect(transport);
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual([...MCP_TOOL_NAMES]);
      await callOk(client, 'add_messages', { sessionId: 's1', userId: 'alice', messages: [{ role: 'user', content: TOPICS[0] }] });
      await callOk(client, 'set_fact', { userId: 'alice', subject: 'user', key: 'pet', value: 'Biscuit' });
      const found = await callOk<SearchOut>(client, 'search_memory', { query: 'beagle', userId: 'alice' });
      expect(found.data.results[0]?.memory.text).toBe(TOPICS[0]);
      const context = await callOk<{ text: string }>(client, 'get_context', { sessionId: 's1' });
      expect(context.data.text).toContain('user.pet = "Biscuit"');
      expect((await callError(client, 'get_context', { sessionId: 'missing' })).code).toBe('SESSION_NOT_FOUND');
    } finally {
      await client.close(); // ends stdin; the server drains, closes the store and exits
      cleanup();
    }
    // Any non-protocol line on stdout would have surfaced as a parse error on the client.
    expect(transportErrors).toEqual([]);
    expect(stderr).toContain('strata mcp: serving');
    expect(stderr).toContain('strata mcp: stdin ended');
    expect(stderr).toContain('strata mcp: stopped');
  }, 30_000);

  it('answers the requests in flight when stdin ends right after them, then resolves', async () => {
    const memory = await memoryInRam();
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    const serving = serveStdio(memory, { stdin, stdout });
    const send = (message: object) => stdin.write(`${JSON.stringify(message)}\n`);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const messages = TOPICS.map((content) => ({ role: 'user', content }));
    send({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'add_messages', arguments: { sessionId: 's', userId: 'u', messages } },
    });
    stdin.end();
    await serving;
    const responses = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; result: { isError?: boolean } });
    expect(responses.map((response) => response.id).sort()).toEqual([1, 2]);
    expect(responses.find((response) => response.id === 2)?.result.isError).toBeUndefined();
    expect((await snapshot(memory, 's')).messages).toBe(TOPICS.length);
    await memory.close();
  });
});

describe('MCP over Streamable HTTP (the handler on a plain node:http server)', () => {
  const keys: Record<string, string> = { 'key-a': 'tenant-a', 'key-b': 'tenant-b' };
  let memory: MemoryService;
  let server: Server;
  let url: URL;

  beforeAll(async () => {
    memory = await memoryInRam();
    // Stands in for the Fastify route: API key -> tenant, parsed JSON body, then the handler.
    server = createServer((req, res) => {
      void (async () => {
        const tenant = keys[String(req.headers['x-api-key'])];
        if (req.url !== '/mcp' || tenant === undefined) {
          res.writeHead(req.url === '/mcp' ? 401 : 404).end();
          return;
        }
        const raw = await readBody(req);
        await handleMcpHttpRequest(memory.forTenant(tenant), req, res, raw.length > 0 ? JSON.parse(raw) : undefined);
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await memory.close();
  });

  const connect = async (apiKey: string) => {
    const client = newClient();
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { 'x-api-key': apiKey } } }));
    await client.listTools();
    return client;
  };

  it('serves the SDK client statelessly, one server per request, scoped to the key tenant', async () => {
    const a = await connect('key-a');
    const b = await connect('key-b');
    try {
      expect((await a.listTools()).tools).toHaveLength(MCP_TOOL_NAMES.length);
      const messages = TOPICS.map((content, i) => ({ role: 'user', content, clientMsgId: `m${i}` }));
      await callOk(a, 'add_messages', { sessionId: 's-http', userId: 'alice', messages });
      // Each call is a new request, server and transport: the data lives in the store.
      const everything =
        'beagle peanuts balcony budget violin espresso ferry chemistry worktops river payments roofs seafood parcel credit recruiter';
      const all = await callOk<SearchOut>(a, 'search_memory', { query: everything, userId: 'alice', k: 50, mode: 'keyword' });
      // Every message is covered, by its turn or by a chunk of turns (a turn inside a higher chunk is not repeated).
      expect(new Set(all.data.results.flatMap((result) => result.memory.source)).size).toBe(TOPICS.length);
      const found = await callOk<SearchOut>(a, 'search_memory', { query: 'espresso machine leak', userId: 'alice' });
      expect(found.data.results[0]?.memory.text).toBe(TOPICS[5]);

      expect((await callOk<SearchOut>(b, 'search_memory', { query: 'espresso machine leak' })).data.results).toEqual([]);
      expect((await callError(b, 'get_context', { sessionId: 's-http' })).code).toBe('SESSION_NOT_FOUND');
      expect((await snapshot(memory.forTenant('tenant-b'))).memories).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('answers a bare JSON-RPC POST without a session, 405 for GET, and 406 without the Accept header', async () => {
    const headers = { 'x-api-key': 'key-a', 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const call = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'get_facts', arguments: { userId: 'nobody' } } };
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(call) });
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toBeNull();
    expect(await response.json()).toMatchObject({
      id: 7,
      result: { content: [{ type: 'text', text: 'No facts.' }], structuredContent: { facts: [] } },
    });

    const get = await fetch(url, { headers: { 'x-api-key': 'key-a', accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });

    const noAccept = await fetch(url, { method: 'POST', headers: { ...headers, accept: 'application/json' }, body: JSON.stringify(call) });
    expect(noAccept.status).toBe(406);
    expect((await fetch(url, { method: 'POST', headers: { ...headers, 'x-api-key': 'wrong' }, body: '{}' })).status).toBe(401);
  });
});

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
