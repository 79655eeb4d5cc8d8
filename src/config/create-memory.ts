import { dirname } from 'node:path';
import type { ConsolidatorOptions } from '../core/consolidation/consolidator.js';
import { DEFAULT_READ_DEADLINE_MS, MemoryService } from '../core/memory-service.js';
import { type ChunkSettings, DEFAULT_CHUNKS } from '../core/turn-chunks.js';
import { ActiveEmbedder } from '../embeddings/active-embedder.js';
import { Embedder, type EmbedderOptions } from '../embeddings/embedder.js';
import type { EmbeddingChoice } from '../embeddings/embedding-chain.js';
import type { MetricsSink } from '../observability/metrics-sink.js';
import type { OtlpMetricsOptions } from '../observability/otlp-metrics.js';
import { PrometheusMetrics } from '../observability/prometheus-metrics.js';
import { timedStore } from '../observability/timed-store.js';
import type { TurnLogger } from '../observability/turn-log.js';
import type { RedactionPolicy } from '../privacy/pii-types.js';
import { Redactor } from '../privacy/redactor.js';
import { type BreakerSettings, CircuitBreakers } from '../resilience/breaker.js';
import { type MemoryMode, MemoryModes } from '../resilience/memory-modes.js';
import type { OutboxOptions } from '../resilience/outbox.js';
import { DEFAULT_RETRIEVAL, type RetrievalSettings } from '../retrieval/hybrid-search.js';
import { o200kTokenCounter, type TokenCounter } from '../retrieval/tokenizer.js';
import type { ConsolidationStoreV1 } from '../spec/consolidation-store.js';
import type { ContextCacheV1 } from '../spec/context-cache.js';
import type { EmbeddingModelV1 } from '../spec/embedding-model.js';
import { durableStoreOf } from '../spec/external-writes.js';
import type { MemoryStoreV1 } from '../spec/memory-store.js';
import { canReembed } from '../spec/reembed-store.js';
import type { SummarizerV1 } from '../spec/summarizer.js';
import type { WorkingMemoryV1 } from '../spec/working-memory.js';
import type { EmbeddingWiring } from './embedding-from-settings.js';
import { resolveEmbeddingModel } from './embedding-models.js';
import type { EmbeddingSettingsInput } from './embedding-settings.js';

