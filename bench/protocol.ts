import type { BenchStore } from './bench-store.js';
import type { Latency } from './stats.js';

/**
 * What the orchestrator (run.ts) asks a worker process (worker.ts) to do. Every phase runs under
 * the CLI's heap policy (src/config/heap-policy.ts, as `strata serve` does) unless
 * `heapGrowthPercent` says otherwise; `0` is V8's own policy.
 */
export type PhaseRequest = { readonly heapGrowthPercent?: number } & (
  | { readonly phase: 'embedder'; readonly seed: number }
  | {
      readonly phase: 'ingest';
      readonly path: string;
      /** Default the SQLite file at `path`. */
      readonly store?: BenchStore;
      readonly seed: number;
      /** Where to resume the corpus: session index and message offset within it. */
      readonly from: CorpusPosition;
      /** Memories in the scope when the phase ends. */
      readonly target: number;
    }
  | {
      readonly phase: 'serve';
      readonly path: string;
      readonly store?: BenchStore;
      readonly seed: number;
      /** `ann`: the store's defaults; `exact`: every vector search brute-force (the baseline). */
      readonly mode: 'ann' | 'exact';
      /** Searches and context calls measured (the first of one fixed query list). */
      readonly queries: number;
      /** Sessions ingested so far (context calls pick among them). */
      readonly sessions: number;
      /** Also check keyword search against FTS5's bm25 (indexes the scope into a scratch FTS5 table). */
      readonly verifyKeywords?: boolean;
    }
);

export interface CorpusPosition {
  readonly session: number;
  readonly offset: number;
}

export interface EmbedderResult {
  readonly phase: 'embedder';
  readonly model: string;
  readonly dimensions: number;
  /** Texts per second through the provider (`model.embed`, batches of 256 corpus messages). */
  readonly providerPerSecond: number;
  /** Texts per second through core's Embedder (hashing + LRU, all misses). */
  readonly embedderPerSecond: number;
  /** One query at a time through the provider. */
  readonly queryLatency: Latency;
  readonly loadMs: number;
  readonly peakRssMiB: number;
}

export interface IngestResult {
  readonly phase: 'ingest';
  readonly messages: number;
  readonly calls: number;
  readonly memories: number;
  readonly sessionsCreated: number;
  /** Wall time of createSession + addMessages calls. */
  readonly ingestMs: number;
  /** Index catch-up after the last message (`warm()`: ANN graph and keyword index) + close (graph persisted). */
  readonly indexFlushMs: number;
  /** `warm()` at the start: indexes of what the file already held, loaded before ingesting. */
  readonly warmMs: number;
  /** CPU time (user + system) of the ingest loop: steadier than wall time on a shared machine. */
  readonly cpuMs: number;
  readonly addLatency: Latency;
  readonly next: CorpusPosition;
  readonly peakRssMiB: number;
  /** Peak RSS reached by the end of each step (ingest, index flush, close). */
  readonly peakRssBy: Readonly<Record<string, number>>;
  readonly dbBytes: number;
  readonly vectorIndexBytes: number;
}

export interface ServeResult {
  readonly phase: 'serve';
  readonly mode: 'ann' | 'exact';
  readonly memories: number;
  readonly openMs: number;
  /** `warm()` after open: ANN graph loaded (or built), keyword index built. */
  readonly warmMs: number;
  /** First search after open and warm. */
  readonly firstSearchMs: number;
  readonly search: Latency;
  /** CPU time per search and per context call: steadier than wall time on a shared machine. */
  readonly cpuPerSearchMs: number;
  readonly cpuPerContextMs: number;
  readonly context: Latency;
  /** Store-level parts of a search, for profiling. */
  readonly parts: {
    readonly embedQuery: Latency;
    readonly keyword: Latency;
    readonly vector: Latency;
    readonly hydrate: Latency;
  };
  /** Top-10 ids of each hybrid search, to compare ANN and exact end to end. */
  readonly top10: readonly (readonly string[])[];
  /** ANN mode only: recall of the vector index against exact search on the same query vectors. */
  readonly recall: {
    readonly at10: number;
    readonly at50: number;
    readonly queries: number;
    /** Queries whose brute-force top-10 equalled the store's exact search (of the first 3). */
    readonly truthVerified: string;
  } | null;
  /** Keyword search vs SQLite FTS5 bm25 on the same rows: queries with identical top-50 scores. */
  readonly keywordCheck: { readonly queries: number; readonly identical: number; readonly maxScoreDiff: number } | null;
  readonly contextTokens: { readonly mean: number; readonly max: number };
  readonly peakRssMiB: number;
  /** How the store answered vector search: `hnswlib` (SQLite), `pgvector` (HNSW) or `exact` (PostgreSQL without pgvector). */
  readonly vectorMode?: string;
}

export type PhaseResult = EmbedderResult | IngestResult | ServeResult;
