import type { BackupStores } from '../archive/backup.js';
import type { MemoryService } from '../core/memory-service.js';
import { StrataError } from '../errors/strata-error.js';
import { durableStoreOf, type ExternalWrite } from '../spec/external-writes.js';
import type { MemoryStoreV1 } from '../spec/memory-store.js';
import type { RetentionStoreV1 } from '../spec/retention-store.js';
// Types only (erased): the backends' code is imported below when it is the one in use.
import type { PostgresStore } from '../stores/postgres/postgres-store.js';
import type { SqliteStore } from '../stores/sqlite/sqlite-store.js';

/**
 * Which backend the service's store is. Duck-typed first (`internals` is SqliteStore's,
 * `pgInternals` PostgresStore's; both reach through the metrics decorator, a Proxy), then
 * checked by class, so that each backend's code loads only when it is the one in use.
 */
async function backendOf(store: MemoryStoreV1): Promise<'sqlite' | 'postgres' | null> {
  if ('internals' in store) {
    const { SqliteStore } = await import('../stores/sqlite/sqlite-store.js');
    if (store instanceof SqliteStore) return 'sqlite';
  }
  if ('pgInternals' in store) {
    const { PostgresStore } = await import('../stores/postgres/postgres-store.js');
    if (store instanceof PostgresStore) return 'postgres';
  }
  return null;
}

/**
 * The archive and consolidation contracts of the service's durable store (SQLite and PostgreSQL
 * implement both), under any decorator; `store` stays the decorated one, so that the index
 * rebuild after a restore reaches a Qdrant mirror too.
 */
export async function archiveStoresOf(memory: MemoryService): Promise<BackupStores> {
  const store = memory.store;
  const durable = durableStoreOf(store);
  const afterWrite = (write: ExternalWrite) => memory.afterExternalWrite(write);
  switch (await backendOf(durable)) {
    case 'sqlite': {
      const sqlite = durable as SqliteStore;
      const { SqliteArchive } = await import('../stores/sqlite/sqlite-archive.js');
      const { SqliteConsolidation } = await import('../stores/sqlite/sqlite-consolidation.js');
      return { store, archive: new SqliteArchive(sqlite), consolidation: new SqliteConsolidation(sqlite), afterWrite };
    }
    case 'postgres': {
      const postgres = durable as PostgresStore;
      const { PgArchive } = await import('../stores/postgres/pg-archive.js');
      const { PgConsolidation } = await import('../stores/postgres/pg-consolidation.js');
      return { store, archive: new PgArchive(postgres), consolidation: new PgConsolidation(postgres), afterWrite };
    }
    default:
      throw new StrataError(
        'INVALID_CONFIG',
        'backup and restore need a store that implements ArchiveStoreV1 (the SQLite default and PostgreSQL do)',
      );
  }
}

/** The retention contract of the service's durable store, under any decorator (SQLite and PostgreSQL implement it). */
export async function retentionStoreOf(memory: MemoryService): Promise<RetentionStoreV1> {
  const store = durableStoreOf(memory.store);
  switch (await backendOf(store)) {
    case 'sqlite': {
      const { SqliteRetention } = await import('../stores/sqlite/sqlite-retention.js');
      return new SqliteRetention(store as SqliteStore);
    }
    case 'postgres': {
      const { PgRetention } = await import('../stores/postgres/pg-retention.js');
      return new PgRetention(store as PostgresStore);
    }
    default:
      throw new StrataError(
        'INVALID_CONFIG',
        'prune needs a store that implements RetentionStoreV1 (the SQLite default and PostgreSQL do)',
      );
  }
}
