import * as z from 'zod';

/**
 * Input and output schemas of the MCP tools. Inputs are strict (an unknown field is an
 * error) and check shapes and types only: values (id form, lengths, ranges, times) are
 * checked by the core, which answers with a StrataError code the tool result carries.
 * Field names are the core's (camelCase), as in the library and the HTTP API.
 */

const id = (what: string) => z.string().describe(`${what}: 1-128 characters of A-Z a-z 0-9 . _ : @ -, starting with a letter or digit`);
const time = (what: string) =>
  z.union([z.string(), z.number()]).describe(`${what}: an ISO 8601 date-time (e.g. "2026-03-02T09:00:00Z") or epoch milliseconds`);
const metadata = z.record(z.string(), z.unknown()).describe('free-form JSON object stored with the record (at most 16 KB)');
/** Any JSON value, spelled out without a recursive $ref so that every client can read it. */
const jsonValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);

const memoryKind = z.enum(['turn', 'summary', 'note', 'fact', 'episode']);
const role = z.enum(['user', 'assistant', 'system', 'tool']);

// ---- inputs ---------------------------------------------------------------------------

export const addMessagesInput = z.strictObject({
  sessionId: id('the conversation session'),
  userId: id('the user the session belongs to')
    .optional()
    .describe(
      'the user the session belongs to. With userId the session is created when it does not exist yet (and checked to belong to this user when it does); without it the session must already exist.',
    ),
  agentId: id('the agent of the session').optional(),
  namespace: id('a namespace to keep apart memories of the same user').optional(),
  messages: z
    .array(
      z.strictObject({
        role,
        content: z.string().describe('the message text'),
        name: z.string().optional().describe('speaker name, as in chat APIs ("Caroline"); stored and indexed with the message'),
        clientMsgId: id('idempotency key, unique per session: sending the same message again stores it once').optional(),
        createdAt: time('when the message was said (default now)').optional(),
        metadata: metadata.optional(),
      }),
    )
    .describe('the new messages, oldest first (1 to 1000)'),
});

export const getContextInput = z.strictObject({
  sessionId: id('the session to build the context for'),
  query: z.string().optional().describe('what the next model call is about; default the last user message'),
  tokenBudget: z.number().int().optional().describe('most tokens the context may take (1 to 200000, default 2000)'),
  depth: z
    .enum(['rapid', 'standard', 'deep'])
    .optional()
    .describe('rapid: few memories, fastest; standard (default): more memories, diversified; deep: the most memories and recent turns'),
});

export const searchMemoryInput = z.strictObject({
  query: z.string().describe('what to look for, in natural language or keywords'),
  userId: id('only memories of this user (usually given)').optional(),
  agentId: id('only memories of this agent').optional(),
  sessionId: id('only memories from this session').optional(),
  namespace: id('only memories in this namespace').optional(),
  k: z.number().int().optional().describe('how many results (1 to 200, default 10)'),
  kinds: z.array(memoryKind).optional().describe('only these kinds: turn (a stored message), summary, note, fact, episode'),
  tags: z.array(z.string()).optional().describe('only memories that carry all of these tags'),
  since: time('only memories created at or after this time').optional(),
  until: time('only memories created before this time').optional(),
  mode: z.enum(['hybrid', 'keyword', 'vector']).optional().describe('hybrid (default): keyword and semantic search fused'),
});

export const rememberInput = z.strictObject({
  userId: id('the user the memory is about'),
  text: z.string().describe('the memory, as a short self-contained statement ("Alice is allergic to peanuts")'),
  kind: z.enum(['note', 'fact', 'episode', 'summary']).optional().describe('note (default), fact, episode or summary'),
  agentId: id('the agent the memory belongs to').optional(),
  namespace: id('a namespace for the memory').optional(),
  sessionId: id('the session the memory came from (must belong to userId)').optional(),
  tags: z.array(z.string()).optional().describe('labels to filter on later'),
  importance: z.number().optional().describe('0 to 1 (default 0.5); higher ranks higher in search'),
  metadata: metadata.optional(),
});

export const forgetInput = z.strictObject({
  id: id('the id of the memory to delete (mem_...), as returned by remember or search_memory'),
});