export interface CreateMemoryOptions {
  /** SQLite file for the embedded default (`:memory:` for a throwaway store). Default `./strata.db`. */
  readonly path?: string | undefined;
  /** A store to use instead of SQLite at `path`. */
  readonly store?: MemoryStoreV1 | undefined;
  /**
   * Embedding model: a provider, or the settings of a provider chain (`{ chain: ['onnx', 'ollama',
   * 'offline'], ... }`, see config/embedding-settings.ts), of which the first that loads and
   * answers is used for everything (embeddings/embedding-chain.ts); its remote providers sit
   * behind the `embedding` breaker. Default the offline word-vector embedder (no network, no download).
   */
  readonly embedding?: EmbeddingModelV1 | EmbeddingSettingsInput | undefined;
  /**
   * The registry name of `embedding` when it is a model object (src/config/embedding-models.ts),
   * recorded when a re-embedding switches away from it. Settings name their own (the chain's choice).
   */
  readonly embeddingSpec?: string | undefined;
  /**
   * How often the store's active embedding model is re-read before a search or write (ms, default
   * 2000; 0 = every time). When a blue/green re-embedding (src/reembed/) switched the store to
   * another model, that one is used instead of the configured one, built by the registry; see
   * embeddings/active-embedder.ts.
   */
  readonly activeModelRefreshMs?: number | undefined;
  /** Told which model a chain chose and which candidates it passed over (also logged with `logger`). */
  readonly onEmbeddingChoice?: ((choice: EmbeddingChoice) => void) | undefined;
  readonly embedderOptions?: EmbedderOptions | undefined;
  readonly tenantId?: string | undefined;
  readonly tokenizer?: TokenCounter | undefined;
  readonly retrieval?: Partial<RetrievalSettings> | undefined;
  /** Scopes with at most this many vectors are searched exactly (SQLite). */
  readonly exactSearchThreshold?: number | undefined;
  /** HNSW graphs on a worker thread (default) or on the caller's thread (false: less memory, slower writes; SQLite). */
  readonly annThread?: boolean | undefined;
  /** Bytes of decoded memory records the SQLite store keeps in the process (default 4 MB). */
  readonly recordCacheBytes?: number | undefined;
  readonly maxTextLength?: number | undefined;
  readonly clock?: (() => number) | undefined;
  /**
   * Mirror embedded memories into Qdrant and answer vector search there (QDRANT_URL for the CLI
   * and `strata serve`); the store (SQLite by default) stays the truth. Loaded only when given.
   */
  readonly qdrant?: QdrantOptions | undefined;
  /**
   * Redis in front of the store (`redis://127.0.0.1:6379`): session records, message windows,
   * idempotency keys and embeddings cached there, scratchpads and the per-turn context cache
   * kept there. The store stays the only durable copy. See docs/redis.md.
   */
  readonly redisUrl?: string | undefined;
  /** First segment of every Redis key; default `strata`. */
  readonly redisKeyPrefix?: string | undefined;
  /** Scratchpads; default in this process (lru-cache), or Redis with `redisUrl`. */
  readonly working?: WorkingMemoryV1 | undefined;
  /**
   * Per-turn context cache (30 s): default in this process (lru-cache), or Redis with
   * `redisUrl`; `false` for none (several processes on one store without Redis: another
   * process's memory and fact writes would not invalidate this one's cache).
   */
  readonly contextCache?: ContextCacheV1 | false | undefined;
  /** Life of a cached context; default 30 s. */
  readonly contextCacheTtlMs?: number | undefined;
  /** PII redaction: the default policy (tenants may override it), or false for none. Default: every type, `[EMAIL]`-style tags. */
  readonly redaction?: Partial<RedactionPolicy> | false | undefined;
  /** The global mode (default read_write); per-tenant modes through `memory.setMode`. */
  readonly mode?: MemoryMode | undefined;
  /** Deadline of getContext and search, ms (default 250; 0 for none). */
  readonly readDeadlineMs?: number | undefined;
  /** Prometheus metrics (a registry of their own); default a new PrometheusMetrics, false for none. */
  readonly metrics?: PrometheusMetrics | false | undefined;
  /** The turn log (a pino logger, say); default none. */
  readonly logger?: TurnLogger | undefined;
  /** Push the metrics over OTLP/HTTP too (an OpenTelemetry collector); loaded only when given. */
  readonly otlp?: OtlpMetricsOptions | undefined;
  /**
   * Consolidation: `store` for a custom MemoryStoreV1 (SQLite and PostgresStore bring their own),
   * `summarizer` (default the offline extractive one), job options (lease TTL, thresholds, hooks).
   */
  readonly consolidation?:
    | {
        readonly store?: ConsolidationStoreV1 | undefined;
        readonly summarizer?: SummarizerV1 | undefined;
        readonly options?: ConsolidatorOptions | undefined;
      }
    | undefined;
  /** Index windows of consecutive turns as chunk memories (see core/turn-chunks.ts). */
  readonly chunks?: Partial<ChunkSettings> | undefined;
  /**
   * Circuit breakers of the remote tiers (resilience/breaker.ts): a board (pass the same one to
   * createPostgresStore) or its settings. Qdrant and the LLM summarizer are wrapped here, the
   * Redis connection's own cool-down is reported as the `redis` tier. Default a board with the
   * default settings; false for none.
   */
  readonly breakers?: CircuitBreakers | BreakerSettings | false | undefined;
  /**
   * A durable local outbox (resilience/outbox.ts): addMessages while the durable store is
   * unreachable is appended to `dir/outbox.jsonl` and acknowledged `queued: true`, then replayed
   * in order, idempotently, when the store answers again. Default none.
   */
  readonly outbox?: OutboxOptions | undefined;
}

export interface QdrantOptions {
  readonly url: string;
  readonly apiKey?: string | undefined;
  /** Alias and collection name prefix. Default `strata`. */
  readonly prefix?: string | undefined;
}

