import { StrataError } from '../../errors/strata-error.js';
import type { EmbeddingModelV1 } from '../../spec/embedding-model.js';
import { probeDimensions } from './probe-dimensions.js';
import { checkBatch, malformed, RemoteEmbeddingClient, type RemoteEmbeddingOptions, unitVector } from './remote-embedding-client.js';

export type OpenAiCompatibleEmbeddingOptions = RemoteEmbeddingOptions;

/**
 * Embeddings over any OpenAI-compatible API: `POST {baseUrl}/embeddings` with
 * `{ model, input: [...], encoding_format: 'float' }`, answered `{ data: [{ index, embedding }] }`
 * (sorted here by index: servers may answer out of order). As with STRATA_SUMMARIZER_URL and the
 * OpenAI SDKs, baseUrl includes the API version: `https://api.openai.com/v1`, vLLM or LM Studio
 * `http://127.0.0.1:8000/v1`, text-embeddings-inference `http://127.0.0.1:8080/v1`, Ollama's
 * compatibility API `http://127.0.0.1:11434/v1`. Vectors are L2-normalised here (not every
 * server does). Create with createOpenAiCompatibleEmbeddingModel (probes the dimensions).
 */
export class OpenAiCompatibleEmbeddingModel implements EmbeddingModelV1 {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'openai-compatible';
  readonly modelName: string;
  readonly modelVersion: string;
  readonly maxEmbeddingsPerCall: number;
  readonly client: RemoteEmbeddingClient;
  readonly url: string;

  constructor(
    options: OpenAiCompatibleEmbeddingOptions,
    readonly dimensions: number,
  ) {
    this.client = new RemoteEmbeddingClient('openai-compatible', options);
    this.url = `${this.client.baseUrl}/embeddings`;
    this.modelName = options.model;
    this.modelVersion = options.modelVersion ?? '1';
    this.maxEmbeddingsPerCall = options.maxEmbeddingsPerCall ?? 32;
  }

  async embed(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    checkBatch(texts.length, this.maxEmbeddingsPerCall);
    const body = { model: this.modelName, input: [...texts], encoding_format: 'float' };
    let answer: { data?: unknown } | null;
    try {
      answer = (await this.client.postJson(this.url, body, options.signal)) as typeof answer;
    } catch (error) {
      throw this.explain404(error);
    }
    const data = answer?.data;
    if (!Array.isArray(data)) throw malformed(this.provider, this.url, 'has no data array');
    if (data.length !== texts.length) throw malformed(this.provider, this.url, `has ${data.length} embeddings for ${texts.length} inputs`);
    const out: Array<Float32Array | undefined> = new Array(texts.length);
    for (const item of data as Array<{ index?: unknown; embedding?: unknown } | null>) {
      const index = item?.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= texts.length || out[index] !== undefined) {
        throw malformed(this.provider, this.url, `has a missing, repeated or out-of-range index (${String(index)})`);
      }
      const vector = unitVector(item?.embedding);
      if (!vector) throw malformed(this.provider, this.url, `has an embedding that is not a non-zero array of numbers (index ${index})`);
      out[index] = vector;
    }
    return out as Float32Array[];
  }

  /** A 404 from a base URL without its version segment is the usual slip (`http://host:8080` for `http://host:8080/v1`). */
  private explain404(error: unknown): unknown {
    if (!(error instanceof StrataError) || error.details.status !== 404 || /\/v\d+$/.test(this.client.baseUrl)) return error;
    return new StrataError(
      'EMBEDDING_FAILED',
      `${error.message} (the base URL usually ends with the API version, e.g. ${this.client.baseUrl}/v1)`,
      {
        cause: error,
        details: error.details,
      },
    );
  }
}

export async function createOpenAiCompatibleEmbeddingModel(
  options: OpenAiCompatibleEmbeddingOptions,
): Promise<OpenAiCompatibleEmbeddingModel> {
  const dimensions = await probeDimensions(options, (dims) => new OpenAiCompatibleEmbeddingModel(options, dims));
  return new OpenAiCompatibleEmbeddingModel(options, dimensions);
}
