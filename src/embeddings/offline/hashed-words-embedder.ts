import { invalidInput } from '../../errors/strata-error.js';
import type { EmbeddingModelV1 } from '../../spec/embedding-model.js';
import { hashVector } from './hash-vector.js';
import { tokenizeWords } from './tokenize-words.js';

/**
 * A second offline model, needing no asset: feature hashing of words (each token's hashed
 * pseudo-random direction, summed, L2-normalised). Purely lexical: texts sharing words are
 * close, synonyms are not. Useful as a distinct model for blue/green re-embedding (another
 * name and dimension than the word-vector default) and where the asset is unwanted.
 */
export class HashedWordsEmbedder implements EmbeddingModelV1 {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'offline';
  readonly modelName = 'strata-hashed-words';
  readonly modelVersion = '1';
  readonly maxEmbeddingsPerCall: number;
  /** Token directions computed lately (words repeat: most lookups hit). */
  readonly #tokens = new Map<string, Float32Array>();

  constructor(
    readonly dimensions = 256,
    options: { readonly maxEmbeddingsPerCall?: number } = {},
  ) {
    if (!Number.isInteger(dimensions) || dimensions < 8 || dimensions > 4096) {
      throw invalidInput('dimensions', 'dimensions must be an integer from 8 to 4096');
    }
    this.maxEmbeddingsPerCall = options.maxEmbeddingsPerCall ?? 512;
  }

  async embed(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    options.signal?.throwIfAborted();
    if (texts.length > this.maxEmbeddingsPerCall) {
      throw invalidInput('texts', `at most ${this.maxEmbeddingsPerCall} texts per call`, { count: texts.length });
    }
    return texts.map((text) => this.embedText(text));
  }

  embedText(text: string): Float32Array {
    const out = new Float32Array(this.dimensions);
    const tokens = tokenizeWords(text);
    // A text without words gets one fixed direction (never NaN).
    for (const token of tokens.length > 0 ? tokens : ['\u0000strata:empty-text']) {
      const direction = this.#direction(token);
      for (let d = 0; d < this.dimensions; d++) out[d] = (out[d] as number) + (direction[d] as number);
    }
    let sumSquares = 0;
    for (const value of out) sumSquares += value * value;
    const inverseNorm = 1 / Math.sqrt(sumSquares || 1);
    for (let d = 0; d < this.dimensions; d++) out[d] = (out[d] as number) * inverseNorm;
    return out;
  }

  #direction(token: string): Float32Array {
    let direction = this.#tokens.get(token);
    if (direction === undefined) {
      direction = hashVector(token, this.dimensions);
      if (this.#tokens.size >= TOKEN_CACHE) this.#tokens.clear();
      this.#tokens.set(token, direction);
    }
    return direction;
  }
}

const TOKEN_CACHE = 8192;
