import { StrataError } from '../errors/strata-error.js';
import type { EmbeddingModelV1 } from '../spec/embedding-model.js';
import type { EmbeddingWiring } from './embedding-from-settings.js';
import type { EmbeddingSettingsInput } from './embedding-settings.js';

/** What a model factory may use: provider settings (default: the environment's) and their wiring. */
export interface EmbeddingModelContext {
  /** STRATA_EMBEDDING_URL, API key, model dir... as createMemory's `embedding` settings; default from process.env. */
  readonly settings?: EmbeddingSettingsInput | undefined;
  readonly wiring?: EmbeddingWiring | undefined;
}

/** Builds a model by its registry name; providers load lazily (`import()`) inside. */
export type EmbeddingModelFactory = (context: EmbeddingModelContext) => Promise<EmbeddingModelV1>;

/**
 * Embedding models by name, as `strata reembed --model NAME` and the store's active-model row
 * (src/spec/reembed-store.ts, `spec`) name them: the built-in offline ones here, and every
 * provider chain entry (`onnx[:model]`, `ollama:model`, `openai:model`, `offline`: see
 * embedding-settings.ts), which resolves to exactly that provider and model (no fallback: a
 * re-embedding target must be the model it names). Others may be added with registerEmbeddingModel.
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
    async () => {
      const { HashedWordsEmbedder } = await import('../embeddings/offline/hashed-words-embedder.js');
      return new HashedWordsEmbedder();
    },
  ],
]);

const CHAIN_ENTRY = /^(onnx|openai|ollama)(?::\S+)?$/;

export function registerEmbeddingModel(name: string, factory: EmbeddingModelFactory): void {
  MODELS.set(name, factory);
}

export function embeddingModelNames(): string[] {
  return [...MODELS.keys(), 'onnx[:model]', 'ollama:model', 'openai:model'].sort();
}

/** The model a name stands for; INVALID_CONFIG for a name no one registered (or a provider that does not load). */
export async function resolveEmbeddingModel(name: string, context: EmbeddingModelContext = {}): Promise<EmbeddingModelV1> {
  const factory = MODELS.get(name);
  if (factory) return factory(context);
  if (CHAIN_ENTRY.test(name)) {
    const { embeddingFromSettings, embeddingSettingsFromEnv, parseEmbeddingSettings } = await import('./embedding-from-settings.js');
    const base = context.settings ?? embeddingSettingsFromEnv(process.env);
    const choice = await embeddingFromSettings(parseEmbeddingSettings({ ...base, chain: [name] }), context.wiring);
    return choice.model;
  }
  throw new StrataError('INVALID_CONFIG', `unknown embedding model ${name}; known: ${embeddingModelNames().join(', ')}`, {
    details: { model: name },
  });
}
