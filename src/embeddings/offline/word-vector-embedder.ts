import { invalidInput, StrataError } from '../../errors/strata-error.js';
import type { EmbeddingModelV1 } from '../../spec/embedding-model.js';
import { fnv1a, hashVector } from './hash-vector.js';
import { tokenizeWords } from './tokenize-words.js';
import { DEFAULT_WORD_VECTOR_DIR, loadWordVectorTable, readWordVectorManifest, type WordVectorTable } from './word-vector-table.js';

/**
 * The offline default embedder: SIF sentence embeddings (Arora et al. 2017) over public
 * pre-trained word vectors. Each token's vector is weighted a / (a + p(w)); tokens outside
 * the vocabulary get a hashed pseudo-random direction weighted like the rarest word; the
 * common component is removed and the result L2-normalised. No network, no GPU, ~12 MB.
 *
 * A text with no usable token (empty, punctuation, single letters) embeds to one fixed unit
 * vector: the common component when it is removed (so it is orthogonal to every other
 * embedding), otherwise a fixed hashed direction. Output never contains NaN.
 */
export interface WordVectorEmbedderOptions {
  /** `sif`: weight a / (a + p(w)); `mean`: every token weighs 1. Default `sif`. */
  readonly weighting?: 'sif' | 'mean';
  /** SIF's `a`. Default 1e-4 (see scripts/eval-embedder.ts). */
  readonly sifA?: number;
  /** Project out the asset's common component. Default true. */
  readonly removeCommonComponent?: boolean;
  /**
   * Weight of an out-of-vocabulary token's hashed vector, relative to the rarest known word
   * (1 = as heavy as a rare word, 0 = OOV tokens ignored). Default 1.
   */
  readonly oovWeight?: number;
  /** Weight of a number token's hashed vector, on the same scale (0 = numbers ignored). Default 0.25. */
  readonly numberWeight?: number;
  /** Also emit unknown multi-part identifiers whole (see tokenizeWords). Default true. */
  readonly compounds?: boolean;
  /** Normalise each word vector before weighting (ignores GloVe's norms). Default false. */
  readonly unitWordVectors?: boolean;
  /**
   * Domain prior: p(w) for words far more common in agent transcripts than in the news text
   * the probabilities come from. Default: `user` and `assistant` (role prefixes) at 0.02.
   */
  readonly probabilityOverrides?: Readonly<Record<string, number>>;
  /** Words skipped entirely. Default none. */
  readonly stopWords?: readonly string[];
  /** Largest batch one `embed` call accepts. Default 512. */
  readonly maxEmbeddingsPerCall?: number;
  /** Directory holding manifest.json, vectors.bin, words.txt. Default assets/wordvec/. */
  readonly assetDir?: URL;
}

type Settings = Required<Omit<WordVectorEmbedderOptions, 'assetDir' | 'maxEmbeddingsPerCall'>>;

export const WORD_VECTOR_DEFAULTS: Settings = {
  weighting: 'sif',
  sifA: 1e-4,
  removeCommonComponent: true,
  oovWeight: 1,
  numberWeight: 0.25,
  compounds: true,
  unitWordVectors: false,
  probabilityOverrides: { user: 0.02, assistant: 0.02 },
  stopWords: [],
};

/** Bump when tokenisation or weighting changes in a way that moves vectors. */
const ALGORITHM_VERSION = '1';
/** Texts embedded between yields to the event loop inside one large `embed` call. */
const YIELD_EVERY = 128;
const NUMBER_TOKEN = /^[\p{N}.]+$/u;
const EMPTY_TEXT_TOKEN = '\u0000strata:empty-text';

export class WordVectorEmbedder implements EmbeddingModelV1 {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'offline';
  readonly modelName = 'strata-wordvec-sif';
  readonly modelVersion: string;
  readonly dimensions: number;
  readonly maxEmbeddingsPerCall: number;
  readonly settings: Readonly<Settings>;

