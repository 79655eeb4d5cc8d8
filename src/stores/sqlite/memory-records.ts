import { LRUCache } from 'lru-cache';
import type { MemoryRecord } from '../../spec/records.js';

export const DEFAULT_RECORD_CACHE_BYTES = 4_000_000;

/**
 * Memory records read recently, in this process, by tenant and id: a search hydrates its
 * hundred-odd candidates, and reading and decoding those rows was a fifth of a search's CPU.
 * Exact, not a time-to-live cache: the store drops an entry when this process writes that
 * memory, and everything when another connection commits (`PRAGMA data_version`), an erase
 * runs, or a sibling module (consolidation, retention, restore) commits through the store.
 * Keyed by id alone, each hit checked against the tenant asked: ids are unique within a tenant
 * and, made by Strata, everywhere (a key made of tenant and id was a new string to hash on every
 * lookup: a search makes several hundred). Records are shared read-only objects. Bounded by an
 * estimate of the bytes held (default 4 MB: about 2,500 turns; at 100k memories of one user a bigger one bought no CPU and cost resident
 * memory, 16 MB +21 MiB peak RSS). Many users' searches need more: on the HTTP bench (50 users,
 * 60-170 memories each) 16 MB took a mixed request from 2.2/1.7 to 1.7/1.4 ms of server CPU.
 */
export class MemoryRecordCache {
  /** The same entries by rowid: keyword and ANN candidates come as rowids. */
  private readonly byRowid = new Map<number, CachedRecord>();
  private readonly records: LRUCache<string, CachedRecord>;

  constructor(maxBytes = DEFAULT_RECORD_CACHE_BYTES) {
    this.records = new LRUCache<string, CachedRecord>({
      // Bytes a record holds on the V8 heap, roughly: its strings (two bytes a character at worst)
      // and about a kilobyte of objects (metadata, tags, source, the record itself).
      maxSize: maxBytes,
      sizeCalculation: ({ record: m }) => 2 * (m.text.length + (m.context?.length ?? 0)) + 1_000 + 64 * m.source.length,
      // Evicted, deleted, replaced or cleared: out of the rowid map too (unless a newer entry took the rowid).
      dispose: (cached) => {
        if (this.byRowid.get(cached.rowid) === cached) this.byRowid.delete(cached.rowid);
      },
    });
  }

  /** The cached records of these ids with their rowids (in the order asked), and the ids not cached. */
  locate(tenantId: string, ids: readonly string[]): { found: CachedRecord[]; missing: string[] } {
    const found: CachedRecord[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const cached = this.records.get(id);
      if (cached !== undefined && cached.record.tenantId === tenantId) found.push(cached);
      else missing.push(id);
    }
    return { found, missing };
  }

  /** The cached record of a rowid, if any (touching its recency). */
  atRowid(rowid: number): CachedRecord | undefined {
    const cached = this.byRowid.get(rowid);
    return cached && this.records.get(cached.record.id) === cached ? cached : undefined;
  }

  /** Whether a record is cached (without touching its recency). */
  has(tenantId: string, id: string): boolean {
    return this.records.peek(id)?.record.tenantId === tenantId;
  }

  remember(records: readonly CachedRecord[]): void {
    for (const cached of records) {
      this.records.set(cached.record.id, cached);
      // An entry alone over the budget is not kept.
      if (this.records.peek(cached.record.id) === cached) this.byRowid.set(cached.rowid, cached);
    }
  }

  forget(tenantId: string, ids: readonly string[]): void {
    for (const id of ids) if (this.records.peek(id)?.record.tenantId === tenantId) this.records.delete(id);
  }

  /** Forgets the records of these rowids; returns the cached ones, the other rowids under `missing`. */
  forgetRowids(rowids: readonly number[]): { forgotten: CachedRecord[]; missing: number[] } {
    const forgotten: CachedRecord[] = [];
    const missing: number[] = [];
    for (const rowid of rowids) {
      const cached = this.byRowid.get(rowid);
      if (cached === undefined) {
        missing.push(rowid);
        continue;
      }
      forgotten.push(cached);
      if (this.records.peek(cached.record.id) === cached) this.records.delete(cached.record.id);
      this.byRowid.delete(rowid);
    }
    return { forgotten, missing };
  }

  clear(): void {
    this.records.clear();
    this.byRowid.clear();
  }
}

export interface CachedRecord {
  readonly record: MemoryRecord;
  readonly rowid: number;
}
