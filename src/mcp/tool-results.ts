import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ContextItem, ContextResponse, SearchResponse, SetFactResponse } from '../core/types.js';
import type { StrataError } from '../errors/strata-error.js';
import type { FactRecord, JsonValue, MemoryRecord } from '../spec/records.js';
import type { FactView, MemoryView } from './tool-schemas.js';

/**
 * What the tools return: a text block for the model to read and the same result as
 * `structuredContent` (matching the tool's output schema) for programs. Times are ISO 8601.
 */

/** `_meta` key under which an error result carries `{ code, message, details }`. */
export const ERROR_META_KEY = 'strata/error';

/** The code of an error result for a failure that is not a StrataError (its message is not shown). */
export const INTERNAL_ERROR_CODE = 'INTERNAL';

/**
 * A StrataError as a tool error result: `isError: true`, the text `CODE: message` (with the
 * field at fault) and the error's JSON under `_meta["strata/error"]`. No `structuredContent`:
 * the SDK client checks structured content against the output schema even on errors.
 */
export function errorResult(error: StrataError): CallToolResult {
  const field = typeof error.details.field === 'string' ? ` (field: ${error.details.field})` : '';
  return {
    content: [{ type: 'text', text: `${error.code}: ${error.message}${field}` }],
    isError: true,
    _meta: { [ERROR_META_KEY]: error.toJSON() },
  };
}

export function internalErrorResult(tool: string): CallToolResult {
  const message = `${tool} failed unexpectedly; the error was logged on the server`;
  return {
    content: [{ type: 'text', text: `${INTERNAL_ERROR_CODE}: ${message}` }],
    isError: true,
    _meta: { [ERROR_META_KEY]: { code: INTERNAL_ERROR_CODE, message, details: {} } },
  };
}

// ---- views ----------------------------------------------------------------------------

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function memoryView(memory: MemoryRecord): MemoryView {
  return {
    id: memory.id,
    kind: memory.kind,
    text: memory.text,
    userId: memory.userId,
    agentId: memory.agentId ?? null,
    namespace: memory.namespace ?? null,
    sessionId: memory.sessionId,
    tags: [...memory.tags],
    importance: memory.importance,
    source: [...memory.source],
    metadata: memory.metadata,
    createdAt: iso(memory.createdAt),
    updatedAt: iso(memory.updatedAt),
  };
}

export function factView(fact: FactRecord): FactView {
  return {
    id: fact.id,
    subject: fact.subject,
    key: fact.key,
    value: fact.value,
    userId: fact.userId,
    agentId: fact.agentId ?? null,
    namespace: fact.namespace ?? null,
    validFrom: iso(fact.validFrom),
    validTo: fact.validTo === null ? null : iso(fact.validTo),
    recordedAt: iso(fact.recordedAt),
    source: fact.source,
  };
}

function contextItemView(item: ContextItem) {
  return {
    kind: item.kind,
    id: item.id,
    text: item.text,
    tokens: item.tokens,
    createdAt: item.createdAt === null ? null : iso(item.createdAt),
    why: { ...item.why },
    source: [...item.source],
  };
}

export function contextView(context: ContextResponse) {
  return {
    text: context.text,
    tokens: context.tokens,
    tokenBudget: context.tokenBudget,
    depth: context.depth,
    items: context.items.map(contextItemView),
    dropped: context.dropped,
    used: context.used,
    reason: context.reason,
  };
}

export function searchView(response: SearchResponse) {
  return {
    results: response.results.map((result) => ({
      memory: memoryView(result.memory),
      score: result.score,
      relevant: result.relevant,
      scores: { ...result.scores },
    })),
    threshold: response.threshold,
  };
}

export function setFactView(response: SetFactResponse) {
  return {
    fact: factView(response.fact),
    closed: response.closed === null ? null : factView(response.closed),
    created: response.created,
    validation: { ...response.validation },
  };
}

// ---- text for the model ---------------------------------------------------------------

export function renderValue(value: JsonValue): string {
  return JSON.stringify(value);
}

export function renderFact(fact: FactRecord): string {
  const scope = fact.agentId ? ` [agent ${fact.agentId}]` : '';
  const until = fact.validTo === null ? '' : ` until ${iso(fact.validTo)}`;
  return `${fact.subject}.${fact.key} = ${renderValue(fact.value)} (since ${iso(fact.validFrom)}${until})${scope}`;
}

export function renderSearch(response: SearchResponse): string {
  if (response.results.length === 0) return 'No memories matched.';
  const lines = response.results.map((result, i) => {
    const memory = result.memory;
    const weak = result.relevant ? '' : ', weak match';
    const tags = memory.tags.length > 0 ? `, tags ${memory.tags.join(',')}` : '';
    return `${i + 1}. ${memory.text}\n   (${memory.kind} ${memory.id}, ${iso(memory.createdAt)}, score ${result.score.toFixed(3)}${weak}${tags})`;
  });
  const relevant = response.results.filter((result) => result.relevant).length;
  return `${response.results.length} memories (${relevant} above the relevance threshold), best first:\n${lines.join('\n')}`;
}

export function renderContext(context: ContextResponse): string {
  const footer = `[${context.tokens}/${context.tokenBudget} tokens, ${context.items.length} items, depth ${context.depth}${
    context.dropped > 0 ? `, ${context.dropped} left out for the budget` : ''
  }]`;
  if (!context.used) return `No context: ${context.reason ?? 'memory unavailable'}. ${footer}`;
  return context.text.trim().length > 0 ? `${context.text}\n\n${footer}` : `The session has no context yet. ${footer}`;
}

export function renderSetFact(response: SetFactResponse): string {
  const head = response.created ? `Set ${renderFact(response.fact)}.` : `Unchanged: ${renderFact(response.fact)} was already current.`;
  const replaced = response.closed ? ` It replaces ${renderValue(response.closed.value)}.` : '';
  const check = response.validation.valid
    ? ''
    : ` Validation ${response.validation.severity}: expected ${response.validation.expected ?? 'a different value'}.`;
  return `${head}${replaced}${check}`;
}
