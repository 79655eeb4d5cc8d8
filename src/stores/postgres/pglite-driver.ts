import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { PgDriver, PgQueryable, PgResult } from './driver.js';
import { quoteIdent } from './sql-ident.js';

type PgliteLike = Pick<PGlite, 'query' | 'exec'> | Transaction;

export interface PgliteDriverOptions {
  readonly schema: string;
  /** Close the PGlite instance with the store. Default false: the caller owns it. */
  readonly owned?: boolean | undefined;
}

/**
 * The PGlite driver: Postgres compiled to WASM, in-process, one connection. PGlite serialises
 * its queries and transactions itself; the search path is set once at open.
 */
export async function pgliteDriver(db: PGlite, options: PgliteDriverOptions): Promise<PgDriver> {
  await db.waitReady;
  await db.exec(`SET search_path TO ${quoteIdent(options.schema)}, public`);
  const on = (target: PgliteLike): PgQueryable => ({
    async query<R>(sql: string, params?: readonly unknown[]): Promise<PgResult<R>> {
      if (!params || params.length === 0) {
        const results = await target.exec(sql);
        const last = results[results.length - 1];
        return { rows: (last?.rows ?? []) as R[], rowCount: last?.affectedRows ?? 0 };
      }
      const result = await target.query<R>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
    },
  });
  const direct = on(db);
  return {
    query: direct.query,
    transaction: <T>(work: (tx: PgQueryable) => Promise<T>): Promise<T> => db.transaction((tx) => work(on(tx))),
    close: async () => {
      if (options.owned) await db.close();
    },
  };
}
