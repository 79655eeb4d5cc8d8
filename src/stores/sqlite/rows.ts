import type { FactRecord, JsonValue, MemoryKind, MemoryRecord, MessageRecord, Metadata, Role, SessionRecord } from '../../spec/records.js';

export interface SessionRow {
  tenant_id: string;
  id: string;
  user_id: string;
  agent_id: string;
  namespace: string;
  metadata: string;
  created_at: number;
  updated_at: number;
  summary: string | null;
  summarized_up_to_seq: number;
  last_seq: number;
}

export interface MessageRow {
  tenant_id: string;
  id: string;
  session_id: string;
  seq: number;
  role: string;
  name: string | null;
  content: string;
  metadata: string;
  created_at: number;
  client_msg_id: string | null;
  token_count: number;
}

export interface MemoryRow {
  rowid: number;
  id: string;
  tenant_id: string;
  user_id: string;
  agent_id: string;
  namespace: string;
  session_id: string | null;
  kind: string;
  text: string;
  context: string | null;
  tags: string;
  importance: number;
  source: string;
  content_hash: string;
  metadata: string;
  embedding_model: string | null;
  created_at: number;
  updated_at: number;
  valid_from: number;
  valid_to: number | null;
  superseded_by: string | null;
  /** The stored content words (0006_content_words.sql), read where a search scores memories: MEMORY_WORD_COLUMN_NAMES. */
  text_words?: Uint8Array | null;
  context_words?: Uint8Array | null;
}

/** The columns of MemoryRow, in the order `memoryRowOf` reads them: every memory column but the embedding (read only where it is used). */
export const MEMORY_COLUMN_NAMES = [
  'rowid',
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
] as const satisfies ReadonlyArray<keyof MemoryRow>;

/** Inserts a memory: memoryValues' columns (archive-values.ts, the archive's order), then its stored content words. */
export const INSERT_MEMORY_SQL = `INSERT INTO memories (id, tenant_id, user_id, agent_id, namespace, session_id, kind, text, context, tags,
    importance, source, content_hash, metadata, embedding, embedding_model, created_at, updated_at, valid_from, valid_to,
    superseded_by, text_words, context_words)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Read after MEMORY_COLUMN_NAMES where the records go to a search (memoryRowOf reads them when present). */
export const MEMORY_WORD_COLUMN_NAMES = ['text_words', 'context_words'] as const satisfies ReadonlyArray<keyof MemoryRow>;

/**
 * A MemoryRow from a raw read (`.raw()`) of MEMORY_COLUMN_NAMES. better-sqlite3 builds a row
 * object property by property; reading arrays and making the object here cost 12 instead of
 * 16.5-19 µs a row (130 random rows of the 100k bench database, CPU time).
 */
export function memoryRowOf(values: readonly unknown[]): MemoryRow {
  return {
    rowid: values[0] as number,
    id: values[1] as string,
    tenant_id: values[2] as string,
    user_id: values[3] as string,
    agent_id: values[4] as string,
    namespace: values[5] as string,
    session_id: values[6] as string | null,
    kind: values[7] as string,
    text: values[8] as string,
    context: values[9] as string | null,
    tags: values[10] as string,
    importance: values[11] as number,
    source: values[12] as string,
    content_hash: values[13] as string,
    metadata: values[14] as string,
    embedding_model: values[15] as string | null,
    created_at: values[16] as number,
    updated_at: values[17] as number,
    valid_from: values[18] as number,
    valid_to: values[19] as number | null,
    superseded_by: values[20] as string | null,
    text_words: (values[21] as Uint8Array | null | undefined) ?? null,
    context_words: (values[22] as Uint8Array | null | undefined) ?? null,
  };
}

export interface FactRow {
  tenant_id: string;
  id: string;
  user_id: string;
  agent_id: string;
  namespace: string;
  subject: string;
  key: string;
  value: string;
  valid_from: number;
  valid_to: number | null;
  recorded_at: number;
  source: string | null;
}

const optional = (value: string): string | undefined => (value === '' ? undefined : value);

export function toSession(row: SessionRow): SessionRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    userId: row.user_id,
    agentId: optional(row.agent_id),
    namespace: optional(row.namespace),
    metadata: JSON.parse(row.metadata) as Metadata,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    summary: row.summary,
    summarizedUpToSeq: row.summarized_up_to_seq,
    lastSeq: row.last_seq,
  };
}

export function toMessage(row: MessageRow): MessageRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    sessionId: row.session_id,
    seq: row.seq,
    role: row.role as Role,
    name: row.name,
    content: row.content,
    metadata: JSON.parse(row.metadata) as Metadata,
    createdAt: row.created_at,
    clientMsgId: row.client_msg_id,
    tokenCount: row.token_count,
  };
}

export function toMemory(row: MemoryRow): MemoryRecord {
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
    tags: JSON.parse(row.tags) as string[],
    importance: row.importance,
    source: JSON.parse(row.source) as string[],
    contentHash: row.content_hash,
    metadata: JSON.parse(row.metadata) as Metadata,
    embeddingModel: row.embedding_model,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    supersededBy: row.superseded_by,
  };
}

export function toFact(row: FactRow, rule: FactRecord['rule'] = null): FactRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    userId: row.user_id,
    agentId: optional(row.agent_id),
    namespace: optional(row.namespace),
    subject: row.subject,
    key: row.key,
    value: JSON.parse(row.value) as JsonValue,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    recordedAt: row.recorded_at,
    source: row.source,
    rule,
  };
}

export { bytesToVector as blobToVector, vectorToBytes as vectorToBlob } from '../../util/vector-bytes.js';
