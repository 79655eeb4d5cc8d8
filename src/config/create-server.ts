import type { FastifyInstance } from 'fastify';
import { ApiKeys } from '../auth/api-keys.js';
import { SqliteApiKeyStore } from '../auth/sqlite-api-key-store.js';
import { type ConsolidationSchedule, startConsolidationSchedule } from '../core/consolidation/consolidation-schedule.js';
import type { MemoryService } from '../core/memory-service.js';
import { StrataError } from '../errors/strata-error.js';
import type { HttpAuth } from '../http/auth-hook.js';
import { buildApp } from '../http/build-app.js';
import { embedderProbe, modesProbe, type TierState } from '../http/readiness.js';
import { PrometheusMetrics } from '../observability/prometheus-metrics.js';
import { createTurnLogger } from '../observability/turn-log.js';
import { CircuitBreakers } from '../resilience/breaker.js';
import { modeFromFlags } from '../resilience/memory-modes.js';
import type { MemoryStoreV1 } from '../spec/memory-store.js';
import { createMemory } from './create-memory.js';
import { type DataPaths, ensureDataDir } from './data-dir.js';
import { embeddingOption } from './embedding-from-settings.js';
import { redisProbe } from './redis-readiness.js';
import type { ServerSettings } from './settings.js';
import { sqliteStoreProbe } from './sqlite-readiness.js';
import { postgresStoreFor } from './store-settings.js';
import { summarizerFromEnv } from './summarizer-from-env.js';
import { vectorIndexProbe } from './vector-index-readiness.js';

export interface StrataServer {
  readonly app: FastifyInstance;
  readonly memory: MemoryService;
  /** Null with `auth: false`. */
  readonly keys: ApiKeys | null;
  readonly paths: DataPaths;
  /** The admin key created because the key store had none (first start): print it once. */
  readonly firstAdminKey: string | null;
  /** The consolidation schedule (settings.consolidateEveryMs), null when off. */
  readonly consolidation: ConsolidationSchedule | null;
  /** Stops accepting, drains in-flight requests (up to shutdownTimeoutMs), closes the stores (persisting indexes). */
  close(): Promise<void>;
}

export interface CreateServerOptions {
  /**
   * `worker`: one of `settings.workers` processes behind a primary (serve-cluster.ts), which
   * prepared the data directory and created the first admin key: a worker creates none, and
   * takes its share of each key's rate limit (the primary spreads connections round-robin).
   */
  readonly role?: 'single' | 'worker' | undefined;
  /** The memory inspector's bundle, served at /ui; default dist/ui (built by `npm run build`). */
  readonly uiDir?: string | undefined;
  /** How often /v1/stats samples the metrics, in ms (default 10 s). */
  readonly statsIntervalMs?: number | undefined;
}

/**
 * Wires `strata serve`: the embedded default in the data directory (strata.db + keys.db),
 * the HTTP app with readiness probes, and the first admin key when there is none.
 */
export async function createServer(settings: ServerSettings, options: CreateServerOptions = {}): Promise<StrataServer> {
  const worker = options.role === 'worker';
  const paths = ensureDataDir(settings.data);
  const metrics = new PrometheusMetrics({ processMetrics: true });
  const breakers = new CircuitBreakers();
  const backend = await storeFor(settings, paths, breakers);
  const memory = await createMemory({
    breakers,
    path: paths.database,
    store: backend.store,
    redisUrl: settings.redisUrl,
    ...(settings.otlpMetricsUrl ? { otlp: { url: settings.otlpMetricsUrl } } : {}),
    // Workers without Redis share no cache: an in-process one would miss the others' writes.
    ...(settings.workers > 1 && settings.redisUrl === undefined ? { contextCache: false as const } : {}),
    ...(settings.qdrantUrl ? { qdrant: { url: settings.qdrantUrl, apiKey: settings.qdrantApiKey } } : {}),
    mode: modeFromFlags(settings.write, settings.read),
    readDeadlineMs: settings.readDeadlineMs,
    annThread: settings.annThread,
    recordCacheBytes: settings.recordCacheMiB * 2 ** 20,
    redaction: settings.redaction,
    metrics,
    logger: settings.logLevel === 'silent' ? undefined : createTurnLogger({ level: settings.logLevel }),
    consolidation: { summarizer: summarizerFromEnv() },
    embedding: embeddingOption(settings.embedding, paths.dir),
  });
  let keys: ApiKeys | null = null;
  try {
    let firstAdminKey: string | null = null;
    let auth: HttpAuth = { mode: 'none' };
    if (settings.auth) {
      const store = new SqliteApiKeyStore(paths.keys);
      await store.open();
      keys = new ApiKeys(store);
      auth = { mode: 'keys', keys };
      if (!worker) firstAdminKey = await ensureFirstAdminKey(keys);
    }
    const rateLimitMax = worker ? Math.ceil(settings.rateLimit.max / settings.workers) : settings.rateLimit.max;
    const keyStore = keys;
    const app = await buildApp({
      memory,
      auth,
      bodyLimit: settings.bodyLimit,
      rateLimit: settings.rateLimit.enabled ? { max: rateLimitMax, windowMs: settings.rateLimit.windowMs } : false,
      logger: settings.logLevel === 'silent' ? false : { level: settings.logLevel },
      docs: settings.docs,
      metrics,
      metricsToken: settings.metricsToken,
      ...(options.uiDir === undefined ? {} : { ui: { dir: options.uiDir } }),
      statsIntervalMs: options.statsIntervalMs,
      probes: {
        store: backend.probe(memory),
        embedder: embedderProbe(memory),
        modes: modesProbe(memory),
        ...(keyStore ? { keys: keyStoreProbe(keyStore) } : {}),
        ...(settings.qdrantUrl ? { qdrant: vectorIndexProbe(memory) } : {}),
        ...redisProbe(memory),
      },
    });
    // Consolidation on a schedule; with several workers each runs it and leases keep them apart.
    const schedule: ConsolidationSchedule | null =
      settings.consolidateEveryMs > 0
        ? startConsolidationSchedule(memory, settings.consolidateEveryMs, {
            onRun: (counts, ms) => {
              if (counts.sessions > 0 || counts.conflicts > 0) app.log.info({ consolidation: counts, ms: Math.round(ms) }, 'consolidated');
            },
            onError: (error) => app.log.error({ err: error }, 'consolidation failed'),
          })
        : null;
    return {
      app,
      memory,
      keys,
      paths,
      firstAdminKey,
      consolidation: schedule,
      close: async () => {
        await schedule?.stop();
        await closeServer(app, memory, keys, settings.shutdownTimeoutMs);
      },
    };
  } catch (error) {
    await keys?.store.close();
    await memory.close();
    throw error;
  }
}

