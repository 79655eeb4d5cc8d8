import type { CircuitBreakers } from '../../resilience/breaker.js';
import { breakerPgDriver } from './breaker-driver.js';
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
  /** Queries and transactions go through `breakers.for('postgres')` (pass the same board to createMemory). */
  readonly breakers?: CircuitBreakers | undefined;
  /** Pool connection timeout, ms (default 5 s). */
  readonly connectionTimeoutMs?: number | undefined;
}

/** A PostgresStore over a `pg` pool (the server backend). */
export function createPostgresStore(options: PostgresConnectionOptions): PostgresStore {
  const schema = options.schema ?? 'strata';
  const pool = pgPoolDriver({
    connectionString: options.connectionString,
    schema,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectionTimeoutMs,
  });
  return new PostgresStore({
    driver: options.breakers ? breakerPgDriver(pool, options.breakers.for('postgres')) : pool,
    schema,
    maxTextLength: options.maxTextLength,
    log: options.log,
  });
}
