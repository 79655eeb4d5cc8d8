import { z } from 'zod';
import { EpochMs, Id, MemoryKind, Tags, TimeInput } from './common.js';
import { Memory } from './memories.js';

export const SearchBody = z
  .strictObject({
    query: z.string().min(1).max(4000),
    userId: Id.optional(),
    agentId: Id.optional(),
    sessionId: Id.optional(),
    namespace: Id.optional(),
    k: z.int().min(1).max(200).optional().describe('results, default 10'),
    kinds: z.array(MemoryKind).max(8).optional(),
    tags: Tags.optional().describe('every listed tag must be present'),
    since: TimeInput.optional().describe('created at or after'),
    until: TimeInput.optional().describe('created before'),
    mode: z.enum(['hybrid', 'keyword', 'vector']).optional().describe('default hybrid'),
    mmr: z
      .union([z.boolean(), z.number().min(0).max(1)])
      .optional()
      .describe('MMR diversity: true for lambda 0.7, a lambda in [0, 1], false for none; default lambda 0.8'),
    now: TimeInput.optional().describe('reference time for recency; default now'),
  })
  .meta({ id: 'Search' });

/** The score of each signal (src/retrieval/hybrid-search.ts ScoreBreakdown). */
export const ScoreBreakdown = z
  .object({
    keyword: z.number().nullable().describe('BM25; null when keyword search did not return the memory'),
    vector: z.number().nullable().describe('cosine similarity; null when vector search did not return the memory'),
    fused: z.number(),
    softMatch: z.number(),
    recency: z.number(),
    importance: z.number(),
    relevance: z.number().describe('absolute relevance, compared with the threshold'),
  })
  .meta({ id: 'ScoreBreakdown' });

export const SearchResult = z
  .object({ memory: Memory, score: z.number(), scores: ScoreBreakdown, relevant: z.boolean() })
  .meta({ id: 'SearchResult' });

export const SearchResponse = z
  .object({
    results: z.array(SearchResult),
    threshold: z.number(),
    tookMs: z.number(),
    used: z.boolean().describe('false when memory was not searched; reason says why'),
    reason: z.string().nullable().describe('mode_off, mode_write_only or timeout when used is false'),
  })
  .meta({ id: 'SearchResponse' });

export const ContextBody = z
  .strictObject({
    query: z.string().min(1).max(4000).optional().describe('what the next turn is about; default the last user message'),
    tokenBudget: z.int().min(1).max(200_000).optional().describe('default 2000'),
    depth: z.enum(['rapid', 'standard', 'deep']).optional().describe('default standard'),
    now: TimeInput.optional(),
  })
  .meta({ id: 'ContextRequest' });

export const ContextItem = z
  .object({
    kind: z.enum(['fact', 'summary', 'memory', 'turn']),
    id: z.string(),
    text: z.string(),
    tokens: z.int(),
    createdAt: EpochMs.nullable(),
    why: z.object({ reason: z.string(), rank: z.int().optional(), scores: ScoreBreakdown.optional() }),
    source: z.array(z.string()).readonly(),
  })
  .meta({ id: 'ContextItem' });

export const ContextResponse = z
  .object({
    text: z.string(),
    tokens: z.int(),
    tokenBudget: z.int(),
    tokenizer: z.string(),
    depth: z.enum(['rapid', 'standard', 'deep']),
    items: z.array(ContextItem),
    dropped: z.int(),
    used: z.boolean(),
    reason: z.string().nullable(),
    threshold: z.number(),
  })
  .meta({ id: 'ContextResponse' });
