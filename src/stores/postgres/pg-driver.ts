import pg from 'pg';
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
      const result = params && params.length > 0 ? await client.query(sql, params as unknown[]) : await client.query(sql);
      // A multi-statement text returns one result per statement.
      const last = Array.isArray(result) ? (result[result.length - 1] as pg.QueryResult) : result;
      return { rows: last.rows as R[], rowCount: last.rowCount ?? 0 };
    },
  });
  const direct = on(pool);
  return {
    query: direct.query,
    async transaction<T>(work: (tx: PgQueryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
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
        throw error;
      } finally {
        // A client whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    close: () => pool.end(),
  };
}