/**
 * Wires the embedded default: SQLite at `path`, the offline embedder, the o200k tokenizer.
 * Optional parts are imported lazily so that a custom store or model pulls in nothing else.
 */
export async function createMemory(options: CreateMemoryOptions = {}): Promise<MemoryService> {
  // Checked before anything is opened: a bad policy or mode leaves nothing behind.
  const redactor = options.redaction === false ? undefined : new Redactor(options.redaction ?? {});
  const modes = new MemoryModes(options.mode ?? 'read_write', options.clock);
  const metrics = options.metrics === false ? undefined : (options.metrics ?? new PrometheusMetrics());
  const breakers =
    options.breakers === false
      ? undefined
      : options.breakers instanceof CircuitBreakers
        ? options.breakers
        : new CircuitBreakers({ clock: options.clock, ...options.breakers });
  breakers?.attach(metrics ?? null, modes);
  if (breakers) metrics?.watchBreakers(breakers);
  // Chosen before any store is opened: a chain that cannot serve leaves nothing open behind it.
  const configured = await embeddingOf(options, breakers);
  const durable = options.store ?? (await defaultStore(options));
  // Qdrant answers vector search beside the durable store; Redis caches in front of both.
  let raw = options.qdrant ? await withQdrant(durable, options.qdrant, breakers) : durable;
  let working = options.working;
  let contextCache = options.contextCache === false ? undefined : options.contextCache;
  if (options.redisUrl !== undefined) {
    const redis = await import('../stores/redis/index.js');
    const connection = new redis.RedisConnection({ url: options.redisUrl, keyPrefix: options.redisKeyPrefix });
    raw = new redis.RedisTierStore(raw, connection);
    working ??= new redis.RedisWorkingMemory(connection);
    contextCache ??= new redis.RedisContextCache(connection);
  }
  if (!working) {
    const { LruWorkingMemory } = await import('../stores/in-process/lru-working-memory.js');
    working = new LruWorkingMemory();
  }
  await raw.open();
  const connection = redisConnectionOf(raw);
  // The Redis tier's own detector (fail fast while down, cool-down after a timeout) is its breaker: not wrapped twice.
  if (breakers && connection) breakers.watch('redis', () => (connection.usable() ? 'closed' : 'open'));
  await working.open();
  // The per-turn context cache: in this process unless Redis (shared) was given, or `false`.
  if (contextCache === undefined && options.contextCache !== false) {
    const { LruContextCache } = await import('../stores/in-process/lru-context-cache.js');
    contextCache = new LruContextCache();
  }
  await contextCache?.open();
  // Consolidation writes through the durable store's own tables (SQLite: migration 0003), under any
  // decorator a custom `store` brings; what it writes reaches the decorators by afterExternalWrite.
  const consolidationStore = options.consolidation?.store ?? (await defaultConsolidationStore(durableStoreOf(durable)));
  // Metrics go to Prometheus and, when configured, over OTLP too (its exporter stops on close).
  let sink: MetricsSink | undefined = metrics;
  const closers: Array<() => Promise<void>> = [];
  if (options.otlp) {
    const { FanoutMetrics, OtlpMetrics } = await import('../observability/otlp-metrics.js');
    const otlp = new OtlpMetrics(options.otlp);
    closers.push(() => otlp.close());
    sink = metrics ? new FanoutMetrics([metrics, otlp]) : otlp;
  }
  const store = sink ? timedStore(raw, sink) : raw;
  if (metrics) {
    metrics.watchModes(modes);
    const path = options.store ? undefined : (options.path ?? './strata.db');
    if (path !== undefined && path !== ':memory:') {
      const { sqliteRecordCounts } = await import('../observability/sqlite-record-counts.js');
      metrics.watchRecordCounts(sqliteRecordCounts(path));
    }
  }
  const embedderOptions = { ...options.embedderOptions, ...(sink ? { observer: sink } : {}) };
  const activeEmbedder = await activeEmbedderFor(
    options,
    configured,
    durableStoreOf(durable),
    breakers,
    (model) => new Embedder(model, store, embedderOptions),
  );
  const embedder = activeEmbedder.current;
  const outbox = options.outbox ? new (await import('../resilience/outbox.js')).Outbox(options.outbox) : undefined;
  const service = new MemoryService(
    {
      store,
      embedder,
      activeEmbedder,
      tokens: options.tokenizer ?? o200kTokenCounter,
      retrieval: { ...DEFAULT_RETRIEVAL, ...options.retrieval },
      clock: options.clock,
      working,
      contextCache,
      contextCacheTtlMs: options.contextCacheTtlMs,
      redactor,
      modes,
      readDeadlineMs: options.readDeadlineMs ?? DEFAULT_READ_DEADLINE_MS,
      metrics: sink,
      logger: options.logger,
      closers,
      consolidation: consolidationStore
        ? {
            store: consolidationStore,
            summarizer: await guardedSummarizer(options.consolidation?.summarizer, breakers),
            options: options.consolidation?.options,
          }
        : undefined,
      chunks: { ...DEFAULT_CHUNKS, ...options.chunks },
      breakers,
      outbox,
    },
    options.tenantId ?? 'default',
  );
  outbox?.open((entry) => service.forTenant(entry.tenantId).replayQueued(entry));
  return service;
}

