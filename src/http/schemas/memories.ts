import { z } from 'zod';
import { CommaList, Cursor, EpochMs, Id, Limit, MemoryKind, Metadata, Page, QueryTime, Tags, Text, TimeInput } from './common.js';

export const RememberBody = z
  .strictObject({
    userId: Id,
    text: Text,
    kind: MemoryKind.optional().describe('default note'),
    agentId: Id.optional(),
    namespace: Id.optional(),
    sessionId: Id.optional(),
    tags: Tags.optional(),
    importance: z.number().min(0).max(1).optional().describe('0-1, default 0.5'),
    metadata: Metadata.optional(),
    source: z.array(Id).max(100).optional().describe('message ids this memory came from'),
    createdAt: TimeInput.optional(),
  })
  .meta({ id: 'Remember' });

export const Memory = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    userId: z.string(),
    agentId: z.string().optional(),
    namespace: z.string().optional(),
    sessionId: z.string().nullable(),
    kind: MemoryKind,
    text: z.string(),
    context: z.string().nullable().describe('neighbourhood indexed with the memory (e.g. the previous turn)'),
    tags: z.array(z.string()).readonly(),
    importance: z.number(),
    source: z.array(z.string()).readonly(),
    contentHash: z.string(),
    metadata: Metadata,
    embeddingModel: z.string().nullable(),
    createdAt: EpochMs,
    updatedAt: EpochMs,
    validFrom: EpochMs,
    validTo: EpochMs.nullable(),
    supersededBy: z.string().nullable(),
  })
  .meta({ id: 'Memory' });

export const RememberResponse = z
  .object({
    memory: Memory,
    created: z.boolean().describe('false when the same text was already stored in this scope'),
    skipped: z.literal('mode_off').optional().describe('nothing was stored: memory is off for the tenant (the memory id is empty)'),
  })
  .meta({ id: 'RememberResponse' });

export const UpdateMemoryBody = z
  .strictObject({
    text: Text.optional(),
    tags: Tags.optional(),
    importance: z.number().min(0).max(1).optional(),
    metadata: Metadata.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'give at least one of text, tags, importance, metadata')
  .meta({ id: 'UpdateMemory' });

export const ListMemoriesQuery = z.strictObject({
  userId: Id.optional(),
  agentId: Id.optional(),
  sessionId: Id.optional(),
  namespace: Id.optional(),
  kinds: CommaList(MemoryKind).optional(),
  tags: CommaList(z.string().min(1).max(64)).optional(),
  since: QueryTime.optional(),
  until: QueryTime.optional(),
  limit: Limit(50, 500),
  cursor: Cursor.optional(),
});

export const MemoryPage = Page(Memory).meta({ id: 'MemoryPage' });
