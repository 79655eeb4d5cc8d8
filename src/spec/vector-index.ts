import type { MemoryFilter, ScoredId } from './memory-store.js';
import type { MemoryKind } from './records.js';

/**
 * An external semantic index (Qdrant, ...) that mirrors the memories of a durable store which
 * holds the truth. It speaks in memory operations: one collection per embedding model, reached
 * through the model's alias so that a re-embedding can be built beside the live collection and
 * switched to atomically (blue/green). Everything it holds can be rebuilt from the durable store.
 */
export interface VectorIndexV1 {
  readonly specificationVersion: 'v1';
  /** Backend family, e.g. `qdrant`. */
  readonly provider: string;

  /** Checks that the backend answers (no collection is created). Called once before any other method. */
  open(): Promise<void>;
  close(): Promise<void>;

  /**
   * The live collection of a model: creates it (cosine, payload indexes) and points the model's
   * alias at it when the alias does not exist yet. Idempotent. A model whose live collection
   * holds vectors of other dimensions is refused with DIMENSION_MISMATCH.
   */
  ensureCollection(model: VectorModel): Promise<VectorCollection>;
  /** The model's alias and the collection it points at, or null when the model has none. */
  describe(model: string): Promise<VectorCollection | null>;
  /** Every collection of this index (live or not), with the aliases that point at each. */
  listCollections(): Promise<VectorCollectionInfo[]>;

  /**
   * Inserts or replaces points (by tenant and memory id) in the model's live collection, or in
   * `target.collection` (a collection being built for a switch). Every vector must have the
   * collection's dimensions (else DIMENSION_MISMATCH, and nothing is written).
   */
  upsert(model: string, points: readonly VectorPoint[], target?: VectorTarget): Promise<void>;
  /** Removes these memories of the tenant from every collection of the index. */
  deleteByIds(tenantId: string, ids: readonly string[]): Promise<void>;
  /** Removes every point of the user from every collection of the index (erase). */
  deleteUser(tenantId: string, userId: string): Promise<void>;

  /**
   * Cosine similarity (higher is closer) of the memories matching the filter, best first, at most
   * k. Superseded or expired memories are left out unless `filter.includeSuperseded`. A model
   * without a collection has no hits.
   */
  search(model: string, vector: Float32Array, filter: MemoryFilter, k: number, target?: VectorTarget): Promise<ScoredId[]>;
  /** How many points match the filter (same rules as search). */
  count(model: string, filter: MemoryFilter, target?: VectorTarget): Promise<number>;

  /**
   * Creates a new, empty collection for the model beside the live one (same payload indexes),
   * not yet reachable through the alias. Returns its name.
   */
  createCollection(model: VectorModel): Promise<string>;
  /**
   * Points the model's alias at `collection` in one atomic operation (readers see either the
   * old or the new collection, never none). Returns the collection it pointed at before.
   */
  switchAlias(model: string, collection: string): Promise<{ previous: string | null }>;
  /** Deletes a collection that no alias points at (refused with INVALID_INPUT while one does). */
  dropCollection(collection: string): Promise<void>;
}

/** An embedding model as the index sees it: its id (`name@version/dims`) and vector length. */
export interface VectorModel {
  readonly name: string;
  readonly dims: number;
}

export interface VectorCollection {
  readonly model: string;
  /** The stable name readers and writers use (e.g. `strata_<model>`). */
  readonly alias: string;
  /** The physical collection the alias points at now. */
  readonly collection: string;
  readonly dims: number;
}

export interface VectorCollectionInfo {
  readonly collection: string;
  /** The embedding model recorded with the collection, when it can be read back. */
  readonly model: string | null;
  readonly dims: number;
  readonly points: number;
  readonly aliases: readonly string[];
  /** Payload fields that have an index. */
  readonly indexedFields: readonly string[];
}

/** Writes or reads a named collection instead of the model's live one (blue/green builds). */
export interface VectorTarget {
  readonly collection?: string | undefined;
}

/** One memory's vector and the fields a MemoryFilter can select on. */
export interface VectorPoint {
  readonly id: string;
  readonly vector: Float32Array;
  readonly payload: VectorPayload;
}

export interface VectorPayload {
  readonly tenantId: string;
  readonly userId: string;
  /** `''` when the memory has none (a filter with `agentId: ''` selects those). Likewise namespace. */
  readonly agentId: string;
  readonly namespace: string;
  readonly sessionId: string | null;
  readonly kind: MemoryKind;
  readonly tags: readonly string[];
  readonly contentHash: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms after which the memory no longer holds; null = open-ended. */
  readonly validTo: number | null;
  readonly superseded: boolean;
}
