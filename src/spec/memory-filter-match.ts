import type { MemoryFilter } from './memory-store.js';
import type { MemoryRecord } from './records.js';

/** The columns a MemoryFilter reads. */
export type FilterColumns = Pick<
  MemoryRecord,
  'tenantId' | 'userId' | 'agentId' | 'namespace' | 'sessionId' | 'kind' | 'tags' | 'contentHash' | 'createdAt' | 'supersededBy' | 'validTo'
>;

/**
 * The filter, checked in process (memories fetched by id, cached scope vectors): the same
 * semantics as the stores' SQL and payload filters.
 */
export function matchesFilter(memory: FilterColumns, filter: MemoryFilter, now = Date.now()): boolean {
  if (memory.tenantId !== filter.tenantId) return false;
  if (filter.userId !== undefined && memory.userId !== filter.userId) return false;
  if (filter.agentId !== undefined && (memory.agentId ?? '') !== filter.agentId) return false;
  if (filter.namespace !== undefined && (memory.namespace ?? '') !== filter.namespace) return false;
  if (filter.sessionId !== undefined && memory.sessionId !== filter.sessionId) return false;
  if (filter.kinds?.length && !filter.kinds.includes(memory.kind)) return false;
  if (filter.tags?.some((tag) => !memory.tags.includes(tag))) return false;
  if (filter.contentHash !== undefined && memory.contentHash !== filter.contentHash) return false;
  if (filter.since !== undefined && memory.createdAt < filter.since) return false;
  if (filter.until !== undefined && memory.createdAt >= filter.until) return false;
  if (!filter.includeSuperseded && (memory.supersededBy !== null || (memory.validTo !== null && memory.validTo <= now))) return false;
  return true;
}
