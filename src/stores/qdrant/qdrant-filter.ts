import type { Schemas } from '@qdrant/js-client-rest';
import type { MemoryFilter } from '../../spec/memory-store.js';
import type { VectorPayload } from '../../spec/vector-index.js';
import { uuidV5 } from '../../util/uuid-v5.js';

/** Payload keys as stored in Qdrant (snake_case, one per MemoryFilter field). */
export const PAYLOAD = {
  memoryId: 'memory_id',
  tenant: 'tenant',
  user: 'user',
  agent: 'agent',
  namespace: 'namespace',
  session: 'session',
  kind: 'kind',
  tags: 'tags',
  contentHash: 'content_hash',
  createdAt: 'created_at',
  validTo: 'valid_to',
  superseded: 'superseded',
} as const;

/**
 * The payload indexes every collection gets: keyword fields, then integer and bool ones. The
 * tenant index is marked `is_tenant` (Qdrant 1.11+), so Qdrant keeps each tenant's vectors together.
 */
export const PAYLOAD_INDEXES: ReadonlyArray<{ field: string; schema: Schemas['PayloadFieldSchema'] }> = [
  { field: PAYLOAD.tenant, schema: { type: 'keyword', is_tenant: true } },
  { field: PAYLOAD.user, schema: 'keyword' },
  { field: PAYLOAD.agent, schema: 'keyword' },
  { field: PAYLOAD.namespace, schema: 'keyword' },
  { field: PAYLOAD.session, schema: 'keyword' },
  { field: PAYLOAD.kind, schema: 'keyword' },
  { field: PAYLOAD.tags, schema: 'keyword' },
  { field: PAYLOAD.contentHash, schema: 'keyword' },
  { field: PAYLOAD.createdAt, schema: 'integer' },
  { field: PAYLOAD.validTo, schema: 'integer' },
  { field: PAYLOAD.superseded, schema: 'bool' },
];

/** Fixed namespace of Strata's point ids (a random v4 UUID chosen once; never change it). */
const POINT_NAMESPACE = '7b1f3c2e-5a0d-4e8b-9c61-2f4d8a6e0b13';

/**
 * Qdrant point ids are UUIDs or unsigned integers, and memory ids are neither: the point id is
 * the UUID v5 of (tenant, memory id), deterministic so that an upsert replaces and a delete
 * finds the point without a lookup. The memory id itself travels in the payload.
 */
export function pointId(tenantId: string, memoryId: string): string {
  return uuidV5(`${tenantId}\u0000${memoryId}`, POINT_NAMESPACE);
}

export function toQdrantPayload(id: string, payload: VectorPayload): Record<string, unknown> {
  return {
    [PAYLOAD.memoryId]: id,
    [PAYLOAD.tenant]: payload.tenantId,
    [PAYLOAD.user]: payload.userId,
    [PAYLOAD.agent]: payload.agentId,
    [PAYLOAD.namespace]: payload.namespace,
    [PAYLOAD.session]: payload.sessionId,
    [PAYLOAD.kind]: payload.kind,
    [PAYLOAD.tags]: [...payload.tags],
    [PAYLOAD.contentHash]: payload.contentHash,
    [PAYLOAD.createdAt]: payload.createdAt,
    [PAYLOAD.validTo]: payload.validTo,
    [PAYLOAD.superseded]: payload.superseded,
  };
}

const match = (key: string, value: string | number | boolean): Schemas['FieldCondition'] => ({ key, match: { value } });

/**
 * A MemoryFilter as a Qdrant filter, with the store's semantics (memory-filter-sql.ts): every
 * given field must match, kinds any-of, every tag present, since <= created_at < until, and,
 * unless includeSuperseded, not superseded and (no valid_to or valid_to > now).
 */
export function toQdrantFilter(filter: MemoryFilter, now: number): Schemas['Filter'] {
  const must: Schemas['Condition'][] = [match(PAYLOAD.tenant, filter.tenantId)];
  if (filter.userId !== undefined) must.push(match(PAYLOAD.user, filter.userId));
  if (filter.agentId !== undefined) must.push(match(PAYLOAD.agent, filter.agentId));
  if (filter.namespace !== undefined) must.push(match(PAYLOAD.namespace, filter.namespace));
  if (filter.sessionId !== undefined) must.push(match(PAYLOAD.session, filter.sessionId));
  if (filter.kinds !== undefined && filter.kinds.length > 0) must.push({ key: PAYLOAD.kind, match: { any: [...filter.kinds] } });
  for (const tag of filter.tags ?? []) must.push(match(PAYLOAD.tags, tag));
  if (filter.contentHash !== undefined) must.push(match(PAYLOAD.contentHash, filter.contentHash));
  if (filter.since !== undefined || filter.until !== undefined) {
    must.push({
      key: PAYLOAD.createdAt,
      range: { ...(filter.since === undefined ? {} : { gte: filter.since }), ...(filter.until === undefined ? {} : { lt: filter.until }) },
    });
  }
  const must_not: Schemas['Condition'][] = [];
  if (!filter.includeSuperseded) {
    must_not.push(match(PAYLOAD.superseded, true));
    must.push({ should: [{ is_empty: { key: PAYLOAD.validTo } }, { key: PAYLOAD.validTo, range: { gt: now } }] });
  }
  return must_not.length > 0 ? { must, must_not } : { must };
}