async function defaultStore(options: CreateMemoryOptions): Promise<MemoryStoreV1> {
  const { SqliteStore } = await import('../stores/sqlite/sqlite-store.js');
  return new SqliteStore({
    path: options.path ?? './strata.db',
    exactSearchThreshold: options.exactSearchThreshold,
    annThread: options.annThread,
    recordCacheBytes: options.recordCacheBytes,
    maxTextLength: options.maxTextLength,
  });
}

async function withQdrant(durable: MemoryStoreV1, qdrant: QdrantOptions, breakers: CircuitBreakers | undefined): Promise<MemoryStoreV1> {
  const [{ QdrantVectorIndex }, { VectorIndexedStore }, { breakerIndex }] = await Promise.all([
    import('../stores/qdrant/qdrant-vector-index.js'),
    import('../stores/vector-indexed-store.js'),
    import('../resilience/guarded-remotes.js'),
  ]);
  const index = new QdrantVectorIndex(qdrant);
  if (!breakers) return new VectorIndexedStore({ durable, index });
  // The breaker is the index's cool-down (open: searches go to the durable store, writes are queued for repair at once).
  return new VectorIndexedStore({ durable, index: breakerIndex(index, breakers.for('qdrant')), retryAfterMs: 0 });
}

/** The LLM summarizer behind the `llm` breaker; other summarizers (the offline one) as given. */
async function guardedSummarizer(
  summarizer: SummarizerV1 | undefined,
  breakers: CircuitBreakers | undefined,
): Promise<SummarizerV1 | undefined> {
  if (!summarizer || !breakers || !summarizer.name.startsWith('llm:')) return summarizer;
  const { breakerSummarizer } = await import('../resilience/guarded-remotes.js');
  return breakerSummarizer(summarizer, breakers.for('llm'));
}

/** The Redis tier's connection (duck-typed: a RedisTierStore given or made here), or null. */
function redisConnectionOf(store: MemoryStoreV1): { usable(): boolean } | null {
  const connection = (store as { durable?: unknown; connection?: { usable?: unknown } }).connection;
  if (!('durable' in store) || typeof connection?.usable !== 'function') return null;
  return connection as { usable(): boolean };
}

/**
 * The configured model's embedder, or the store's active model's when a re-embedding switched
 * it (a restarted process uses the model the index was switched to). Stores that cannot
 * re-embed always use the configured model.
 */
