import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PgDriver } from './driver.js';
import { quoteIdent } from './sql-ident.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const STATEMENTS_DIR = fileURLToPath(new URL('./statements/', import.meta.url));

export interface PgMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Numbered `NNNN_name.sql` files, in order. */
export function loadPgMigrations(dir: string = MIGRATIONS_DIR): PgMigration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 4)), name: file.slice(5, -4), sql: readFileSync(`${dir}/${file}`, 'utf8') }));
}

const statements = new Map<string, string>();

/** A named statement from statements/<name>.sql (read once). */
export function statement(name: string): string {
  let sql = statements.get(name);
  if (sql === undefined) {
    sql = readFileSync(`${STATEMENTS_DIR}/${name}.sql`, 'utf8');
    statements.set(name, sql);
  }
  return sql;
}

/** The newest migration this build ships (readiness compares it with the database's). */
export function latestPgMigration(): number {
  return loadPgMigrations().reduce((max, migration) => Math.max(max, migration.version), 0);
}

/**
 * Creates the schema and applies pending migrations in ONE transaction holding
 * pg_advisory_xact_lock for this schema: two processes opening at once apply each migration
 * once, the second waits and finds nothing left to do. DDL is transactional in PostgreSQL,
 * so a failing migration leaves nothing half-applied. Returns the versions it applied.
 */
export async function migratePg(driver: PgDriver, schema: string, migrations = loadPgMigrations()): Promise<number[]> {
  const table = `${quoteIdent(schema)}.schema_migrations`;
  return driver.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`strata-migrate:${schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${table} (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`);
    const done = new Set((await tx.query<{ version: number }>(`SELECT version FROM ${table}`)).rows.map((row) => Number(row.version)));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await tx.query(migration.sql);
      await tx.query(`INSERT INTO ${table} (version, name, applied_at) VALUES ($1, $2, $3)`, [
        migration.version,
        migration.name,
        Date.now(),
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}

/** Highest applied migration in the schema, or 0 when none (or no such schema). */
export async function appliedPgMigration(driver: PgDriver, schema: string): Promise<number> {
  const exists = await driver.query<{ ok: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2) AS ok',
    [schema, 'schema_migrations'],
  );
  if (!exists.rows[0]?.ok) return 0;
  const row = await driver.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${quoteIdent(schema)}.schema_migrations`);
  return Number(row.rows[0]?.v ?? 0);
}
