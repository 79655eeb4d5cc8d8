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