export const setFactInput = z.strictObject({
  userId: id('the user the fact belongs to'),
  subject: z.string().describe('what the fact is about, e.g. "user" or "project.alpha" (1-128 characters)'),
  key: z.string().describe('the attribute, e.g. "diet" or "timezone" (1-128 characters)'),
  value: jsonValue.describe('the value: a string, number, boolean, null, array or object'),
  agentId: id('the agent the fact belongs to (default: every agent of the user)').optional(),
  namespace: id('a namespace for the fact').optional(),
  validFrom: time('when the value became true (default now); the previous value stays in the history until then').optional(),
  source: z.string().optional().describe('where the fact comes from, e.g. a message id or "user said so" (at most 256 characters)'),
});

export const getFactsInput = z.strictObject({
  userId: id('the user whose facts to read'),
  agentId: id('only facts of this agent').optional(),
  namespace: id('only facts in this namespace').optional(),
  subject: z.string().optional().describe('only facts about this subject'),
  key: z.string().optional().describe('only this key'),
  asOf: time('the facts valid at this time (default now)').optional(),
});

// ---- outputs --------------------------------------------------------------------------

const isoTime = z.string().describe('ISO 8601 date-time');

const scores = z.object({
  keyword: z.number().nullable().describe('BM25 keyword score; null when keyword search did not find it'),
  vector: z.number().nullable().describe('cosine similarity; null when vector search did not find it'),
  fused: z.number(),
  softMatch: z.number(),
  recency: z.number(),
  importance: z.number(),
  relevance: z.number().describe('compared with the threshold to decide `relevant`'),
});

export const memoryView = z.object({
  id: z.string(),
  kind: memoryKind,
  text: z.string(),
  userId: z.string(),
  agentId: z.string().nullable(),
  namespace: z.string().nullable(),
  sessionId: z.string().nullable(),
  tags: z.array(z.string()),
  importance: z.number(),
  source: z.array(z.string()).describe('ids of the messages the memory came from'),
  metadata: z.record(z.string(), z.unknown()),
  createdAt: isoTime,
  updatedAt: isoTime,
});

export const factView = z.object({
  id: z.string(),
  subject: z.string(),
  key: z.string(),
  value: jsonValue,
  userId: z.string(),
  agentId: z.string().nullable(),
  namespace: z.string().nullable(),
  validFrom: isoTime,
  validTo: isoTime.nullable().describe('null while the value is current'),
  recordedAt: isoTime,
  source: z.string().nullable(),
});

export const addMessagesOutput = z.object({
  sessionId: z.string(),
  messages: z.array(
    z.object({
      id: z.string(),
      seq: z.number().int(),
      clientMsgId: z.string().nullable(),
      created: z.boolean().describe('false when this clientMsgId was already stored (nothing new was written)'),
      memoryId: z.string().nullable(),
    }),
  ),
});

export const getContextOutput = z.object({
  text: z.string().describe('the packed context, ready to put in a prompt'),
  tokens: z.number().int(),
  tokenBudget: z.number().int(),
  depth: z.enum(['rapid', 'standard', 'deep']),
  items: z.array(
    z.object({
      kind: z.enum(['fact', 'summary', 'memory', 'turn']),
      id: z.string(),
      text: z.string(),
      tokens: z.number().int(),
      createdAt: isoTime.nullable(),
      why: z.object({ reason: z.string(), rank: z.number().int().optional(), scores: scores.optional() }),
      source: z.array(z.string()),
    }),
  ),
  dropped: z.number().int().describe('items left out for the budget'),
  used: z.boolean(),
  reason: z.string().nullable(),
});

export const searchMemoryOutput = z.object({
  results: z.array(z.object({ memory: memoryView, score: z.number(), relevant: z.boolean(), scores })),
  threshold: z.number(),
});

export const rememberOutput = z.object({
  memory: memoryView,
  created: z.boolean().describe('false when the same text was already remembered in this scope (the existing memory is returned)'),
});

export const forgetOutput = z.object({ id: z.string(), forgotten: z.literal(true) });

export const setFactOutput = z.object({
  fact: factView,
  closed: factView.nullable().describe('the previous value, whose validity now ends'),
  created: z.boolean().describe('false when the same value was already current'),
  validation: z
    .object({ valid: z.boolean(), severity: z.string().describe('ok, info, warning or error'), expected: z.string().nullable() })
    .describe('the value checked against the rule set for subject.key, if any'),
});

export const getFactsOutput = z.object({ facts: z.array(factView) });

export type MemoryView = z.infer<typeof memoryView>;
export type FactView = z.infer<typeof factView>;
