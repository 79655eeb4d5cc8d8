import type { ConsolidatorOptions } from '../core/consolidation/consolidator.js';
import { MemoryService } from '../core/memory-service.js';
import { Embedder, type EmbedderOptions } from '../embeddings/embedder.js';
import { DEFAULT_RETRIEVAL, type RetrievalSettings } from '../retrieval/hybrid-search.js';
import { o200kTokenCounter, type TokenCounter } from '../retrieval/tokenizer.js';
import type { ConsolidationStoreV1 } from '../spec/consolidation-store.js';
import type { EmbeddingModelV1 } from '../spec/embedding-model.js';
import type { MemoryStoreV1 } from '../spec/memory-store.js';
import type { SummarizerV1 } from '../spec/summarizer.js';

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
  /**
   * Consolidation: `store` for a custom MemoryStoreV1 (the SQLite default brings its own),
   * `summarizer` (default the offline extractive one), job options (lease TTL, thresholds, hooks).
   */
  readonly consolidation?:
    | {
        readonly store?: ConsolidationStoreV1 | undefined;
        readonly summarizer?: SummarizerV1 | undefined;
        readonly options?: ConsolidatorOptions | undefined;
      }
    | undefined;
}

/**
 * Wires the embedded default: SQLite at `path`, the offline embedder, the o200k tokenizer.
 * Optional parts are imported lazily so that a custom store or model pulls in nothing else.
 */
export async function createMemory(options: CreateMemoryOptions = {}): Promise<MemoryService> {
  const store = options.store ?? (await defaultStore(options));
  await store.open();
  const consolidationStore = options.consolidation?.store ?? (await defaultConsolidationStore(store));
  const model = options.embedding ?? (await defaultEmbedding());
  const embedder = new Embedder(model, store, options.embedderOptions);
  return new MemoryService(
    {
      store,
      embedder,
      tokens: options.tokenizer ?? o200kTokenCounter,
      retrieval: { ...DEFAULT_RETRIEVAL, ...options.retrieval },
      clock: options.clock,
      consolidation: consolidationStore
        ? { store: consolidationStore, summarizer: options.consolidation?.summarizer, options: options.consolidation?.options }
        : undefined,
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

/** The SQLite store's consolidation tables (migration 0003); none for other stores unless given. */
async function defaultConsolidationStore(store: MemoryStoreV1): Promise<ConsolidationStoreV1 | null> {
  // Duck-typed: a custom store must not pull in better-sqlite3.
  if (!('internals' in store)) return null;
  const { SqliteConsolidation } = await import('../stores/sqlite/sqlite-consolidation.js');
  const { SqliteStore } = await import('../stores/sqlite/sqlite-store.js');
  return store instanceof SqliteStore ? new SqliteConsolidation(store) : null;
}

async function defaultEmbedding(): Promise<EmbeddingModelV1> {
  const { createWordVectorEmbedder } = await import('../embeddings/offline/word-vector-embedder.js');
  return createWordVectorEmbedder();
}
