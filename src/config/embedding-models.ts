import { StrataError } from '../errors/strata-error.js';
import type { EmbeddingModelV1 } from '../spec/embedding-model.js';

/** Settings a model factory may read (the environment for the CLI and `strata serve`). */
export type EmbeddingModelSettings = Readonly<Record<string, string | undefined>>;

/** Builds a model by its registry name; providers load lazily (`import()`) inside. */
export type EmbeddingModelFactory = (settings: EmbeddingModelSettings) => Promise<EmbeddingModelV1>;

/**
 * Embedding models by name, as `strata reembed --model NAME` and the store's active-model row
 * (src/spec/reembed-store.ts, `spec`) name them. Providers add theirs with registerEmbeddingModel.
 */
const MODELS = new Map<string, EmbeddingModelFactory>([
  [
    'offline',
    async () => {
      const { createWordVectorEmbedder } = await import('../embeddings/offline/word-vector-embedder.js');
      return createWordVectorEmbedder();
    },
  ],
  [
    'offline-hashed',
    async (settings) => {
      const { HashedWordsEmbedder } = await import('../embeddings/offline/hashed-words-embedder.js');
      const dims = settings.STRATA_HASHED_DIMS === undefined ? undefined : Number(settings.STRATA_HASHED_DIMS);
      return new HashedWordsEmbedder(dims);
    },
  ],
]);

/** The default model's name (the offline word-vector embedder). */
export const DEFAULT_EMBEDDING_MODEL = 'offline';

export function registerEmbeddingModel(name: string, factory: EmbeddingModelFactory): void {
  MODELS.set(name, factory);
}

export function embeddingModelNames(): string[] {
  return [...MODELS.keys()].sort();
}

/** The model a name stands for; INVALID_CONFIG for a name no one registered. */
export async function resolveEmbeddingModel(name: string, settings: EmbeddingModelSettings = {}): Promise<EmbeddingModelV1> {
  const factory = MODELS.get(name);
  if (!factory) {
    throw new StrataError('INVALID_CONFIG', `unknown embedding model ${name}; known: ${embeddingModelNames().join(', ')}`, {
      details: { model: name },
    });
  }
  return factory(settings);
}
