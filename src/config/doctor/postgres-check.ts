import { openSocket } from './tcp-connect.js';
import { elapsedMs, redactUrl, type TierReport } from './tier-report.js';

/** The `pg` driver, loaded only when the doctor checks PostgreSQL (the Postgres backend ships it). */
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
}
type PgModule = { Client: new (config: { connectionString: string; connectionTimeoutMillis: number }) => PgClient };

/** A variable, so that the type checker and bundlers do not require `pg` to be installed. */
const PG_DRIVER = 'pg';

/**
 * PostgreSQL: the server accepts a connection (TCP, then a session through `pg`), the pgvector
 * extension is installed in the database, and the Strata schema is migrated (a `schema_migrations`
 * table with at least one applied version). Without the `pg` driver only TCP is checked.
 */
export async function checkPostgres(url: string | undefined, timeoutMs = 3_000): Promise<TierReport> {
  const base = { tier: 'store', backend: 'postgres', target: url ? redactUrl(url) : '(DATABASE_URL is not set)' } as const;
  if (!url) {
    return {
      ...base,
      ok: false,
      reachable: false,
      migrated: null,
      extension: null,
      latencyMs: null,
      detail: 'STRATA_STORE=postgres needs DATABASE_URL',
    };
  }
  let tcpLatency: number;
  try {
    const parsed = new URL(url);
    const started = performance.now();
    const socket = await openSocket(parsed.hostname || '127.0.0.1', Number(parsed.port || 5432), { timeoutMs });
    tcpLatency = elapsedMs(started);
    socket.destroy();
  } catch (error) {
    return { ...base, ok: false, reachable: false, migrated: null, extension: null, latencyMs: null, detail: (error as Error).message };
  }
  let pg: PgModule;
  try {
    const loaded = (await import(PG_DRIVER)) as PgModule & { default?: PgModule };
    pg = loaded.default ?? loaded;
  } catch {
    return {
      ...base,
      ok: true,
      reachable: true,
      migrated: null,
      extension: null,
      latencyMs: tcpLatency,
      detail: 'the pg driver is not installed: only TCP reachability was checked',
    };
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    const started = performance.now();
    await client.query('SELECT 1');
    const latencyMs = elapsedMs(started);
    const version = String((await client.query('SHOW server_version')).rows[0]?.server_version ?? '');
    const vector = (await client.query(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`)).rows[0];
    const table = (await client.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`)).rows[0]?.present === true;
    const schema = table ? (await client.query('SELECT max(version) AS v FROM schema_migrations')).rows[0]?.v : null;
    const migrated = schema !== null && schema !== undefined;
    const extension = { name: 'vector', present: vector !== undefined, ...(vector ? { version: String(vector.extversion) } : {}) };
    const problems = [
      ...(migrated ? [] : ['not migrated (no schema_migrations table with an applied version): start Strata once to migrate']),
      ...(extension.present ? [] : ['the pgvector extension is not installed in this database (CREATE EXTENSION vector)']),
    ];
    return {
      ...base,
      ok: migrated && extension.present,
      reachable: true,
      migrated,
      extension,
      latencyMs,
      version,
      ...(problems.length > 0 ? { detail: problems.join('; ') } : { detail: `schema ${String(schema)}` }),
    };
  } catch (error) {
    return { ...base, ok: false, reachable: false, migrated: null, extension: null, latencyMs: null, detail: (error as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
}
