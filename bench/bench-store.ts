/**
 * The store a bench phase runs on: the embedded SQLite file (default), PostgreSQL through the
 * `pg` pool (`--store postgres`, DATABASE_URL or the local test server), or PGlite with pgvector
 * in a data directory (`--store pglite`: the HNSW path, in-process WASM), or the SQLite file with
 * the Redis tier in front (`--store sqlite-redis`: REDIS_URL or the local server, a key prefix of
 * the run's own, deleted at the end).
 */
import { createMemory } from '../src/config/create-memory.js';
import type { MemoryService } from '../src/core/memory-service.js';
import type { MemoryStoreV1 } from '../src/spec/memory-store.js';
import type { PostgresStore } from '../src/stores/postgres/postgres-store.js';

export type BenchStore =
  | { readonly kind: 'sqlite' }
  | { readonly kind: 'sqlite-redis'; readonly redisUrl: string; readonly prefix: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string }
  | { readonly kind: 'pglite'; readonly dir: string; readonly schema: string };

export interface OpenOptions {
  readonly path: string;
  /** Every vector search brute-force (the baseline). */
  readonly exact?: boolean;
}

export async function openBenchMemory(store: BenchStore | undefined, options: OpenOptions): Promise<MemoryService> {
  if (!store || store.kind === 'sqlite') {
    // No read deadline: a slow read must show in the latencies, not turn into a fast fallback.
    // No context cache: every getContext is built, so that its latency is measured.
    return createMemory({
      path: options.path,
      exactSearchThreshold: options.exact ? Number.MAX_SAFE_INTEGER : undefined,
      readDeadlineMs: 0,
      contextCache: false,
    });
  }
  if (store.kind === 'sqlite-redis') {
    // Redis in front (session records, message windows, idempotency keys, embeddings, context cache), as `strata serve` with REDIS_URL.
    return createMemory({
      path: options.path,
      exactSearchThreshold: options.exact ? Number.MAX_SAFE_INTEGER : undefined,
      readDeadlineMs: 0,
      redisUrl: store.redisUrl,
      redisKeyPrefix: store.prefix,
    });
  }
  const postgres = await openPostgres(store);
  return createMemory({ store: options.exact ? forcedExact(postgres) : postgres, readDeadlineMs: 0, contextCache: false });
}

async function openPostgres(store: Extract<BenchStore, { kind: 'postgres' | 'pglite' }>): Promise<PostgresStore> {
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  if (store.kind === 'postgres') {
    const { createPostgresStore } = await import('../src/stores/postgres/create-postgres-store.js');
    return createPostgresStore({ connectionString: store.url, schema: store.schema, poolMax: 4, log });
  }
  const [{ PGlite }, { vector }, { pgliteDriver }, { PostgresStore }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-pgvector'),
    import('../src/stores/postgres/pglite-driver.js'),
    import('../src/stores/postgres/postgres-store.js'),
  ]);
  const db = new PGlite(store.dir, { extensions: { vector } });
  return new PostgresStore({ driver: await pgliteDriver(db, { schema: store.schema, owned: true }), schema: store.schema, log });
}

/** The store with every vector search exact (PostgreSQL has no threshold to raise). */
function forcedExact(store: MemoryStoreV1): MemoryStoreV1 {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'vectorSearch') {
        return (...args: Parameters<MemoryStoreV1['vectorSearch']>) =>
          target.vectorSearch(args[0], args[1], args[2], args[3], { exact: true });
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Bytes the store's tables and indexes take (PostgreSQL), or null for SQLite (files are measured instead). */
export async function postgresBytes(memory: MemoryService): Promise<number | null> {
  const store = memory.store as Partial<PostgresStore>;
  if (!store.pg || !store.schema) return null;
  const { rows } = await store.pg.query<{ bytes: string | number | null }>(
    `SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = 'r'`,
    [store.schema],
  );
  return Number(rows[0]?.bytes ?? 0);
}

/** Deletes every key of a bench run's Redis prefix (SCAN, never KEYS). */
export async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** How the store answers vector search: `pgvector` or `exact` (PostgreSQL), `hnswlib` (SQLite's sidecar graph). */
export function vectorMode(memory: MemoryService): string {
  const support = (memory.store as { vectorSupport?: { mode: string } }).vectorSupport;
  return support?.mode ?? 'hnswlib';
}
