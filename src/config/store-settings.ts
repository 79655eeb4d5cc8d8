import { StrataError } from '../errors/strata-error.js';
import type { CircuitBreakers } from '../resilience/breaker.js';
import type { PostgresStore } from '../stores/postgres/postgres-store.js';
import { loadSettings, SettingsError } from './load-settings.js';
import type { ServerSettings } from './settings.js';

/** The variables that choose the durable store (read by `strata serve` and by the other commands alike). */
const STORE_ENV = ['STRATA_STORE', 'DATABASE_URL', 'STRATA_PG_POOL_MAX', 'STRATA_PG_SCHEMA'] as const;

export type StoreSettings = Pick<ServerSettings, 'store' | 'databaseUrl' | 'pgPoolMax' | 'pgSchema'>;

/**
 * The store settings of the environment (STRATA_STORE, DATABASE_URL, STRATA_PG_POOL_MAX,
 * STRATA_PG_SCHEMA), parsed and checked by loadSettings exactly as for `strata serve`; the
 * server's other variables are not read, so a command is not refused over them. Bad values are
 * INVALID_CONFIG, listing every problem.
 */
export function storeSettingsFromEnv(env: NodeJS.ProcessEnv): StoreSettings {
  const picked = Object.fromEntries(STORE_ENV.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]]])));
  try {
    const { store, databaseUrl, pgPoolMax, pgSchema } = loadSettings({ env: picked });
    return { store, databaseUrl, pgPoolMax, pgSchema };
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    throw new StrataError('INVALID_CONFIG', error.message, { details: { problems: [...error.problems] } });
  }
}

/**
 * The PostgreSQL store the settings name (a `pg` pool in pgSchema), or undefined for the
 * embedded SQLite default. The postgres code and driver load only in the first case.
 */
export async function postgresStoreFor(
  settings: StoreSettings,
  log?: ((message: string) => void) | undefined,
  /** Circuit breakers around the driver (strata serve passes its board). */
  breakers?: CircuitBreakers | undefined,
): Promise<PostgresStore | undefined> {
  if (settings.store !== 'postgres' || settings.databaseUrl === undefined) return undefined;
  const { createPostgresStore } = await import('../stores/postgres/create-postgres-store.js');
  return createPostgresStore({
    connectionString: settings.databaseUrl,
    schema: settings.pgSchema,
    poolMax: settings.pgPoolMax,
    log,
    breakers,
  });
}
