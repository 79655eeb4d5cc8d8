import { z } from 'zod';
import { MEMORY_KINDS } from '../spec/records.js';

/** The shape of each archived record: checked on restore after the checksums, before anything is written. */
const id = z.string().min(1).max(256);
const time = z.int().min(0);
const optionalId = id.optional();
const json: z.ZodType<unknown> = z.unknown();
const metadata = z.record(z.string(), json);
const scope = { tenantId: id, userId: id, agentId: optionalId, namespace: optionalId };

export const SessionLine = z.strictObject({
  ...scope,
  id,
  metadata,
  createdAt: time,
  updatedAt: time,
  summary: z.string().nullable(),
  summarizedUpToSeq: z.int().min(0),
  lastSeq: z.int().min(0),
});

export const MessageLine = z.strictObject({
  id,
  tenantId: id,
  sessionId: id,
  seq: z.int().min(1),
  role: z.enum(['user', 'assistant', 'system', 'tool']),
  name: z.string().nullable(),
  content: z.string(),
  metadata,
  createdAt: time,
  clientMsgId: id.nullable(),
  tokenCount: z.int().min(0),
});

export const MemoryLine = z.strictObject({
  ...scope,
  id,
  sessionId: id.nullable(),
  kind: z.enum(MEMORY_KINDS as unknown as [string, ...string[]]),
  text: z.string(),
  context: z.string().nullable(),
  tags: z.array(z.string()),
  importance: z.number().min(0).max(1),
  source: z.array(z.string()),
  contentHash: z.string(),
  metadata,
  embeddingModel: z.string().nullable(),
  createdAt: time,
  updatedAt: time,
  validFrom: time,
  validTo: time.nullable(),
  supersededBy: id.nullable(),
  embedding: z.string().nullable(),
});

export const FactLine = z.strictObject({
  ...scope,
  id,
  subject: z.string(),
  key: z.string(),
  value: json,
  validFrom: time,
  validTo: time.nullable(),
  recordedAt: time,
  source: z.string().nullable(),
});

export const FactRuleLine = z.strictObject({ ...scope, subject: z.string(), key: z.string(), rule: z.record(z.string(), json) });

export const CheckpointLine = z.strictObject({
  tenantId: id,
  sessionId: id,
  upToSeq: z.int().min(0),
  runId: z.string(),
  summaryMemoryId: id.nullable(),
  updatedAt: time,
});

const entry = z.strictObject({
  file: z.string().regex(/^[a-z_]+\.jsonl$/),
  count: z.int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const ManifestSchema = z.strictObject({
  format: z.literal('strata-archive'),
  version: z.literal(1),
  createdAt: z.string(),
  tenants: z.array(id),
  embeddingModels: z.array(z.string()),
  tables: z.strictObject({
    sessions: entry,
    messages: entry,
    memories: entry,
    facts: entry,
    fact_rules: entry,
    consolidation_checkpoints: entry,
  }),
});
