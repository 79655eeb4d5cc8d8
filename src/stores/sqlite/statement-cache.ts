import type Database from 'better-sqlite3';

/**
 * Prepared statements by SQL text, prepared once per connection. Preparing costs tens of
 * microseconds, as much as running a small query. Statements are kept in their default
 * (object row) mode; raw-mode statements are cached apart because `.raw()` mutates the
 * statement. Dynamic filter SQL has a bounded number of shapes; the cache is capped anyway.
 */
export class StatementCache {
  private readonly rows = new Map<string, Database.Statement>();
  private readonly raws = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly limit = 500,
  ) {}

  /** A statement returning rows as objects. */
  get(sql: string): Database.Statement {
    return this.cached(this.rows, sql, false);
  }

  /** A statement returning rows as arrays (`.raw()`). */
  raw(sql: string): Database.Statement {
    return this.cached(this.raws, sql, true);
  }

  private cached(cache: Map<string, Database.Statement>, sql: string, raw: boolean): Database.Statement {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (raw) statement.raw(true);
      if (cache.size >= this.limit) cache.clear();
      cache.set(sql, statement);
    }
    return statement;
  }
}
