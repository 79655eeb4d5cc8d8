import pg from 'pg';
import { latestPgMigration } from '../../stores/postgres/pg-migrate.js';
import { quoteIdent } from '../../stores/postgres/sql-ident.js';
import { openSocket } from './tcp-connect.js';
import { elapsedMs, redactUrl, type TierReport } from './tier-report.js';

/**
 * PostgreSQL, through the `pg` driver the backend uses: the server accepts a session, Strata's
 * schema (STRATA_PG_SCHEMA, default `strata`) has every migration this build ships applied,
 * and whether pgvector is installed (HNSW search) or not (the store scores vectors exactly:
 * reported, not a failure), with the round trip of `SELECT 1`.
 */
export async function checkPostgres(url: string | undefined, timeoutMs = 3_000, schema = 'strata'): Promise<TierReport> {
  const base = { tier: 'store', backend: 'postgres', target: url ? redactUrl(url) : '(DATABASE_URL is not set)' } as const;
  const down = (detail: string, reachable = false): TierReport => ({
    ...base,
    ok: false,
    reachable,
    migrated: null,
    extension: null,
    latencyMs: null,
    detail,
  });
  if (!url) return down('STRATA_STORE=postgres needs DATABASE_URL');
  try {
    // TCP first: a clear "nothing listens" before the driver's own errors.
    const parsed = new URL(url);
    const socket = await openSocket(parsed.hostname || '127.0.0.1', Number(parsed.port || 5432), { timeoutMs });
    socket.destroy();
  } catch (error) {
    return down((error as Error).message);
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    // Refused authentication, an unknown database: the server answers, Strata cannot use it.
    await client.end().catch(() => undefined);
    return down((error as Error).message, true);
  }
  try {
    const started = performance.now();
    await client.query('SELECT 1');
    const latencyMs = elapsedMs(started);
    const version = String((await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '');
    const { rows: vector } = await client.query<{ installed: string | null; available: string | null }>(
      `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS installed,
              (SELECT default_version FROM pg_available_extensions WHERE name = 'vector') AS available`,
    );
    const installed = vector[0]?.installed ?? null;
    const available = vector[0]?.available ?? null;
    const hasTable =
      (
        await client.query<{ ok: boolean }>(
          'SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2) AS ok',
          [schema, 'schema_migrations'],
        )
      ).rows[0]?.ok === true;
    const applied = hasTable
      ? Number(
          (await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${quoteIdent(schema)}.schema_migrations`)).rows[0]?.v ??
            0,
        )
      : 0;
    const expected = latestPgMigration();
    const migrated = applied >= expected;
    const notes = [
      migrated
        ? `schema ${schema} at migration ${applied} of ${expected}${applied > expected ? ' (newer than this build)' : ''}`
        : `schema ${schema} is at migration ${applied} of ${expected}: start Strata once (strata serve) to migrate`,
      installed
        ? `pgvector ${installed}: HNSW vector search`
        : available
          ? `pgvector ${available} is available but not installed: Strata creates it on open (needs the right to CREATE EXTENSION), else scores vectors exactly`
          : 'pgvector is not available on this server: vector search scores each scope exactly (fine for small scopes)',
    ];
    return {
      ...base,
      ok: migrated,
      reachable: true,
      migrated,
      extension: { name: 'vector', present: installed !== null, ...(installed ? { version: installed } : {}) },
      latencyMs,
      version,
      detail: notes.join('; '),
    };
  } catch (error) {
    return down((error as Error).message, true);
  } finally {
    await client.end().catch(() => undefined);
  }
}
