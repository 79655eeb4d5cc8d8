import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { type CreateMcpServerOptions, createMcpServer } from '../../src/mcp/create-mcp-server.js';
import { ERROR_META_KEY } from '../../src/mcp/tool-results.js';

export function newClient(): Client {
  return new Client({ name: 'strata-test', version: '0.0.0' });
}

/** The SDK client connected to createMcpServer(memory) over a linked in-memory transport pair. */
export async function connectInMemory(memory: MemoryService, options: CreateMcpServerOptions = {}): Promise<Client> {
  const client = newClient();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([createMcpServer(memory, options).connect(serverSide), client.connect(clientSide)]);
  // Caches the output schemas, so that callTool checks structuredContent against them (as real clients do).
  await client.listTools();
  return client;
}

/** Calls a tool and asserts that it succeeded; returns its text and structured content. */
export async function callOk<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<{ text: string; data: T }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.isError, `${name} failed: ${textOf(result)}`).toBeFalsy();
  expect(result.structuredContent, `${name} returned no structuredContent`).toBeTypeOf('object');
  return { text: textOf(result), data: result.structuredContent as T };
}

/** Calls a tool and asserts that it answered with a tool error (not a protocol error); returns the error. */
export async function callError(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<{ text: string; code: string | undefined; details: Record<string, unknown> }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.isError, `${name} should fail, answered: ${textOf(result)}`).toBe(true);
  expect(result.structuredContent).toBeUndefined();
  const meta = result._meta?.[ERROR_META_KEY] as { code?: string; details?: Record<string, unknown> } | undefined;
  return { text: textOf(result), code: meta?.code, details: meta?.details ?? {} };
}

export function textOf(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : `[${block.type}]`)).join('\n');
}
