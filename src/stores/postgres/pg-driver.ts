import pg from 'pg';
import { StrataError } from '../../errors/strata-error.js';
import type { PgDriver, PgQueryable, PgResult } from './driver.js';
import { quoteIdent } from './sql-ident.js';

export interface PgPoolDriverOptions {
  readonly connectionString: string;
  /** Search path schema: every connection of the pool works in it (then `public`, for extensions). */
  readonly schema: string;
  /** Pool size (STRATA_PG_POOL_MAX). Default 10. */
  readonly max?: number | undefined;
  readonly connectionTimeoutMillis?: number | undefined;
}

/** The `pg` driver: a connection pool; each transaction holds one client until it ends. */
export function pgPoolDriver(options: PgPoolDriverOptions): PgDriver {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    // The search path is a startup parameter: no extra round trip per connection.
    options: `-c search_path=${quoteIdent(options.schema)},public`,
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const on = (client: pg.Pool | pg.PoolClient): PgQueryable => ({
    async query<R>(sql: string, params?: readonly unknown[]): Promise<PgResult<R>> {
      const result = await (params && params.length > 0 ? client.query(sql, params as unknown[]) : client.query(sql)).catch(
        (error: unknown) => {
          throw unavailable(error);
        },
      );
      // A multi-statement text returns one result per statement.
      const last = Array.isArray(result) ? (result[result.length - 1] as pg.QueryResult) : result;
      return { rows: last.rows as R[], rowCount: last.rowCount ?? 0 };
    },
  });
  const direct = on(pool);
  return {
    query: direct.query,
    async transaction<T>(work: (tx: PgQueryable) => Promise<T>): Promise<T> {
      const client = await pool.connect().catch((error: unknown) => {
        throw unavailable(error);
      });
      let broken: unknown;
      try {
        await client.query('BEGIN');
        const value = await work(on(client));
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError;
        });
        throw unavailable(error);
      } finally {
        // A client whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    close: () => pool.end(),
  };
}

/** SQLSTATE classes and socket errors that mean the server (not the statement) failed. */
const UNAVAILABLE_STATES = /^(08|53|57P0[123])/;
const UNAVAILABLE_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE']);

/**
 * A lost or refused connection becomes STORE_UNAVAILABLE (503: the resilience layer degrades);
 * errors of the statement itself pass through unchanged.
 */
function unavailable(error: unknown): unknown {
  if (error instanceof StrataError) return error;
  const code = typeof (error as { code?: unknown })?.code === 'string' ? ((error as { code: string }).code as string) : '';
  const message = error instanceof Error ? error.message : String(error);
  const lost = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(message);
  if (!UNAVAILABLE_STATES.test(code) && !UNAVAILABLE_SOCKET.has(code) && !lost) return error;
  return new StrataError('STORE_UNAVAILABLE', `PostgreSQL is unavailable: ${message}`, { cause: error, details: { code } });
}
