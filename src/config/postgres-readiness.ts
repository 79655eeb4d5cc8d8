import type { TierState } from '../http/readiness.js';
import { appliedPgMigration, latestPgMigration } from '../stores/postgres/pg-migrate.js';
import type { PostgresStore } from '../stores/postgres/postgres-store.js';

/**
 * Readiness of the PostgreSQL store: the server answers `SELECT 1` (reachable, latencyMs), the
 * schema holds every migration this build ships (migrated), and whether pgvector is installed
 * (vectorExtension; without it the store still works, scoring vectors exactly).
 */
export function postgresStoreProbe(store: PostgresStore): () => Promise<TierState> {
  const expected = latestPgMigration();
  return async () => {
    const started = performance.now();
    try {
      await store.pg.query('SELECT 1', []);
      const latencyMs = Math.round((performance.now() - started) * 100) / 100;
      const schemaVersion = await appliedPgMigration(store.pg, store.schema);
      const extension = await store.pg.query(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`, []);
      const migrated = schemaVersion >= expected;
      return {
        status: migrated ? 'ready' : 'not_ready',
        backend: 'postgres',
        reachable: true,
        latencyMs,
        migrated,
        schemaVersion,
        expectedSchemaVersion: expected,
        vectorExtension: extension.rows.length > 0,
        vectorSearch: store.vectorSupport.mode,
        ...(migrated ? {} : { detail: `schema version ${schemaVersion} is behind ${expected}` }),
      };
    } catch (error) {
      return { status: 'not_ready', backend: 'postgres', reachable: false, detail: (error as Error).message };
    }
  };
}
