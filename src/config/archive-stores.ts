import type { BackupStores } from '../archive/backup.js';
import type { MemoryService } from '../core/memory-service.js';
import { StrataError } from '../errors/strata-error.js';
import type { RetentionStoreV1 } from '../spec/retention-store.js';

/** The archive and consolidation contracts of the service's store (the SQLite default implements both). */
export async function archiveStoresOf(memory: MemoryService): Promise<BackupStores> {
  const store = memory.store;
  const { SqliteStore } = await import('../stores/sqlite/sqlite-store.js');
  if (!(store instanceof SqliteStore)) {
    throw new StrataError('INVALID_CONFIG', 'backup and restore need a store that implements ArchiveStoreV1 (the SQLite default does)');
  }
  const { SqliteArchive } = await import('../stores/sqlite/sqlite-archive.js');
  const { SqliteConsolidation } = await import('../stores/sqlite/sqlite-consolidation.js');
  return { store, archive: new SqliteArchive(store), consolidation: new SqliteConsolidation(store) };
}

/** The retention contract of the service's store (the SQLite default implements it). */
export async function retentionStoreOf(memory: MemoryService): Promise<RetentionStoreV1> {
  const { SqliteStore } = await import('../stores/sqlite/sqlite-store.js');
  if (!(memory.store instanceof SqliteStore)) {
    throw new StrataError('INVALID_CONFIG', 'prune needs a store that implements RetentionStoreV1 (the SQLite default does)');
  }
  const { SqliteRetention } = await import('../stores/sqlite/sqlite-retention.js');
  return new SqliteRetention(memory.store);
}
