import { StrataError } from '../../errors/strata-error.js';
import type { EmbeddingModelV1 } from '../../spec/embedding-model.js';
import { probeDimensions } from './probe-dimensions.js';
import { checkBatch, malformed, RemoteEmbeddingClient, type RemoteEmbeddingOptions, unitVector } from './remote-embedding-client.js';

export const DEFAULT_OLLAMA_URL = 'http://127.0.0.1:11434';

export type OllamaEmbeddingOptions = RemoteEmbeddingOptions;

/**
 * Ollama's native batch API: `POST {baseUrl}/api/embed` with `{ model, input: [...] }`,
 * answered `{ embeddings: [[...], ...] }` in input order (Ollama 0.3.4 and later; the older
 * `/api/embeddings` takes one `prompt` per request and is not used). baseUrl is the server
 * root, default http://127.0.0.1:11434. A 404 says whether the model is not pulled or the
 * server predates /api/embed.
 */
export class OllamaEmbeddingModel implements EmbeddingModelV1 {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'ollama';
  readonly modelName: string;
  readonly modelVersion: string;
  readonly maxEmbeddingsPerCall: number;
  readonly client: RemoteEmbeddingClient;
  readonly url: string;

  constructor(
    options: OllamaEmbeddingOptions,
    readonly dimensions: number,
  ) {
    this.client = new RemoteEmbeddingClient('ollama', options);
    this.url = `${this.client.baseUrl}/api/embed`;
    this.modelName = options.model;
    this.modelVersion = options.modelVersion ?? '1';
    this.maxEmbeddingsPerCall = options.maxEmbeddingsPerCall ?? 32;
  }

  async embed(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    checkBatch(texts.length, this.maxEmbeddingsPerCall);
    let answer: { embeddings?: unknown } | null;
    try {
      answer = (await this.client.postJson(this.url, { model: this.modelName, input: [...texts] }, options.signal)) as typeof answer;
    } catch (error) {
      throw explain404(error, this.modelName);
    }
    const embeddings = answer?.embeddings;
    if (!Array.isArray(embeddings)) throw malformed(this.provider, this.url, 'has no embeddings array');
    if (embeddings.length !== texts.length)
      throw malformed(this.provider, this.url, `has ${embeddings.length} embeddings for ${texts.length} inputs`);
    return embeddings.map((embedding: unknown, i) => {
      const vector = unitVector(embedding);
      if (!vector) throw malformed(this.provider, this.url, `has an embedding that is not a non-zero array of numbers (input ${i})`);
      return vector;
    });
  }
}

/** Ollama's 404s: a model that is not pulled (`{"error":"model \"x\" not found, try pulling it first"}`), or no /api/embed at all. */
function explain404(error: unknown, model: string): unknown {
  if (!(error instanceof StrataError) || error.details.status !== 404) return error;
  const body = String(error.details.body ?? '');
  const notPulled = /model .*not found|try pulling/i.test(body);
  return new StrataError(
    'EMBEDDING_FAILED',
    notPulled
      ? `ollama has no model ${model}: run \`ollama pull ${model}\``
      : 'ollama answered 404 for /api/embed: Ollama before 0.3.4 lacks it (upgrade), or the URL is not an Ollama server root',
    { cause: error, details: { ...error.details, reason: notPulled ? 'model_not_pulled' : 'no_embed_api' } },
  );
}

export async function createOllamaEmbeddingModel(options: OllamaEmbeddingOptions): Promise<OllamaEmbeddingModel> {
  const dimensions = await probeDimensions(options, (dims) => new OllamaEmbeddingModel(options, dims));
  return new OllamaEmbeddingModel(options, dimensions);
}
