import Database from 'better-sqlite3';
import type { MemoryService } from '../core/memory-service.js';
import type { TierState } from '../http/readiness.js';
import { storeReachableProbe } from '../http/readiness.js';
import { loadMigrations } from '../stores/sqlite/migrate.js';

/**
 * Readiness of the embedded SQLite store: it answers a query (reachable) and every migration
 * shipped with this build is applied (migrated), read through a separate read-only connection.
 */
export function sqliteStoreProbe(memory: MemoryService, databasePath: string): () => Promise<TierState> {
  const reachable = storeReachableProbe(memory);
  const expected = Math.max(0, ...loadMigrations().map((migration) => migration.version));
  return async () => {
    const state = await reachable();
    let schemaVersion: number | null = null;
    let detail = state.detail;
    try {
      const db = new Database(databasePath, { readonly: true, fileMustExist: true });
      try {
        schemaVersion = (db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as { version: number | null }).version;
      } finally {
        db.close();
      }
    } catch (error) {
      detail ??= `cannot read the schema version: ${(error as Error).message}`;
    }
    const migrated = schemaVersion !== null && schemaVersion >= expected;
    if (migrated === false && detail === undefined) detail = `schema version ${schemaVersion} is behind ${expected}`;
    return {
      ...state,
      status: state.status === 'ready' && migrated ? 'ready' : 'not_ready',
      migrated,
      schemaVersion,
      expectedSchemaVersion: expected,
      ...(detail === undefined ? {} : { detail }),
    };
  };
}
