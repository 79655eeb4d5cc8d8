/**
 * Contract every embedding provider implements. Providers declare their limits;
 * batching, caching, retries and metrics live once in core (src/embeddings/embedder.ts).
 */
export interface EmbeddingModelV1 {
  readonly specificationVersion: 'v1';
  /** Provider family, e.g. `offline`, `openai-compatible`, `ollama`, `onnx`. */
  readonly provider: string;
  /** Model name, e.g. `strata-wordvec-sif`. Recorded on every stored vector. */
  readonly modelName: string;
  /** Model version; a change means vectors are not comparable with older ones. */
  readonly modelVersion: string;
  /** Length of every vector this model returns. */
  readonly dimensions: number;
  /** Largest number of texts one `embed` call accepts. */
  readonly maxEmbeddingsPerCall: number;
  /** Embeds texts; returns one L2-normalised vector per text, in order. */
  embed(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]>;
}

/** The identity recorded beside every vector: vectors of different ids never mix. */
export interface EmbeddingModelRef {
  readonly name: string;
  readonly version: string;
  readonly dims: number;
}

export function embeddingModelId(ref: EmbeddingModelRef): string {
  return `${ref.name}@${ref.version}/${ref.dims}`;
}
