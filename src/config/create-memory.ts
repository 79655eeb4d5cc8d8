import { DEFAULT_READ_DEADLINE_MS, MemoryService } from '../core/memory-service.js';
import { Embedder, type EmbedderOptions } from '../embeddings/embedder.js';
import { PrometheusMetrics } from '../observability/prometheus-metrics.js';
import { timedStore } from '../observability/timed-store.js';
import type { TurnLogger } from '../observability/turn-log.js';
import type { RedactionPolicy } from '../privacy/pii-types.js';
import { Redactor } from '../privacy/redactor.js';
import { type MemoryMode, MemoryModes } from '../resilience/memory-modes.js';
import { DEFAULT_RETRIEVAL, type RetrievalSettings } from '../retrieval/hybrid-search.js';
import { o200kTokenCounter, type TokenCounter } from '../retrieval/tokenizer.js';
import type { EmbeddingModelV1 } from '../spec/embedding-model.js';
import type { MemoryStoreV1 } from '../spec/memory-store.js';

export interface CreateMemoryOptions {
  /** SQLite file for the embedded default (`:memory:` for a throwaway store). Default `./strata.db`. */
  readonly path?: string | undefined;
  /** A store to use instead of SQLite at `path`. */
  readonly store?: MemoryStoreV1 | undefined;
  /** Embedding model; default the offline word-vector embedder (no network, no download). */
  readonly embedding?: EmbeddingModelV1 | undefined;
  readonly embedderOptions?: EmbedderOptions | undefined;
  readonly tenantId?: string | undefined;
  readonly tokenizer?: TokenCounter | undefined;
  readonly retrieval?: Partial<RetrievalSettings> | undefined;
  /** Scopes with at most this many vectors are searched exactly (SQLite). */
  readonly exactSearchThreshold?: number | undefined;
  readonly maxTextLength?: number | undefined;
  readonly clock?: (() => number) | undefined;
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
  const raw = options.store ?? (await defaultStore(options));
  await raw.open();
  const store = metrics ? timedStore(raw, metrics) : raw;
  if (metrics) {
    metrics.watchModes(modes);
    const path = options.store ? undefined : (options.path ?? './strata.db');
    if (path !== undefined && path !== ':memory:') {
      const { sqliteRecordCounts } = await import('../observability/sqlite-record-counts.js');
      metrics.watchRecordCounts(sqliteRecordCounts(path));
    }
  }
  const model = options.embedding ?? (await defaultEmbedding());
  const embedder = new Embedder(model, store, { ...options.embedderOptions, ...(metrics ? { observer: metrics } : {}) });
  return new MemoryService(
    {
      store,
      embedder,
      tokens: options.tokenizer ?? o200kTokenCounter,
      retrieval: { ...DEFAULT_RETRIEVAL, ...options.retrieval },
      clock: options.clock,
      redactor,
      modes,
      readDeadlineMs: options.readDeadlineMs ?? DEFAULT_READ_DEADLINE_MS,
      metrics,
      logger: options.logger,
    },
    options.tenantId ?? 'default',
  );
}

async function defaultStore(options: CreateMemoryOptions): Promise<MemoryStoreV1> {
  const { SqliteStore } = await import('../stores/sqlite/sqlite-store.js');
  return new SqliteStore({
    path: options.path ?? './strata.db',
    exactSearchThreshold: options.exactSearchThreshold,
    maxTextLength: options.maxTextLength,
  });
}

async function defaultEmbedding(): Promise<EmbeddingModelV1> {
  const { createWordVectorEmbedder } = await import('../embeddings/offline/word-vector-embedder.js');
  return createWordVectorEmbedder();
}
