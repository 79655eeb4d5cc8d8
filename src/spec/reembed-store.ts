import type { MemoryRecord } from './records.js';

/**
 * Optional store capability for blue/green re-embedding (issue #7). A memory's vector in
 * model M is the main `embedding` column when its `embeddingModel` is M, else a secondary
 * vector kept per (memory, model). Vector search for M reads both, so the old model's index
 * keeps answering while a job fills the new one, and the old one stays for a rollback.
 *
 * The store persists which model is active (the one search and new writes use) in one row:
 * switching is a single atomic update, refused while any memory lacks a vector in the target.
 * Deleting a memory removes its vectors of every model; rewriting its main vector drops its
 * secondary ones (they were computed from the old text), so a later pass embeds it again.
 */
export interface ReembedStoreV1 {
  /**
   * Memories (every tenant, superseded ones included) without a vector in `model`, after the
   * cursor, in a stable order; `after` is the previous page's `next` (null to start).
   */
  listMemoriesToEmbed(model: string, after: string | null, limit: number): Promise<ReembedPage>;
  /**
   * Stores vectors of `model`. A memory deleted meanwhile, or rewritten since it was listed
   * (its content hash changed), is skipped. Returns how many were written.
   */
  putEmbeddings(model: string, entries: readonly ReembedEntry[]): Promise<number>;
  /** Up to `limit` memories picked at random (every tenant), for verification searches. */
  sampleMemories(limit: number): Promise<ReembedSample[]>;
  /** Memories in the store, and how many of them have a vector in `model`. */
  countEmbeddings(model: string): Promise<EmbeddingCoverage>;
  /** The active model and the one it replaced (null when never set: the configured model is used). */
  getEmbeddingState(): Promise<EmbeddingState>;
  /**
   * Makes `target` the active model and the current one the previous, in one transaction that
   * first counts the memories without a vector in it: when some lack one, nothing changes and
   * the answer says how many (`switched: false`). `current` is the model in use when the store
   * has none recorded yet (it becomes the previous one).
   */
  switchActiveModel(target: EmbeddingModelSetting, current: EmbeddingModelSetting | null): Promise<SwitchResult>;
  /**
   * Removes the vectors of `model` (never the active one's): secondary ones go, main-column ones
   * are replaced by the same memory's vector in the active model (a memory without one keeps its
   * vector). Forgets `model` as the previous one. Returns how many vectors went.
   */
  dropEmbeddings(model: string): Promise<number>;
  /**
   * Every secondary vector (every model and tenant) with its memory, in a stable order, for
   * rebuilding an external index (src/stores/vector-indexed-store.ts); `after` is the previous
   * page's `next` (null to start; null after the last page).
   */
  scanSecondaryEmbeddings(after: string | null, limit: number): Promise<SecondaryEmbeddingPage>;
  /** The secondary vectors (every model) of these memories of a tenant: an external index re-mirrors them. */
  getSecondaryEmbeddings(tenantId: string, ids: readonly string[]): Promise<SecondaryEmbedding[]>;
  /** A re-embed job's saved progress for `model`, or null. */
  getReembedCheckpoint(model: string): Promise<ReembedCheckpoint | null>;
  /** Saves (or, with null, clears) the job's progress. */
  putReembedCheckpoint(model: string, checkpoint: ReembedCheckpoint | null): Promise<void>;
}

export interface ReembedItem {
  readonly tenantId: string;
  readonly id: string;
  readonly text: string;
  readonly contentHash: string;
}

export interface ReembedSample {
  readonly tenantId: string;
  readonly userId: string;
  readonly id: string;
  readonly text: string;
}

export interface ReembedPage {
  readonly items: readonly ReembedItem[];
  /** The cursor after this page (pass it back to continue; also what a checkpoint saves). */
  readonly next: string | null;
  /** No memory after this page lacked a vector when it was read. */
  readonly done: boolean;
}

export interface ReembedEntry {
  readonly tenantId: string;
  readonly id: string;
  /** The content hash the vector was computed from (see putEmbeddings). */
  readonly contentHash: string;
  readonly vector: Float32Array;
}

export interface SecondaryEmbedding {
  readonly id: string;
  readonly model: string;
  readonly embedding: Float32Array;
}

export interface SecondaryEmbeddingPage {
  readonly items: ReadonlyArray<{ readonly model: string; readonly memory: MemoryRecord; readonly embedding: Float32Array }>;
  readonly next: string | null;
}

export interface EmbeddingCoverage {
  readonly memories: number;
  readonly embedded: number;
}

/** A model as the store records it: its id (`name@version/dims`) and how to build it again. */
export interface EmbeddingModelSetting {
  readonly id: string;
  /** The registry name that resolves to this model (src/config/embedding-models.ts), e.g. `offline`. */
  readonly spec: string;
}

export interface EmbeddingState {
  readonly active: EmbeddingModelSetting | null;
  readonly previous: EmbeddingModelSetting | null;
  /** When the active model was switched to (epoch ms), null when never. */
  readonly switchedAt: number | null;
}

export interface SwitchResult {
  readonly switched: boolean;
  /** Memories without a vector in the target (0 when switched). */
  readonly missing: number;
  readonly state: EmbeddingState;
}

export interface ReembedCheckpoint {
  /** The listMemoriesToEmbed cursor the job had reached. */
  readonly cursor: string | null;
  /** Vectors written so far by this job. */
  readonly embedded: number;
  readonly startedAt: number;
  readonly updatedAt: number;
}

/** Whether a store implements re-embedding (duck-typed: the capability is optional). */
export function canReembed(store: object): store is ReembedStoreV1 {
  return typeof (store as Partial<ReembedStoreV1>).switchActiveModel === 'function';
}
