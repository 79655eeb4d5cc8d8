import { MemoryService } from '../core/memory-service.js';
import { type ChunkSettings, DEFAULT_CHUNKS } from '../core/turn-chunks.js';
import { Embedder, type EmbedderOptions } from '../embeddings/embedder.js';
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
  /** Index windows of consecutive turns as chunk memories (see core/turn-chunks.ts). */
  readonly chunks?: Partial<ChunkSettings> | undefined;
}

/**
 * Wires the embedded default: SQLite at `path`, the offline embedder, the o200k tokenizer.
 * Optional parts are imported lazily so that a custom store or model pulls in nothing else.
 */
export async function createMemory(options: CreateMemoryOptions = {}): Promise<MemoryService> {
  const store = options.store ?? (await defaultStore(options));
  await store.open();
  const model = options.embedding ?? (await defaultEmbedding());
  const embedder = new Embedder(model, store, options.embedderOptions);
  return new MemoryService(
    {
      store,
      embedder,
      tokens: options.tokenizer ?? o200kTokenCounter,
      retrieval: { ...DEFAULT_RETRIEVAL, ...options.retrieval },
      clock: options.clock,
      chunks: { ...DEFAULT_CHUNKS, ...options.chunks },
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
