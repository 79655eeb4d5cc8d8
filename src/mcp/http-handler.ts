import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { MemoryService } from '../core/memory-service.js';
import { type CreateMcpServerOptions, createMcpServer } from './create-mcp-server.js';

export type McpHttpOptions = CreateMcpServerOptions;

/**
 * Serves one HTTP request of the MCP Streamable HTTP transport, stateless: a new MCP server
 * and transport per request, no `Mcp-Session-Id`, JSON responses (no SSE stream). `memory`
 * is already scoped to the caller's tenant (`memory.forTenant(tenantIdFromApiKey)`), so a
 * key only ever reaches its own tenant. `body` is the parsed JSON body (the framework has
 * read the stream already). Only POST carries MCP in stateless mode: GET (a standalone SSE
 * stream) and DELETE (ending a session) answer 405, as the transport spec allows.
 * Resolves once the response is written; it never throws for a bad request (the
 * transport answers 400/406/415 with a JSON-RPC error).
 *
 * Mounting it in Fastify, behind the API-key auth hook that sets the tenant:
 *
 * ```ts
 * // Fastify parses application/json bodies already; MCP posts application/json.
 * // `request.tenantId`: whatever the API-key hook sets (the tenant comes from the key, never the body).
 * app.post('/mcp', async (request, reply) => {
 *   reply.hijack(); // first, before any await: from here on the handler owns reply.raw
 *   await handleMcpHttpRequest(memory.forTenant(request.tenantId), request.raw, reply.raw, request.body, {
 *     onError: (error, tool) => request.log.error({ err: error, tool }, 'mcp tool failed'),
 *   });
 * });
 * // Optional: tell GET/DELETE callers why (the client treats 405 on GET as "no SSE stream").
 * app.route({ method: ['GET', 'DELETE'], url: '/mcp', handler: async (request, reply) => {
 *   reply.hijack();
 *   await handleMcpHttpRequest(memory.forTenant(request.tenantId), request.raw, reply.raw, undefined);
 * } });
 * ```
 *
 * Auth failures stay with Fastify (401 before the handler runs). Fastify's onSend hooks and
 * its error handler do not see a hijacked reply: the transport writes status, headers and
 * the body itself, and the handler ends the response on every path.
 */
export async function handleMcpHttpRequest(
  memory: MemoryService,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  options: McpHttpOptions = {},
): Promise<void> {
  if (req.method !== 'POST') {
    sendJsonRpcError(res, 405, -32000, 'Method not allowed: this MCP endpoint is stateless; use POST', { Allow: 'POST' });
    return;
  }
  const server = createMcpServer(memory, options);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  } catch (error) {
    options.onError?.(error, 'mcp-http');
    if (!res.headersSent) sendJsonRpcError(res, 500, -32603, 'Internal error');
    else if (!res.writableEnded) res.end();
  } finally {
    // The response is complete once handleRequest resolves (JSON mode): release both at once.
    await server.close();
  }
}

function sendJsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}
