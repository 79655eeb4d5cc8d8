import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { loadMigrations } from '../../stores/sqlite/migrate.js';
import { elapsedMs, type TierReport } from './tier-report.js';

/** The embedded store: the file opens read-only, every shipped migration is applied, FTS5 is compiled in. */
export function checkSqlite(path: string): TierReport {
  const base = { tier: 'store', backend: 'sqlite', target: path } as const;
  if (!existsSync(path)) {
    return {
      ...base,
      ok: false,
      reachable: false,
      migrated: false,
      extension: null,
      latencyMs: null,
      detail: 'no database file yet: it is created and migrated on first use (e.g. `strata serve`)',
    };
  }
  const expected = Math.max(0, ...loadMigrations().map((migration) => migration.version));
  let db: Database.Database | null = null;
  try {
    const started = performance.now();
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.prepare('SELECT 1').get();
    const latencyMs = elapsedMs(started);
    const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get() !== undefined;
    const schema = hasTable ? (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v : null;
    const fts5 = db.prepare(`SELECT 1 FROM pragma_compile_options WHERE compile_options = 'ENABLE_FTS5'`).get() !== undefined;
    const migrated = schema !== null && schema >= expected;
    return {
      ...base,
      ok: migrated && fts5,
      reachable: true,
      migrated,
      extension: { name: 'fts5', present: fts5 },
      latencyMs,
      version,
      detail: migrated
        ? `schema ${schema} of ${expected}`
        : `schema ${schema ?? 'none'} is behind ${expected}: open it once with this build to migrate`,
    };
  } catch (error) {
    return { ...base, ok: false, reachable: false, migrated: null, extension: null, latencyMs: null, detail: (error as Error).message };
  } finally {
    db?.close();
  }
}