  readonly #assetDir: URL;
  #table: WordVectorTable | undefined;
  #fallback: Float32Array | undefined;
  #accumulator: Float64Array;
  #scratch: Float32Array;
  readonly #overrides: ReadonlyMap<string, number>;
  readonly #stopWords: ReadonlySet<string>;

  constructor(options: WordVectorEmbedderOptions = {}) {
    this.#assetDir = options.assetDir ?? DEFAULT_WORD_VECTOR_DIR;
    const manifest = readWordVectorManifest(this.#assetDir);
    const settings: Settings = { ...WORD_VECTOR_DEFAULTS };
    for (const key of Object.keys(settings) as (keyof Settings)[]) {
      const value = options[key];
      if (value !== undefined) Object.assign(settings, { [key]: value });
    }
    if (!(settings.sifA > 0) || !(settings.oovWeight >= 0) || !(settings.numberWeight >= 0)) {
      throw new StrataError('INVALID_CONFIG', 'offline embedder: sifA must be > 0, oovWeight and numberWeight >= 0', {
        details: { sifA: settings.sifA, oovWeight: settings.oovWeight, numberWeight: settings.numberWeight },
      });
    }
    this.settings = Object.freeze(settings);
    this.dimensions = manifest.dimensions;
    this.maxEmbeddingsPerCall = options.maxEmbeddingsPerCall ?? 512;
    // The version names the algorithm, the asset and the settings: any change means new vectors.
    const settingsHash = fnv1a(JSON.stringify(settings)).toString(16).padStart(8, '0');
    this.modelVersion = `${ALGORITHM_VERSION}.${manifest.assetHash.slice(0, 12)}.${settingsHash}`;
    this.#accumulator = new Float64Array(this.dimensions);
    this.#scratch = new Float32Array(this.dimensions);
    this.#overrides = new Map(Object.entries(settings.probabilityOverrides));
    this.#stopWords = new Set(settings.stopWords);
  }

  async embed(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (texts.length > this.maxEmbeddingsPerCall) {
      throw invalidInput('texts', `at most ${this.maxEmbeddingsPerCall} texts per call`, {
        count: texts.length,
        max: this.maxEmbeddingsPerCall,
      });
    }
    const vectors: Float32Array[] = [];
    for (let i = 0; i < texts.length; i++) {
      if (i > 0 && i % YIELD_EVERY === 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        signal?.throwIfAborted();
      }
      vectors.push(this.embedText(texts[i] ?? ''));
    }
    return vectors;
  }

  /** Embeds one text synchronously: an L2-normalised vector of `dimensions` floats. */
  embedText(text: string): Float32Array {
    const table = this.#load();
    const { dimensions, rows, vectors, scales, probabilities } = table;
    const { weighting, sifA, oovWeight, numberWeight, unitWordVectors } = this.settings;
    const acc = this.#accumulator.fill(0);
    const oovNorm = unitWordVectors ? 1 : table.manifest.stats.rareWordNorm;
    const rareWeight = weighting === 'sif' ? sifA / (sifA + table.manifest.stats.minProbability) : 1;
    let used = 0;

    for (const token of this.tokenize(text)) {
      if (this.#stopWords.has(token)) continue;
      const row = rows.get(token);
      if (row !== undefined) {
        const p = this.#overrides.get(token) ?? probabilities[row] ?? 0;
        const weight = weighting === 'sif' ? sifA / (sifA + p) : 1;
        const base = row * dimensions;
        let factor = weight * (scales[row] ?? 0);
        if (unitWordVectors) {
          let sumSquares = 0;
          for (let d = 0; d < dimensions; d++) sumSquares += (vectors[base + d] ?? 0) ** 2;
          factor = weight / Math.sqrt(sumSquares || 1);
        }
        for (let d = 0; d < dimensions; d++) acc[d] = (acc[d] ?? 0) + factor * (vectors[base + d] ?? 0);
        used++;
      } else {
        const relative = NUMBER_TOKEN.test(token) ? numberWeight : oovWeight;
        if (relative === 0) continue;
        const hashed = hashVector(token, dimensions, this.#scratch);
        const factor = relative * rareWeight * oovNorm;
        for (let d = 0; d < dimensions; d++) acc[d] = (acc[d] ?? 0) + factor * (hashed[d] ?? 0);
        used++;
      }
    }
    if (used === 0) return this.#fallbackVector().slice();

    if (this.settings.removeCommonComponent) {
      const u = table.commonComponent;
      let dot = 0;
      for (let d = 0; d < dimensions; d++) dot += (acc[d] ?? 0) * (u[d] ?? 0);
      for (let d = 0; d < dimensions; d++) acc[d] = (acc[d] ?? 0) - dot * (u[d] ?? 0);
    }
    let sumSquares = 0;
    for (let d = 0; d < dimensions; d++) sumSquares += (acc[d] ?? 0) ** 2;
    if (!(sumSquares > 1e-24) || !Number.isFinite(sumSquares)) return this.#fallbackVector().slice();
    const inverseNorm = 1 / Math.sqrt(sumSquares);
    const out = new Float32Array(dimensions);
    for (let d = 0; d < dimensions; d++) out[d] = (acc[d] ?? 0) * inverseNorm;
    return out;
  }

  /** The tokens this model embeds for `text`, in order (see tokenizeWords). */
  tokenize(text: string): string[] {
    const { rows } = this.#load();
    return tokenizeWords(text, {
      isKnown: (word) => rows.has(word),
      numbers: this.settings.numberWeight === 0 ? 'drop' : 'keep',
      compounds: this.settings.compounds,
    });
  }

  /** The unit-length vector of a vocabulary word (case-insensitive), or undefined. */
  wordVector(word: string): Float32Array | undefined {
    const { rows, vectors, dimensions } = this.#load();
    const row = rows.get(word.toLowerCase());
    if (row === undefined) return undefined;
    const out = Float32Array.from(vectors.subarray(row * dimensions, (row + 1) * dimensions));
    let sumSquares = 0;
    for (const value of out) sumSquares += value * value;
    const inverseNorm = 1 / Math.sqrt(sumSquares || 1);
    for (let d = 0; d < dimensions; d++) out[d] = (out[d] ?? 0) * inverseNorm;
    return out;
  }

  #load(): WordVectorTable {
    this.#table ??= loadWordVectorTable(this.#assetDir);
    return this.#table;
  }

  #fallbackVector(): Float32Array {
    if (this.#fallback === undefined) {
      const table = this.#load();
      this.#fallback = this.settings.removeCommonComponent
        ? Float32Array.from(table.commonComponent)
        : hashVector(EMPTY_TEXT_TOKEN, this.dimensions);
      let sumSquares = 0;
      for (const value of this.#fallback) sumSquares += value * value;
      const inverseNorm = 1 / Math.sqrt(sumSquares);
      for (let d = 0; d < this.dimensions; d++) this.#fallback[d] = (this.#fallback[d] ?? 0) * inverseNorm;
    }
    return this.#fallback;
  }
}

export function createWordVectorEmbedder(options: WordVectorEmbedderOptions = {}): WordVectorEmbedder {
  return new WordVectorEmbedder(options);
}

let defaultEmbedder: WordVectorEmbedder | undefined;
function defaultInstance(): WordVectorEmbedder {
  defaultEmbedder ??= new WordVectorEmbedder();
  return defaultEmbedder;
}

/** The unit vector of a vocabulary word in the default asset, or undefined. */
export function wordVector(word: string): Float32Array | undefined {
  return defaultInstance().wordVector(word);
}

/** Tokens of `text` as the default offline embedder sees them. */
export function tokenize(text: string): string[] {
  return defaultInstance().tokenize(text);
}