/** First start only: a key store whose keys were all revoked stays locked (use `strata keys create`). */
async function ensureFirstAdminKey(keys: ApiKeys): Promise<string | null> {
  if ((await keys.list(undefined, true)).length > 0) return null;
  return (await keys.create({ tenantId: 'default', scopes: ['read', 'write', 'admin'], name: 'first admin key' })).token;
}

/**
 * What a cluster primary does before it forks workers: creates and migrates the data
 * directory, builds and persists the indexes once (so that workers load them instead of each
 * building its own), and creates the first admin key. Returns it (null when keys exist).
 */
export async function prepareDataDir(settings: ServerSettings): Promise<{ paths: DataPaths; firstAdminKey: string | null }> {
  const paths = ensureDataDir(settings.data);
  const memory = await createMemory({ path: paths.database, store: (await storeFor(settings, paths)).store });
  await memory.close();
  if (!settings.auth) return { paths, firstAdminKey: null };
  const store = new SqliteApiKeyStore(paths.keys);
  await store.open();
  try {
    return { paths, firstAdminKey: await ensureFirstAdminKey(new ApiKeys(store)) };
  } finally {
    await store.close();
  }
}

/**
 * The memory store `strata serve` uses: the embedded SQLite file in the data directory, or
 * PostgreSQL (STRATA_STORE=postgres, DATABASE_URL), whose code and driver load only then.
 */
async function storeFor(
  settings: ServerSettings,
  paths: DataPaths,
  breakers?: CircuitBreakers,
): Promise<{ store: MemoryStoreV1 | undefined; probe: (memory: MemoryService) => () => Promise<TierState> }> {
  if (settings.store !== 'postgres' || settings.databaseUrl === undefined) {
    return { store: undefined, probe: (memory) => sqliteStoreProbe(memory, paths.database) };
  }
  const [store, { postgresStoreProbe }] = await Promise.all([
    postgresStoreFor(settings, undefined, breakers),
    import('./postgres-readiness.js'),
  ]);
  if (!store) throw new StrataError('INVALID_CONFIG', 'store "postgres" needs databaseUrl', { details: { field: 'databaseUrl' } });
  return { store, probe: () => postgresStoreProbe(store) };
}

function keyStoreProbe(keys: ApiKeys): () => Promise<TierState> {
  return async () => {
    try {
      await keys.store.findByKeyId('readiness');
      return { status: 'ready', reachable: true };
    } catch (error) {
      return { status: 'not_ready', reachable: false, detail: (error as Error).message };
    }
  };
}

async function closeServer(app: FastifyInstance, memory: MemoryService, keys: ApiKeys | null, timeoutMs: number): Promise<void> {
  // app.close() stops accepting and waits for in-flight requests; past the deadline their connections are cut.
  const deadline = setTimeout(() => app.server.closeAllConnections(), timeoutMs);
  deadline.unref();
  try {
    await app.close();
  } finally {
    clearTimeout(deadline);
    await memory.close();
    await keys?.store.close();
  }
}
