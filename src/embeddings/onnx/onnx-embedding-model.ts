import { isAbsolute, join, resolve } from 'node:path';
import { StrataError } from '../../errors/strata-error.js';
import type { EmbeddingModelV1 } from '../../spec/embedding-model.js';
import { type FeatureExtractor, loadTransformers, type TransformersModule } from './load-transformers.js';
import { missingModelFiles, type OnnxDtype, requiredModelFiles, weightsVersion } from './model-files.js';

export const DEFAULT_ONNX_MODEL = 'Xenova/all-MiniLM-L6-v2';

export interface OnnxEmbeddingOptions {
  /** Model id: a folder `modelDir/<modelId>` (and the hub repo when downloads are allowed). Default Xenova/all-MiniLM-L6-v2. */
  readonly modelId?: string | undefined;
  /** Where local models live (STRATA_MODEL_DIR): `<modelDir>/<modelId>/config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx`. */
  readonly modelDir: string;
  /**
   * Fetch a model that is not in modelDir from the Hugging Face hub (STRATA_ALLOW_MODEL_DOWNLOAD=1),
   * into modelDir itself (the hub cache has the same layout), so the next start is offline. Default false.
   */
  readonly allowDownload?: boolean | undefined;
  /** Weights file: fp32 = onnx/model.onnx, q8 = onnx/model_quantized.onnx, ... Default fp32. */
  readonly dtype?: OnnxDtype | undefined;
  /** Texts per ONNX run. Default 32. */
  readonly maxEmbeddingsPerCall?: number | undefined;
  /** transformers.js loader (tests point it at a package that is not installed). */
  readonly transformers?: (() => Promise<TransformersModule>) | undefined;
}

/** transformers.js keeps its paths in one global `env`: loads are serialised so two models' settings never cross. */
let loading: Promise<unknown> = Promise.resolve();

/**
 * A local sentence-embedding model run by transformers.js on onnxruntime-node (CPU): its
 * feature-extraction pipeline tokenizes (padding to the longest text of the batch, truncating
 * to model_max_length), runs the ONNX graph, mean-pools last_hidden_state over the attention
 * mask (so padding never changes a text's vector) and L2-normalises. Created by
 * createOnnxEmbeddingModel, which loads the model and embeds one probe text: dimensions are
 * those of the model's output (config.json hidden_size for BERT-like models).
 */
export class OnnxEmbeddingModel implements EmbeddingModelV1 {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'onnx';

  constructor(
    readonly modelName: string,
    readonly modelVersion: string,
    readonly dimensions: number,
    readonly maxEmbeddingsPerCall: number,
    private readonly extractor: FeatureExtractor,
  ) {}

  async embed(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    if (texts.length > this.maxEmbeddingsPerCall) {
      throw new StrataError('EMBEDDING_FAILED', `${texts.length} texts in one call; this model takes at most ${this.maxEmbeddingsPerCall}`);
    }
    // An ONNX run cannot be interrupted: a call aborted before it starts does not run.
    options.signal?.throwIfAborted();
    return rows(await this.extractor([...texts], { pooling: 'mean', normalize: true }), texts.length, this.modelName);
  }
}

export async function createOnnxEmbeddingModel(options: OnnxEmbeddingOptions): Promise<OnnxEmbeddingModel> {
  const modelId = options.modelId ?? DEFAULT_ONNX_MODEL;
  const dtype = options.dtype ?? 'fp32';
  const batch = options.maxEmbeddingsPerCall ?? 32;
  if (!Number.isInteger(batch) || batch < 1) {
    throw new StrataError('INVALID_CONFIG', 'onnx maxEmbeddingsPerCall must be a whole number >= 1', {
      details: { field: 'maxEmbeddingsPerCall' },
    });
  }
  if (isAbsolute(modelId) || modelId.split('/').some((part) => part === '..' || part === '')) {
    throw new StrataError('INVALID_CONFIG', `onnx model id "${modelId}" must be a hub-style id like ${DEFAULT_ONNX_MODEL}`, {
      details: { field: 'modelId' },
    });
  }
  const modelDir = resolve(options.modelDir);
  const folder = join(modelDir, modelId);
  const allowDownload = options.allowDownload ?? false;
  const missing = missingModelFiles(folder, dtype);
  if (missing.length > 0 && !allowDownload) throw modelMissing(modelId, folder, dtype, missing, false);
  const transformers = await (options.transformers ?? loadTransformers)();
  const extractor = await serialised(async () => {
    const { env } = transformers;
    env.localModelPath = `${modelDir}/`;
    env.allowLocalModels = true;
    env.allowRemoteModels = allowDownload;
    env.cacheDir = modelDir;
    try {
      return await transformers.pipeline('feature-extraction', modelId, {
        dtype,
        device: 'cpu',
        local_files_only: !allowDownload,
        cache_dir: modelDir,
      });
    } catch (cause) {
      if (allowDownload) throw modelMissing(modelId, folder, dtype, missingModelFiles(folder, dtype), true, cause);
      throw new StrataError('EMBEDDING_FAILED', `onnx model ${modelId} in ${folder} does not load: ${(cause as Error).message}`, {
        cause,
        details: { provider: 'onnx', model: modelId, folder },
      });
    }
  });
  const [probe] = rows(await extractor(['dimension probe'], { pooling: 'mean', normalize: true }), 1, modelId);
  const version = `${dtype}-${await weightsVersion(join(folder, requiredModelFiles(dtype)[3] as string))}`;
  return new OnnxEmbeddingModel(modelId, version, (probe as Float32Array).length, batch, extractor);
}

function serialised<T>(work: () => Promise<T>): Promise<T> {
  const run = loading.then(work, work);
  loading = run.catch(() => undefined);
  return run;
}

/** The pooled [n, dims] tensor as n vectors (copies: the tensor's buffer is reused by nothing of ours). */
function rows(tensor: { readonly dims: readonly number[]; readonly data: unknown }, expected: number, model: string): Float32Array[] {
  const [count, dims] = tensor.dims;
  if (!(tensor.data instanceof Float32Array) || tensor.dims.length !== 2 || count !== expected || dims === undefined || dims < 1) {
    throw new StrataError(
      'EMBEDDING_FAILED',
      `onnx model ${model} returned a tensor of shape [${tensor.dims.join(', ')}], not [${expected}, dims]`,
      {
        details: { provider: 'onnx', model },
      },
    );
  }
  const data = tensor.data;
  return Array.from({ length: count }, (_, i) => data.slice(i * dims, (i + 1) * dims));
}

function modelMissing(
  modelId: string,
  folder: string,
  dtype: OnnxDtype,
  missing: string[],
  downloadTried: boolean,
  cause?: unknown,
): StrataError {
  const files = requiredModelFiles(dtype);
  const how = downloadTried
    ? `the download from the Hugging Face hub (repo ${modelId}) failed${cause ? `: ${(cause as Error).message}` : ''}; copy the files there by hand`
    : `download ${files.join(', ')} of the Hugging Face hub repo ${modelId} into that folder, or set STRATA_ALLOW_MODEL_DOWNLOAD=1 to let Strata fetch them there once`;
  return new StrataError(
    'EMBEDDING_MODEL_MISSING',
    `onnx embedding model ${modelId} is not in ${folder}${missing.length > 0 ? ` (missing ${missing.join(', ')})` : ''}: ${how}`,
    {
      ...(cause === undefined ? {} : { cause }),
      details: { provider: 'onnx', model: modelId, folder, missing, files, downloadAllowed: downloadTried },
    },
  );
}
