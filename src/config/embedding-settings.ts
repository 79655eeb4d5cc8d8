import { z } from 'zod';

/** The providers a chain may name, in STRATA_EMBEDDING (`onnx,ollama:all-minilm,offline`). */
export const EMBEDDING_PROVIDERS = ['onnx', 'openai', 'ollama', 'offline'] as const;
export type EmbeddingProviderName = (typeof EMBEDDING_PROVIDERS)[number];

const ENTRY = /^(onnx|openai|ollama|offline)(?::(\S+))?$/;
const int = (what: string, min: number, max: number) =>
  z
    .int({ error: `embedding.${what} must be an integer from ${min} to ${max}` })
    .min(min, `embedding.${what} must be at least ${min}`)
    .max(max, `embedding.${what} must be at most ${max}`);
const url = (what: string, example: string) =>
  z.url({ protocol: /^https?$/, error: `embedding.${what} must be an http(s) URL, e.g. ${example}` });

const fields = {
  /** Providers in order of preference, `provider[:model]`; the first that loads and answers is used (see embedding-chain.ts). */
  chain: z
    .array(z.string().regex(ENTRY, `embedding.chain entries are provider[:model] with provider one of ${EMBEDDING_PROVIDERS.join(', ')}`), {
      error: 'embedding.chain must be a list like onnx,ollama,offline',
    })
    .min(1, 'embedding.chain must name at least one provider')
    .max(8),
  /** Model of the chain entries that name none (default per provider: Xenova/all-MiniLM-L6-v2, all-minilm, text-embedding-3-small). */
  model: z.string({ error: 'embedding.model must be a string' }).min(1, 'embedding.model must not be empty').max(256),
  /** OpenAI-compatible base URL, with its /v1 (STRATA_EMBEDDING_URL). */
  url: url('url', 'http://127.0.0.1:8080/v1'),
  /** Ollama server root (STRATA_OLLAMA_URL). */
  ollamaUrl: url('ollamaUrl', 'http://127.0.0.1:11434'),
  /** Bearer token of the remote providers (STRATA_EMBEDDING_API_KEY). */
  apiKey: z.string({ error: 'embedding.apiKey must be a string' }).min(1, 'embedding.apiKey must not be empty').max(4096),
  /** Declared dimensions of the remote model (checked by the probe). */
  dimensions: int('dimensions', 1, 65_536),
  /** Texts per provider call. */
  maxBatch: int('maxBatch', 1, 4096),
  /** Per HTTP request, ms. */
  timeoutMs: int('timeoutMs', 1, 600_000),
  /** Local ONNX models: `<modelDir>/<model id>/` (STRATA_MODEL_DIR). Default `<data>/models`. */
  modelDir: z.string({ error: 'embedding.modelDir must be a directory path' }).min(1, 'embedding.modelDir must not be empty'),
  /** Let the onnx provider download a missing model from the Hugging Face hub into modelDir (STRATA_ALLOW_MODEL_DOWNLOAD). */
  allowDownload: z.boolean({ error: 'embedding.allowDownload must be true or false' }),
};

/** One source's embedding settings (every field optional). */
export const EmbeddingSettingsLayerSchema = z.strictObject({
  chain: fields.chain.optional(),
  model: fields.model.optional(),
  url: fields.url.optional(),
  ollamaUrl: fields.ollamaUrl.optional(),
  apiKey: fields.apiKey.optional(),
  dimensions: fields.dimensions.optional(),
  maxBatch: fields.maxBatch.optional(),
  timeoutMs: fields.timeoutMs.optional(),
  modelDir: fields.modelDir.optional(),
  allowDownload: fields.allowDownload.optional(),
});

/** The merged embedding settings with defaults: the offline model alone unless a chain is given. */
export const EmbeddingSettingsSchema = EmbeddingSettingsLayerSchema.extend({
  chain: fields.chain.default(['offline']),
  allowDownload: fields.allowDownload.default(false),
}).superRefine((settings, context) => {
  const entries = settings.chain.map(parseChainEntry);
  if (entries.some((entry) => entry.provider === 'openai') && settings.url === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['url'],
      message: 'the chain names openai: set embedding.url (STRATA_EMBEDDING_URL), the base URL with its /v1, e.g. http://127.0.0.1:8080/v1',
    });
  }
  if (entries.some((entry) => entry.provider === 'offline' && entry.model !== undefined)) {
    context.addIssue({ code: 'custom', path: ['chain'], message: 'offline takes no model (it is the built-in word-vector model)' });
  }
  const offline = entries.findIndex((entry) => entry.provider === 'offline');
  if (offline !== -1 && offline < entries.length - 1) {
    context.addIssue({
      code: 'custom',
      path: ['chain'],
      message: 'offline always answers: entries after it would never be tried; put it last',
    });
  }
});

export type EmbeddingSettings = z.output<typeof EmbeddingSettingsSchema>;
export type EmbeddingSettingsInput = z.input<typeof EmbeddingSettingsSchema>;

export interface ChainEntry {
  readonly provider: EmbeddingProviderName;
  readonly model: string | undefined;
}

/** `ollama:all-minilm` -> { provider: 'ollama', model: 'all-minilm' } (the schema checked the form). */
export function parseChainEntry(entry: string): ChainEntry {
  const match = ENTRY.exec(entry.trim());
  return { provider: (match?.[1] ?? 'offline') as EmbeddingProviderName, model: match?.[2] };
}
