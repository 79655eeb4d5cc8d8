import { pgPoolDriver } from './pg-driver.js';
import { PostgresStore } from './postgres-store.js';

export interface PostgresConnectionOptions {
  /** postgres://user@host:port/database (DATABASE_URL). */
  readonly connectionString: string;
  /** Default `strata`. */
  readonly schema?: string | undefined;
  /** Pool size (STRATA_PG_POOL_MAX). Default 10. */
  readonly poolMax?: number | undefined;
  readonly maxTextLength?: number | undefined;
  readonly log?: ((message: string) => void) | undefined;
}

/** A PostgresStore over a `pg` pool (the server backend). */
export function createPostgresStore(options: PostgresConnectionOptions): PostgresStore {
  const schema = options.schema ?? 'strata';
  return new PostgresStore({
    driver: pgPoolDriver({ connectionString: options.connectionString, schema, max: options.poolMax }),
    schema,
    maxTextLength: options.maxTextLength,
    log: options.log,
  });
}
