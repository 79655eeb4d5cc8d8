/**
 * The two methods the PostgreSQL backend needs from a driver. The store is written once
 * against this; `pg` (a pool) and PGlite (in-process WASM) are thin drivers under it.
 */
export interface PgQueryable {
  /**
   * Runs one statement with `$n` parameters. Without parameters the text may hold several
   * statements (migrations); rows are then those of the last one.
   */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<PgResult<R>>;
}

export interface PgResult<R> {
  readonly rows: R[];
  /** Rows written by an INSERT/UPDATE/DELETE (0 for a SELECT on drivers that do not count them). */
  readonly rowCount: number;
}

export interface PgDriver extends PgQueryable {
  /** Runs `work` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(work: (tx: PgQueryable) => Promise<T>): Promise<T>;
  /** Releases the connections (the pool, or the PGlite instance when the driver owns it). */
  close(): Promise<void>;
}
