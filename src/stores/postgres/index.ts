export { createPostgresStore, type PostgresConnectionOptions } from './create-postgres-store.js';
export type { PgDriver, PgQueryable, PgResult } from './driver.js';
export { PgArchive } from './pg-archive.js';
export { PgConsolidation } from './pg-consolidation.js';
export { type PgPoolDriverOptions, pgPoolDriver } from './pg-driver.js';
export { appliedPgMigration, latestPgMigration, migratePg } from './pg-migrate.js';
export { PgRetention } from './pg-retention.js';
export { type PgliteDriverOptions, pgliteDriver } from './pglite-driver.js';
export { type PgInternals, PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
