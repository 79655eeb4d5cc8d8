import type {
  FactRecord,
  FactRule,
  JsonValue,
  MemoryKind,
  MemoryRecord,
  MessageRecord,
  Metadata,
  Role,
  SessionRecord,
} from '../../spec/records.js';

/** Rows as drivers return them: int8 arrives as a string from `pg` and as a number from PGlite. */
type Int = number | string;

export interface PgSessionRow {
  tenant_id: string;
  id: string;
  user_id: string;
  agent_id: string;
  namespace: string;
  metadata: Metadata;
  created_at: Int;
  updated_at: Int;
  summary: string | null;
  summarized_up_to_seq: Int;
  last_seq: Int;
}

export interface PgMessageRow {
  tenant_id: string;
  id: string;
  session_id: string;
  seq: Int;
  role: string;
  name: string | null;
  content: string;
  metadata: Metadata;
  created_at: Int;
  client_msg_id: string | null;
  token_count: Int;
}

export interface PgMemoryRow {
  row_id: Int;
  id: string;
  tenant_id: string;
  user_id: string;
  agent_id: string;
  namespace: string;
  session_id: string | null;
  kind: string;
  text: string;
  context: string | null;
  tags: string[];
  importance: number | string;
  source: string[];
  content_hash: string;
  metadata: Metadata;
  embedding_model: string | null;
  created_at: Int;
  updated_at: Int;
  valid_from: Int;
  valid_to: Int | null;
  superseded_by: string | null;
}

export interface PgFactRow {
  tenant_id: string;
  id: string;
  user_id: string;
  agent_id: string;
  namespace: string;
  subject: string;
  key: string;
  value: JsonValue;
  valid_from: Int;
  valid_to: Int | null;
  recorded_at: Int;
  source: string | null;
}

/** Every memory column but the vectors and the tsvector (read only where they are used). */
export const PG_MEMORY_COLUMNS = [
  'row_id',
  'id',
  'tenant_id',
  'user_id',
  'agent_id',
  'namespace',
  'session_id',
  'kind',
  'text',
  'context',
  'tags',
  'importance',
  'source',
  'content_hash',
  'metadata',
  'embedding_model',
  'created_at',
  'updated_at',
  'valid_from',
  'valid_to',
  'superseded_by',
]
  .map((column) => `m.${column}`)
  .join(', ');

const optional = (value: string): string | undefined => (value === '' ? undefined : value);
const nullableInt = (value: Int | null): number | null => (value === null ? null : Number(value));

export function pgSession(row: PgSessionRow): SessionRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    userId: row.user_id,
    agentId: optional(row.agent_id),
    namespace: optional(row.namespace),
    metadata: row.metadata,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    summary: row.summary,
    summarizedUpToSeq: Number(row.summarized_up_to_seq),
    lastSeq: Number(row.last_seq),
  };
}

export function pgMessage(row: PgMessageRow): MessageRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    sessionId: row.session_id,
    seq: Number(row.seq),
    role: row.role as Role,
    name: row.name,
    content: row.content,
    metadata: row.metadata,
    createdAt: Number(row.created_at),
    clientMsgId: row.client_msg_id,
    tokenCount: Number(row.token_count),
  };
}

export function pgMemory(row: PgMemoryRow): MemoryRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    agentId: optional(row.agent_id),
    namespace: optional(row.namespace),
    sessionId: row.session_id,
    kind: row.kind as MemoryKind,
    text: row.text,
    context: row.context,
    tags: row.tags,
    importance: Number(row.importance),
    source: row.source,
    contentHash: row.content_hash,
    metadata: row.metadata,
    embeddingModel: row.embedding_model,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    validFrom: Number(row.valid_from),
    validTo: nullableInt(row.valid_to),
    supersededBy: row.superseded_by,
  };
}

export function pgFact(row: PgFactRow, rule: FactRule | null = null): FactRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    userId: row.user_id,
    agentId: optional(row.agent_id),
    namespace: optional(row.namespace),
    subject: row.subject,
    key: row.key,
    value: row.value,
    validFrom: Number(row.valid_from),
    validTo: nullableInt(row.valid_to),
    recordedAt: Number(row.recorded_at),
    source: row.source,
    rule,
  };
}

export { bytesToVector as bytesVector, vectorToBytes as vectorBytes } from '../../util/vector-bytes.js';

/** pgvector's text form, `[0.1,0.2]`. */
export function vectorLiteral(vector: Float32Array): string {
  return `[${Array.from(vector).join(',')}]`;
}

/** A JSON value as a jsonb parameter (drivers would send a JS array as a Postgres array). */
export function json(value: unknown): string {
  return JSON.stringify(value);
}
