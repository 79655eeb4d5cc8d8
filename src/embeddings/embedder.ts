import { LRUCache } from 'lru-cache';
import { StrataError } from '../errors/strata-error.js';
import type { EmbeddingModelV1 } from '../spec/embedding-model.js';
import { embeddingModelId } from '../spec/embedding-model.js';
import { contentHash } from '../util/hash.js';

/** Where embeddings persist between processes (the store's embedding cache). */
export interface EmbeddingCacheStore {
  getCachedEmbeddings(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>>;
  putCachedEmbeddings(model: string, entries: ReadonlyMap<string, Float32Array>): Promise<void>;
}

export interface EmbedderOptions {
  /** Entries kept in process. */
  readonly memoryCacheSize?: number;
  /** Also cache in the store. Default: on for remote providers, off for the offline one (recomputing is cheaper than a lookup). */
  readonly persistentCache?: boolean;
  /** Told of every cache lookup and provider call (metrics). */
  readonly observer?: EmbedderObserver;
}

/** What the embedder reports (the Prometheus metrics implement it). */
export interface EmbedderObserver {
  cacheLookup(cache: 'embedding', hits: number, misses: number): void;
  embeddingCall(texts: number, seconds: number, ok: boolean): void;
}

export interface EmbedderStats {
  calls: number;
  texts: number;
  cacheHits: number;
  cacheMisses: number;
}

/**
 * Core's side of embedding: batches to the provider's limit, caches by content hash and
 * model, checks every vector's dimension. Providers only declare limits and embed.
 */
export class Embedder {
  readonly modelId: string;
  readonly stats: EmbedderStats = { calls: 0, texts: 0, cacheHits: 0, cacheMisses: 0 };
  private readonly memory: LRUCache<string, Float32Array>;
  private readonly persistent: boolean;
  private readonly observer: EmbedderObserver | undefined;

  constructor(
    readonly model: EmbeddingModelV1,
    private readonly store: EmbeddingCacheStore | null,
    options: EmbedderOptions = {},
  ) {
    this.modelId = embeddingModelId({ name: model.modelName, version: model.modelVersion, dims: model.dimensions });
    this.memory = new LRUCache({ max: options.memoryCacheSize ?? 10_000 });
    this.observer = options.observer;
    this.persistent = (options.persistentCache ?? model.provider !== 'offline') && store !== null;
  }

  get dimensions(): number {
    return this.model.dimensions;
  }

  async embedOne(text: string): Promise<Float32Array> {
    const [vector] = await this.embed([text]);
    return vector as Float32Array;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const hashes = texts.map(contentHash);
    const out: Array<Float32Array | undefined> = hashes.map((hash) => this.memory.get(hash));
    let missing = indexesOf(out);
    if (missing.length > 0 && this.persistent && this.store) {
      const stored = await this.store.getCachedEmbeddings(this.modelId, [...new Set(missing.map((i) => hashes[i] as string))]);
      for (const i of missing) {
        const hit = stored.get(hashes[i] as string);
        if (hit) {
          out[i] = hit;
          this.memory.set(hashes[i] as string, hit);
        }
      }
      missing = indexesOf(out);
    }
    this.stats.cacheHits += texts.length - missing.length;
    this.stats.cacheMisses += missing.length;
    this.observer?.cacheLookup('embedding', texts.length - missing.length, missing.length);
    if (missing.length > 0) {
      const fresh = new Map<string, Float32Array>();
      const step = Math.max(1, this.model.maxEmbeddingsPerCall);
      for (let start = 0; start < missing.length; start += step) {
        const slice = missing.slice(start, start + step);
        let vectors: Float32Array[];
        const started = performance.now();
        try {
          this.stats.calls += 1;
          this.stats.texts += slice.length;
          vectors = await this.model.embed(slice.map((i) => texts[i] as string));
          this.observer?.embeddingCall(slice.length, (performance.now() - started) / 1000, true);
        } catch (cause) {
          this.observer?.embeddingCall(slice.length, (performance.now() - started) / 1000, false);
          if (cause instanceof StrataError) throw cause;
          throw new StrataError('EMBEDDING_FAILED', `embedding provider ${this.model.provider} failed`, { cause });
        }
        if (vectors.length !== slice.length) {
          throw new StrataError('EMBEDDING_FAILED', `provider returned ${vectors.length} vectors for ${slice.length} texts`);
        }
        slice.forEach((textIndex, j) => {
          const vector = vectors[j] as Float32Array;
          this.checkDimensions(vector);
          const hash = hashes[textIndex] as string;
          out[textIndex] = vector;
          this.memory.set(hash, vector);
          fresh.set(hash, vector);
        });
      }
      if (this.persistent && this.store) await this.store.putCachedEmbeddings(this.modelId, fresh);
    }
    return out as Float32Array[];
  }

  checkDimensions(vector: Float32Array): void {
    if (vector.length !== this.model.dimensions) {
      throw new StrataError(
        'DIMENSION_MISMATCH',
        `vector has ${vector.length} dimensions; model ${this.modelId} has ${this.model.dimensions}`,
        { details: { expected: this.model.dimensions, actual: vector.length, model: this.modelId } },
      );
    }
    for (let i = 0; i < vector.length; i++) {
      if (!Number.isFinite(vector[i])) {
        throw new StrataError('EMBEDDING_FAILED', `provider returned a non-finite value in a vector`, {
          details: { model: this.modelId },
        });
      }
    }
  }
}

function indexesOf(values: ReadonlyArray<Float32Array | undefined>): number[] {
  const missing: number[] = [];
  values.forEach((value, i) => {
    if (value === undefined) missing.push(i);
  });
  return missing;
}
