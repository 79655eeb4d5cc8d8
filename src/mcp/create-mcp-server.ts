import { readFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type * as z from 'zod';
import type { MemoryService } from '../core/memory-service.js';
import type { AddedMessage } from '../core/types.js';
import { StrataError } from '../errors/strata-error.js';
import type { JsonValue, Metadata } from '../spec/records.js';
import {
  contextView,
  errorResult,
  factView,
  internalErrorResult,
  memoryView,
  renderContext,
  renderFact,
  renderSearch,
  renderSetFact,
  searchView,
  setFactView,
} from './tool-results.js';
import {
  addMessagesInput,
  addMessagesOutput,
  forgetInput,
  forgetOutput,
  getContextInput,
  getContextOutput,
  getFactsInput,
  getFactsOutput,
  rememberInput,
  rememberOutput,
  searchMemoryInput,
  searchMemoryOutput,
  setFactInput,
  setFactOutput,
} from './tool-schemas.js';

export interface CreateMcpServerOptions {
  /**
   * Called with every failure that is not a StrataError, with the tool's name (the tool answers
   * INTERNAL without the error's message), and by the HTTP handler with `mcp-http` for a
   * transport failure. Default: nothing.
   */
  readonly onError?: ((error: unknown, tool: string) => void) | undefined;
}

/** The tools, in the order `tools/list` shows them. */
export const MCP_TOOL_NAMES = ['add_messages', 'get_context', 'search_memory', 'remember', 'forget', 'set_fact', 'get_facts'] as const;

const INSTRUCTIONS = [
  'Strata is long-term memory for this conversation and its user.',
  'Before answering, call get_context with the sessionId and the user question to get the facts, summary, relevant memories and recent turns.',
  'After each exchange, call add_messages with the new messages (with userId, so that the session is created on first use).',
  'Use search_memory to recall something specific, remember to save a durable note, set_fact for an attribute with one current value, forget to delete a memory.',
].join(' ');

/**
 * An MCP server exposing the memory operations as tools, all in the tenant of `memory`
 * (pass `memory.forTenant(tenantId)`; no tool takes a tenant). Inputs are strict zod
 * schemas; results carry text for the model and `structuredContent` matching an output
 * schema. A StrataError becomes a tool error result (`isError: true`, `CODE: message`,
 * the error under `_meta["strata/error"]`), never a protocol error. Arguments that fail
 * the input schema are rejected by the SDK before the handler, also as a tool error
 * (text "Input validation error: ..."), and write nothing.
 *
 * `add_messages` with `userId` creates the session when it does not exist yet (as
 * `strata add` does; no separate create flag), and for an existing session checks that it
 * belongs to that user, agent and namespace (SCOPE_CONFLICT otherwise); without `userId`
 * the session must exist (SESSION_NOT_FOUND).
 */
export function createMcpServer(memory: MemoryService, options: CreateMcpServerOptions = {}): McpServer {
  const server = new McpServer(
    { name: 'strata', title: 'Strata memory', version: packageVersion() },
    { instructions: INSTRUCTIONS, maxToolInputElements: 50_000 },
  );
  const tool = toolRegistrar(server, options.onError ?? (() => {}));

  tool(
    'add_messages',
    {
      title: 'Add messages',
      description:
        'Store new messages of a conversation in memory. Call it after each turn (or batch of turns) so that get_context and search_memory can use them; stored messages are searchable at once. Give userId to create the session on first use. Idempotent when each message has a clientMsgId: sending it again stores nothing new.',
      input: addMessagesInput,
      output: addMessagesOutput,
      // Idempotent only for messages with a clientMsgId.
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async (args) => {
      const added = await addMessages(memory, args);
      const fresh = added.filter((message) => message.created);
      const seqs = fresh.map((message) => message.seq);
      const stored = fresh.length === 0 ? 'Stored no new message' : `Stored ${fresh.length} message(s) (seq ${rangeOf(seqs)})`;
      const known = added.length - fresh.length;
      const text = `${stored} in session ${args.sessionId}.${known > 0 ? ` ${known} were already stored (same clientMsgId).` : ''}`;
      return { text, structured: { sessionId: args.sessionId, messages: added.map((message) => ({ ...message })) } };
    },
  );

  tool(
    'get_context',
    {
      title: 'Get context',
      description:
        'Get the memory context to read before answering in a session: current facts about the user, the conversation summary, relevant long-term memories and the latest turns, packed into a token budget. Pass the question being answered as query. Read-only.',
      input: getContextInput,
      output: getContextOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      const context = await memory.getContext(args.sessionId, { query: args.query, tokenBudget: args.tokenBudget, depth: args.depth });
      return { text: renderContext(context), structured: contextView(context) };
    },
  );

  tool(
    'search_memory',
    {
      title: 'Search memory',
      description:
        'Search long-term memory (stored messages, notes, facts, summaries) by meaning and keywords, e.g. "what is the user\'s dog called". Use it to recall something specific; results come best first and weak matches are flagged. Usually pass userId. Read-only.',
      input: searchMemoryInput,
      output: searchMemoryOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      const { query, ...filters } = args;
      const response = await memory.search(query, filters);
      return { text: renderSearch(response), structured: searchView(response) };
    },
  );

  tool(
    'remember',
    {
      title: 'Remember',
      description:
        'Save a durable memory about a user: a preference, a plan, an important detail, written as a short self-contained statement. Saving the same text again returns the existing memory. For an attribute with one current value (timezone, diet) use set_fact instead.',
      input: rememberInput,
      output: rememberOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const { memory: stored, created } = await memory.remember({ ...args, metadata: args.metadata as Metadata | undefined });
      const text = created ? `Remembered ${stored.id}: ${stored.text}` : `Already remembered as ${stored.id}: ${stored.text}`;
      return { text, structured: { memory: memoryView(stored), created } };
    },
  );

  tool(
    'forget',
    {
      title: 'Forget',
      description:
        'Permanently delete one memory by its id (from remember or search_memory), e.g. when the user asks to forget something or it is wrong. Cannot be undone.',
      input: forgetInput,
      output: forgetOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    async (args) => {
      await memory.forget(args.id);
      return { text: `Forgot memory ${args.id}.`, structured: { id: args.id, forgotten: true as const } };
    },
  );

  tool(
    'set_fact',
    {
      title: 'Set fact',
      description:
        'Pin a fact subject.key = value for a user, e.g. subject "user", key "diet", value "vegetarian". A new value replaces the current one from validFrom on; the old one stays in the history. Current facts are part of every get_context. Use it for attributes with one current value; use remember for free-form notes.',
      input: setFactInput,
      output: setFactOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const response = await memory.setFact({ ...args, value: args.value as JsonValue });
      return { text: renderSetFact(response), structured: setFactView(response) };
    },
  );

  tool(
    'get_facts',
    {
      title: 'Get facts',
      description: "List a user's facts valid now (or at asOf), optionally only one subject or key. Read-only.",
      input: getFactsInput,
      output: getFactsOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      const facts = await memory.getFacts(args);
      const text = facts.length === 0 ? 'No facts.' : facts.map(renderFact).join('\n');
      return { text, structured: { facts: facts.map(factView) } };
    },
  );

  return server;
}

interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  readonly title: string;
  readonly description: string;
  readonly input: I;
  readonly output: O;
  readonly annotations: ToolAnnotations;
}

type ToolRun<I extends z.ZodObject, O extends z.ZodObject> = (args: z.output<I>) => Promise<{ text: string; structured: z.output<O> }>;

/** Registers tools whose handler returns text + structured content; maps thrown errors to tool error results. */
function toolRegistrar(server: McpServer, onError: (error: unknown, tool: string) => void) {
  return <I extends z.ZodObject, O extends z.ZodObject>(
    name: (typeof MCP_TOOL_NAMES)[number],
    spec: ToolSpec<I, O>,
    run: ToolRun<I, O>,
  ) => {
    server.registerTool(
      name,
      {
        title: spec.title,
        description: spec.description,
        // Erased to the base object type: the SDK's callback type is conditional on the schema and
        // stays unresolved for a generic one. `args` is what spec.input parsed, so the cast holds.
        inputSchema: spec.input as z.ZodObject,
        outputSchema: spec.output as z.ZodObject,
        annotations: { title: spec.title, ...spec.annotations },
      },
      async (args): Promise<CallToolResult> => {
        try {
          const { text, structured } = await run(args as z.output<I>);
          return { content: [{ type: 'text', text }], structuredContent: structured as Record<string, unknown> };
        } catch (error) {
          if (StrataError.is(error)) return errorResult(error);
          onError(error, name);
          return internalErrorResult(name);
        }
      },
    );
  };
}

/**
 * Appends the messages; with a userId, creates the session when it does not exist. The
 * session is created only after the core has validated the messages (it checks them before
 * it looks the session up), so a rejected call writes nothing, not even the session.
 */
async function addMessages(memory: MemoryService, args: z.output<typeof addMessagesInput>): Promise<AddedMessage[]> {
  const messages = args.messages.map((message) => ({ ...message, metadata: message.metadata as Metadata | undefined }));
  if (args.userId === undefined) return memory.addMessages(args.sessionId, messages);
  const session = { id: args.sessionId, userId: args.userId, agentId: args.agentId, namespace: args.namespace };
  const exists = await sessionExists(memory, args.sessionId);
  // For an existing session this writes nothing: it checks that the session has this user, agent and namespace.
  if (exists) await memory.createSession(session);
  try {
    return await memory.addMessages(args.sessionId, messages);
  } catch (error) {
    if (exists || !StrataError.is(error, 'SESSION_NOT_FOUND')) throw error;
    await memory.createSession(session);
    return memory.addMessages(args.sessionId, messages);
  }
}

async function sessionExists(memory: MemoryService, sessionId: string): Promise<boolean> {
  try {
    await memory.getSession(sessionId);
    return true;
  } catch (error) {
    if (StrataError.is(error, 'SESSION_NOT_FOUND')) return false;
    throw error;
  }
}

function rangeOf(seqs: readonly number[]): string {
  const first = seqs[0];
  const last = seqs[seqs.length - 1];
  return first === last ? String(first) : `${first}-${last}`;
}

let version: string | undefined;

/** This package's version (package.json sits two levels above both src/mcp and dist/mcp). */
function packageVersion(): string {
  if (version === undefined) {
    try {
      const json = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      version = typeof json.version === 'string' ? json.version : '0.0.0';
    } catch {
      version = '0.0.0';
    }
  }
  return version;
}
