import { createWordVectorEmbedder } from '../../src/embeddings/offline/word-vector-embedder.js';
import type { EmbeddingModelV1 } from '../../src/spec/embedding-model.js';

export type Breakage = 'none' | 'wrong-dimensions' | 'throws' | 'non-finite' | 'wrong-count';

/**
 * A DELIBERATELY BROKEN embedding provider, for error-path tests only (no real provider can be
 * made to misbehave on demand). It wraps the real offline embedder and, while `breakage` is not
 * `none`, returns vectors of the wrong length, throws, returns NaN, or returns too few vectors.
 */
export class BrokenProvider implements EmbeddingModelV1 {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'test-double';
  readonly modelName = 'deliberately-broken';
  readonly modelVersion = '1';
  readonly dimensions: number;
  readonly maxEmbeddingsPerCall: number;
  breakage: Breakage = 'none';
  calls = 0;

  private constructor(private readonly real: EmbeddingModelV1) {
    this.dimensions = real.dimensions;
    this.maxEmbeddingsPerCall = real.maxEmbeddingsPerCall;
  }

  static async create(): Promise<BrokenProvider> {
    return new BrokenProvider(await createWordVectorEmbedder());
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls++;
    const vectors = await this.real.embed(texts);
    switch (this.breakage) {
      case 'none':
        return vectors;
      case 'wrong-dimensions':
        return vectors.map((vector) => vector.slice(0, this.dimensions - 1));
      case 'throws':
        throw new Error('provider is down (deliberately)');
      case 'non-finite':
        return vectors.map((vector) => vector.map((x, i) => (i === 0 ? Number.NaN : x)));
      case 'wrong-count':
        return vectors.slice(1);
    }
  }
}
