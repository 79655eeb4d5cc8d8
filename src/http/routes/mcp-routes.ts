import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { StrataError } from '../../errors/strata-error.js';
import type { MCP_TOOL_NAMES } from '../../mcp/create-mcp-server.js';
import { handleMcpHttpRequest } from '../../mcp/http-handler.js';
import { errorResult } from '../../mcp/tool-results.js';
import type { ApiKeyScope } from '../../spec/api-key-store.js';
import { authOf } from '../auth-hook.js';
import { type RouteDeps, SECURITY } from './route-kit.js';

/** The scope each MCP tool needs on top of `read` (which every MCP request needs). */
export const MCP_TOOL_SCOPES: Readonly<Record<(typeof MCP_TOOL_NAMES)[number], ApiKeyScope>> = {
  add_messages: 'write',
  get_context: 'read',
  search_memory: 'read',
  remember: 'write',
  forget: 'write',
  set_fact: 'write',
  get_facts: 'read',
};

interface ToolCall {
  readonly id: string | number;
  readonly tool: string;
  readonly scope: ApiKeyScope;
}

/**
 * MCP (Streamable HTTP, stateless, JSON responses) at /mcp, behind the API-key auth of the
 * /v1 routes: the tenant is the key's, every MCP request needs the `read` scope, and a
 * `tools/call` of a tool that writes (add_messages, remember, forget, set_fact) also needs
 * `write`. Without it the call answers a tool error `FORBIDDEN` (the session goes on; a batch
 * holding such a call is 403). GET and DELETE answer 405: there are no MCP sessions to stream
 * or end. Rate limits and body limits apply as to every route.
 */
export function mcpRoutes(deps: RouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.post(
      '/mcp',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'mcp',
          tags: ['mcp'],
          summary: 'Model Context Protocol over Streamable HTTP (stateless, JSON responses): the memory tools of the key tenant',
          description:
            'JSON-RPC 2.0 messages of MCP (initialize, tools/list, tools/call, ...); send `Accept: application/json, text/event-stream`. ' +
            'Needs the `read` scope; add_messages, remember, forget and set_fact also need `write` (else a FORBIDDEN tool error).',
          security: SECURITY,
        },
      },
      async (request, reply) => {
        const auth = authOf(request);
        const denied = toolCalls(request.body).filter((call) => !auth.scopes.includes(call.scope));
        if (denied.length > 0) return refuse(request, reply, denied, auth.scopes);
        await serve(deps, request, reply, request.body);
      },
    );

    app.route({
      method: ['GET', 'DELETE'],
      url: '/mcp',
      config: { scope: 'read' },
      schema: { hide: true },
      handler: async (request, reply) => serve(deps, request, reply, undefined),
    });
  };
}

/** Hands the raw request and response to the MCP transport, with the headers Fastify set so far (rate limits). */
async function serve(deps: RouteDeps, request: FastifyRequest, reply: FastifyReply, body: unknown): Promise<void> {
  const memory = deps.memory.forTenant(authOf(request).tenantId);
  // From here on the transport owns reply.raw: Fastify neither serialises nor sends.
  reply.hijack();
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) reply.raw.setHeader(name, value);
  }
  await handleMcpHttpRequest(memory, request.raw, reply.raw, body, {
    onError: (error, tool) => request.log.error({ err: error, tool }, 'mcp request failed'),
  });
}

/** The tools/call requests in a JSON-RPC message or batch, with the scope each needs. */
function toolCalls(body: unknown): ToolCall[] {
  const messages = Array.isArray(body) ? body : [body];
  const calls: ToolCall[] = [];
  for (const message of messages) {
    if (typeof message !== 'object' || message === null) continue;
    const { method, id, params } = message as { method?: unknown; id?: unknown; params?: { name?: unknown } };
    if (method !== 'tools/call' || (typeof id !== 'string' && typeof id !== 'number')) continue;
    const tool = typeof params?.name === 'string' ? params.name : '';
    // An unknown tool needs only `read`: the MCP server answers that it does not exist.
    calls.push({ id, tool, scope: MCP_TOOL_SCOPES[tool as keyof typeof MCP_TOOL_SCOPES] ?? 'read' });
  }
  return calls;
}

function refuse(request: FastifyRequest, reply: FastifyReply, denied: ToolCall[], scopes: readonly ApiKeyScope[]): FastifyReply {
  const [first] = denied;
  const error = (call: ToolCall) =>
    new StrataError('FORBIDDEN', `the tool "${call.tool}" needs the "${call.scope}" scope; the API key has ${scopes.join(', ')}`, {
      details: { tool: call.tool, required: call.scope, scopes },
    });
  if (first === undefined || Array.isArray(request.body)) {
    const details = { required: 'write', scopes, tools: denied.map((call) => call.tool) };
    throw new StrataError('FORBIDDEN', 'this batch calls tools that need a scope the API key lacks', { details });
  }
  // One call: an MCP tool error result, which the model sees, rather than a transport failure.
  return reply
    .code(200)
    .type('application/json')
    .send({ jsonrpc: '2.0', id: first.id, result: errorResult(error(first)) });
}