async function activeEmbedderFor(
  options: CreateMemoryOptions,
  configured: ConfiguredModel,
  durable: MemoryStoreV1,
  breakers: CircuitBreakers | undefined,
  wrap: (model: EmbeddingModelV1) => Embedder,
): Promise<ActiveEmbedder> {
  const { spec } = configured;
  const embedder = wrap(configured.model);
  if (!canReembed(durable)) return new ActiveEmbedder(embedder, { spec });
  // Other models are built with the settings given in code, else those of the environment.
  const given = options.embedding;
  const settings =
    given !== undefined && typeof (given as EmbeddingModelV1).embed !== 'function' ? (given as EmbeddingSettingsInput) : undefined;
  const context = { settings, wiring: embeddingWiring(options, breakers) };
  const active = new ActiveEmbedder(embedder, {
    spec,
    source: durable,
    resolve: async (name) => wrap(await resolveEmbeddingModel(name, context)),
    refreshMs: options.activeModelRefreshMs,
    clock: options.clock,
    onUnresolved: (setting, cause) => {
      const message =
        `the store's active embedding model ${setting.id} (${setting.spec || 'no registry name'}) cannot be built here ` +
        `(${cause instanceof Error ? cause.message : String(cause)}); searching and writing with ${embedder.modelId}`;
      if (options.logger) options.logger.warn({ embedding: { active: setting.id, using: embedder.modelId } }, message);
      else process.emitWarning(message, { code: 'STRATA_EMBEDDING_MODEL' });
    },
  });
  const used = await active.refresh(true);
  if (used !== embedder) {
    options.logger?.info(
      { embedding: { configured: embedder.modelId, active: used.modelId } },
      'the store was re-embedded: searching and writing with its active model',
    );
  }
  return active;
}

/** The configured model and its registry name (src/config/embedding-models.ts), when known. */
interface ConfiguredModel {
  readonly model: EmbeddingModelV1;
  readonly spec: string | undefined;
}

/** The model given, the one a chain of settings chooses (logged), or the offline default. */
async function embeddingOf(options: CreateMemoryOptions, breakers: CircuitBreakers | undefined): Promise<ConfiguredModel> {
  const given = options.embedding;
  if (given === undefined) return { model: await defaultEmbedding(), spec: 'offline' };
  if (typeof (given as EmbeddingModelV1).embed === 'function') return { model: given as EmbeddingModelV1, spec: options.embeddingSpec };
  const { embeddingFromSettings, parseEmbeddingSettings } = await import('./embedding-from-settings.js');
  const choice = await embeddingFromSettings(parseEmbeddingSettings(given as EmbeddingSettingsInput), embeddingWiring(options, breakers));
  const fields = { embedding: { chosen: choice.chosen, model: choice.modelId, skipped: choice.skipped } };
  if (choice.skipped.length > 0) options.logger?.warn(fields, 'embedding chain fell back: vectors of other models are not searched');
  else options.logger?.info(fields, 'embedding model chosen');
  options.onEmbeddingChoice?.(choice);
  return { model: choice.model, spec: choice.chosen };
}

/** Where the providers find their models and breaker (as for the chain). */
function embeddingWiring(options: CreateMemoryOptions, breakers: CircuitBreakers | undefined): EmbeddingWiring {
  const path = options.store ? undefined : (options.path ?? './strata.db');
  return {
    // Models default to <data>/models beside the database file (strata serve's data directory).
    dataDir: path === undefined || path === ':memory:' ? undefined : dirname(path),
    breaker: breakers ? () => breakers.for('embedding') : undefined,
  };
}

async function defaultEmbedding(): Promise<EmbeddingModelV1> {
  const { createWordVectorEmbedder } = await import('../embeddings/offline/word-vector-embedder.js');
  return createWordVectorEmbedder();
}

/**
 * The durable store's own consolidation tables: SQLite (migration 0003) or PostgreSQL (its
 * migration 0002); none for other stores unless given. `store` is the durable store itself (no
 * decorator in front), so the class checks hold; each backend's code loads only when it is the one.
 */
async function defaultConsolidationStore(store: MemoryStoreV1): Promise<ConsolidationStoreV1 | null> {
  // Duck-typed first: a custom store must not pull in better-sqlite3 or the postgres code.
  if ('internals' in store) {
    const { SqliteConsolidation } = await import('../stores/sqlite/sqlite-consolidation.js');
    const { SqliteStore } = await import('../stores/sqlite/sqlite-store.js');
    return store instanceof SqliteStore ? new SqliteConsolidation(store) : null;
  }
  if ('pgInternals' in store) {
    const { PgConsolidation } = await import('../stores/postgres/pg-consolidation.js');
    const { PostgresStore } = await import('../stores/postgres/postgres-store.js');
    return store instanceof PostgresStore ? new PgConsolidation(store) : null;
  }
  return null;
}
