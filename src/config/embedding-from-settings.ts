import { join } from 'node:path';
import type { EmbeddingCandidate, EmbeddingChoice } from '../embeddings/embedding-chain.js';
import type { RemoteEmbeddingOptions } from '../embeddings/remote/remote-embedding-client.js';
import { StrataError } from '../errors/strata-error.js';
import type { CircuitBreaker } from '../resilience/breaker.js';
import {
  type ChainEntry,
  type EmbeddingSettings,
  type EmbeddingSettingsInput,
  EmbeddingSettingsSchema,
  parseChainEntry,
} from './embedding-settings.js';
import { EMBEDDING_ENV, loadSettings, SettingsError } from './load-settings.js';

export const DEFAULT_MODELS = { onnx: 'Xenova/all-MiniLM-L6-v2', ollama: 'all-minilm', openai: 'text-embedding-3-small' } as const;

export interface EmbeddingWiring {
  /** Where `modelDir` defaults to `<dataDir>/models`; without either, `./models`. */
  readonly dataDir?: string | undefined;
  /**
   * The `embedding` breaker of the remote providers, asked for only when one is chosen: a probe
   * runs without it, so that candidates passed over leave no breaker (nor its gauge) behind.
   */
  readonly breaker?: (() => CircuitBreaker | undefined) | undefined;
}

/** Validates embedding settings given in code (createMemory's `embedding: { chain: [...] }`); INVALID_CONFIG lists every problem. */
export function parseEmbeddingSettings(input: EmbeddingSettingsInput): EmbeddingSettings {
  const result = EmbeddingSettingsSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `embedding.${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new StrataError('INVALID_CONFIG', `invalid embedding settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
    details: { problems },
  });
}

/** The chain's candidates; each provider's code (and transformers.js) is imported only when its turn comes. */
export function embeddingCandidates(settings: EmbeddingSettings, wiring: EmbeddingWiring = {}): EmbeddingCandidate[] {
  const remote: Omit<RemoteEmbeddingOptions, 'baseUrl' | 'model'> = {
    apiKey: settings.apiKey,
    timeoutMs: settings.timeoutMs,
    maxEmbeddingsPerCall: settings.maxBatch,
    dimensions: settings.dimensions,
  };
  return settings.chain.map((raw) => candidateFor(parseChainEntry(raw), settings, wiring, remote));
}

function candidateFor(
  entry: ChainEntry,
  settings: EmbeddingSettings,
  wiring: EmbeddingWiring,
  remote: Omit<RemoteEmbeddingOptions, 'baseUrl' | 'model'>,
): EmbeddingCandidate {
  switch (entry.provider) {
    case 'offline':
      return {
        name: 'offline',
        create: async () => (await import('../embeddings/offline/word-vector-embedder.js')).createWordVectorEmbedder(),
      };
    case 'onnx': {
      const model = entry.model ?? settings.model ?? DEFAULT_MODELS.onnx;
      return {
        name: `onnx:${model}`,
        create: async () =>
          (await import('../embeddings/onnx/onnx-embedding-model.js')).createOnnxEmbeddingModel({
            modelId: model,
            modelDir: settings.modelDir ?? (wiring.dataDir === undefined ? 'models' : join(wiring.dataDir, 'models')),
            allowDownload: settings.allowDownload,
            maxEmbeddingsPerCall: settings.maxBatch,
          }),
      };
    }
    case 'ollama': {
      const model = entry.model ?? settings.model ?? DEFAULT_MODELS.ollama;
      return {
        name: `ollama:${model}`,
        create: async () => {
          const { createOllamaEmbeddingModel, DEFAULT_OLLAMA_URL, OllamaEmbeddingModel } = await import(
            '../embeddings/remote/ollama-embedding-model.js'
          );
          const options = { ...remote, baseUrl: settings.ollamaUrl ?? DEFAULT_OLLAMA_URL, model };
          const probed = await createOllamaEmbeddingModel(options);
          return new OllamaEmbeddingModel({ ...options, breaker: wiring.breaker?.() }, probed.dimensions);
        },
      };
    }
    case 'openai': {
      const model = entry.model ?? settings.model ?? DEFAULT_MODELS.openai;
      return {
        name: `openai:${model}`,
        create: async () => {
          const { createOpenAiCompatibleEmbeddingModel, OpenAiCompatibleEmbeddingModel } = await import(
            '../embeddings/remote/openai-compatible-embedding-model.js'
          );
          const options = { ...remote, baseUrl: settings.url ?? '', model };
          const probed = await createOpenAiCompatibleEmbeddingModel(options);
          return new OpenAiCompatibleEmbeddingModel({ ...options, breaker: wiring.breaker?.() }, probed.dimensions);
        },
      };
    }
  }
}

/**
 * The embedding settings of the environment (STRATA_EMBEDDING, STRATA_EMBEDDING_URL, ...: EMBEDDING_ENV),
 * checked by loadSettings exactly as for `strata serve`; problems are INVALID_CONFIG listing each.
 */
export function embeddingSettingsFromEnv(env: NodeJS.ProcessEnv): EmbeddingSettings {
  const picked = Object.fromEntries(EMBEDDING_ENV.flatMap(({ name }) => (env[name] === undefined ? [] : [[name, env[name]]])));
  try {
    return loadSettings({ env: picked }).embedding;
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    throw new StrataError('INVALID_CONFIG', error.message, { details: { problems: [...error.problems] } });
  }
}

/** Picks the chain's model (createEmbeddingChain: the first that answers, once, at startup). */
export async function embeddingFromSettings(settings: EmbeddingSettings, wiring: EmbeddingWiring = {}): Promise<EmbeddingChoice> {
  const { createEmbeddingChain } = await import('../embeddings/embedding-chain.js');
  return createEmbeddingChain(embeddingCandidates(settings, wiring));
}

/**
 * What createMemory's `embedding` gets from validated settings: undefined for the default chain
 * (the offline model alone, loaded as before), else the settings with modelDir defaulting to
 * `<dataDir>/models`.
 */
export function embeddingOption(settings: EmbeddingSettings, dataDir: string): EmbeddingSettingsInput | undefined {
  if (settings.chain.length === 1 && settings.chain[0] === 'offline') return undefined;
  return { ...settings, modelDir: settings.modelDir ?? join(dataDir, 'models') };
}

/**
 * For `strata serve --workers N`: the primary runs the chain once and pins its choice for every
 * worker (STRATA_EMBEDDING set to the chosen entry alone), so that the workers of one store never
 * choose different models when a provider is flaky at start; a worker whose pinned provider then
 * fails does not start. Empty for the default (offline) chain.
 */
export async function workerEmbeddingEnv(settings: EmbeddingSettings, dataDir: string): Promise<Record<string, string>> {
  const option = embeddingOption(settings, dataDir);
  if (option === undefined) return {};
  const choice = await embeddingFromSettings(parseEmbeddingSettings(option), { dataDir });
  return { STRATA_EMBEDDING: choice.chosen };
}
