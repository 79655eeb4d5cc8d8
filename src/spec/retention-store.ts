import type { MessageRecord } from './records.js';

/**
 * What retention needs beside MemoryStoreV1 (which deletes memories but not messages): the
 * users of a tenant, the turns old enough to go, and deleting messages with their turn
 * memories. Only turns already consolidated (at or below their session's checkpoint) are
 * offered, so that pruning never loses what no summary or note has taken in yet.
 */
export interface RetentionStoreV1 {
  readonly specificationVersion: 'v1';

  listUsers(tenantId: string): Promise<string[]>;
  /** Messages created before `before` whose seq is at or below their session's consolidation checkpoint, oldest first. */
  listPrunableMessages(tenantId: string, before: number, limit: number): Promise<MessageRecord[]>;
  /** Counts what listPrunableMessages would return, and the old messages held back because they are not consolidated yet. */
  countPrunableMessages(tenantId: string, before: number): Promise<{ prunable: number; unconsolidated: number }>;
  /** Deletes the messages and their `turn` memories in one transaction (and from every index). */
  deleteMessages(tenantId: string, ids: readonly string[]): Promise<{ messages: number; memories: number }>;
}
