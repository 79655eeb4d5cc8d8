import type { ConsolidationCheckpoint } from './consolidation-store.js';
import type { FactRecord, FactRule, MemoryRecord, MessageRecord, Scope, SessionRecord } from './records.js';

/**
 * What backup and restore need beside MemoryStoreV1's reads: the tenants, every fact version
 * and rule of a tenant (MemoryStoreV1 reads facts by user and rules by key), an emptiness
 * check, and exact writes (ids, seqs, validFrom/validTo, summaries as they were), which the
 * memory operations cannot express. Restore verifies the archive before it calls importRecords.
 */
export interface ArchiveStoreV1 {
  readonly specificationVersion: 'v1';

  /** Every tenant that holds a record. */
  listTenants(): Promise<string[]>;
  /** Every fact version of the tenant, closed ones included, ordered by id; `rule` is always null here. */
  listAllFacts(tenantId: string, page: { readonly limit: number; readonly after?: string | undefined }): Promise<FactRecord[]>;
  listFactRules(tenantId: string): Promise<ArchivedFactRule[]>;
  /** True when the store holds no session, message, memory, fact or rule of any tenant. */
  isEmpty(): Promise<boolean>;
  /**
   * Writes the records exactly as given, in one transaction: all or nothing. A record whose
   * id exists raises ARCHIVE_CONFLICT. Derived indexes are rebuilt by the caller.
   */
  importRecords(records: ArchiveRecords): Promise<void>;
}

export interface ArchivedFactRule extends Scope {
  readonly subject: string;
  readonly key: string;
  readonly rule: FactRule;
}

export interface ArchivedMemory extends MemoryRecord {
  readonly embedding: Float32Array | null;
}

export interface ArchiveRecords {
  readonly sessions: readonly SessionRecord[];
  readonly messages: readonly MessageRecord[];
  readonly memories: readonly ArchivedMemory[];
  readonly facts: readonly FactRecord[];
  readonly factRules: readonly ArchivedFactRule[];
  readonly checkpoints: readonly ConsolidationCheckpoint[];
}
