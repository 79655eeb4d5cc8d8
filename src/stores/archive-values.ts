import type { ArchivedMemory } from '../spec/archive-store.js';
import type { FactRecord, MessageRecord } from '../spec/records.js';
import { vectorToBytes } from '../util/vector-bytes.js';

/**
 * The parameters of a restore's INSERTs, in the column order both backends' archive stores
 * (sqlite-archive.ts, postgres/pg-archive.ts) write them; each keeps its own SQL dialect.
 * JSON columns are JSON text, vectors float32 bytes, an absent agent or namespace ''.
 */

/** messages (tenant_id, id, session_id, seq, role, name, content, metadata, created_at, client_msg_id, token_count) */
export function messageValues(m: MessageRecord): unknown[] {
  return [
    m.tenantId,
    m.id,
    m.sessionId,
    m.seq,
    m.role,
    m.name,
    m.content,
    JSON.stringify(m.metadata),
    m.createdAt,
    m.clientMsgId,
    m.tokenCount,
  ];
}

/**
 * memories (id, tenant_id, user_id, agent_id, namespace, session_id, kind, text, context, tags, importance, source,
 * content_hash, metadata, embedding, embedding_model, created_at, updated_at, valid_from, valid_to, superseded_by)
 */
export function memoryValues(
  m: Omit<ArchivedMemory, 'embedding' | 'embeddingModel'> & {
    readonly embedding?: Float32Array | null;
    readonly embeddingModel?: string | null;
  },
): unknown[] {
  return [
    m.id,
    m.tenantId,
    m.userId,
    m.agentId ?? '',
    m.namespace ?? '',
    m.sessionId,
    m.kind,
    m.text,
    m.context,
    JSON.stringify(m.tags),
    m.importance,
    JSON.stringify(m.source),
    m.contentHash,
    JSON.stringify(m.metadata),
    m.embedding ? vectorToBytes(m.embedding) : null,
    m.embedding ? (m.embeddingModel ?? null) : null,
    m.createdAt,
    m.updatedAt,
    m.validFrom,
    m.validTo,
    m.supersededBy,
  ];
}

/** facts (tenant_id, id, user_id, agent_id, namespace, subject, key, value, valid_from, valid_to, recorded_at, source) */
export function factValues(f: FactRecord): unknown[] {
  return [
    f.tenantId,
    f.id,
    f.userId,
    f.agentId ?? '',
    f.namespace ?? '',
    f.subject,
    f.key,
    JSON.stringify(f.value),
    f.validFrom,
    f.validTo,
    f.recordedAt,
    f.source,
  ];
}
