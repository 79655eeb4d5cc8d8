import { readFileSync } from 'node:fs';
import { StrataError } from '../../errors/strata-error.js';
import { WordRows } from './word-rows.js';

/**
 * The committed word-vector asset (assets/wordvec/, built by scripts/build-word-vectors.mjs):
 * int8 vectors with one float32 scale per row, a Zipf unigram probability per row, and the
 * SIF common component. Loaded synchronously, once per process and directory.
 */
export interface WordVectorManifest {
  readonly format: 'strata-wordvec';
  readonly formatVersion: number;
  /** Changes whenever vectors.bin or words.txt change. */
  readonly assetHash: string;
  readonly source: { readonly package: string; readonly version: string; readonly license: string };
  readonly count: number;
  readonly dimensions: number;
  readonly stats: {
    /** Probability of the rarest vocabulary word. */
    readonly minProbability: number;
    /** Median norm of the rarest 10% of the vectors: the scale given to hashed OOV vectors. */
    readonly rareWordNorm: number;
  };
  readonly commonComponent: { readonly sifA: number; readonly vector: readonly number[] };
}

export interface WordVectorTable {
  readonly manifest: WordVectorManifest;
  readonly dimensions: number;
  /** Word -> row (off the heap: word-rows.ts). */
  readonly rows: WordRows;
  /** Row-major int8 vectors: row r is `vectors[r * dimensions ... (r + 1) * dimensions)`. */
  readonly vectors: Int8Array;
  /** Per-row dequantisation scale: value = vectors[i] * scales[row]. */
  readonly scales: Float32Array;
  /** Estimated unigram probability p(w) per row. */
  readonly probabilities: Float32Array;
  /** Unit vector of the common component (SIF's removal step). */
  readonly commonComponent: Float32Array;
}

/** assets/wordvec/ at the repository root; src/ and dist/ files are both 3 levels below it. */
export const DEFAULT_WORD_VECTOR_DIR = new URL('../../../assets/wordvec/', import.meta.url);

const HEADER_BYTES = 16;
const MAGIC = 'STWV';
const manifests = new Map<string, WordVectorManifest>();
const tables = new Map<string, WordVectorTable>();

export function readWordVectorManifest(dir: URL = DEFAULT_WORD_VECTOR_DIR): WordVectorManifest {
  const cached = manifests.get(dir.href);
  if (cached !== undefined) return cached;
  const manifest = JSON.parse(readAsset(dir, 'manifest.json').toString('utf8')) as WordVectorManifest;
  if (manifest.format !== 'strata-wordvec' || manifest.formatVersion !== 1) {
    throw assetError(dir, `unsupported word-vector asset format ${manifest.format}@${manifest.formatVersion}`);
  }
  manifests.set(dir.href, manifest);
  return manifest;
}

export function loadWordVectorTable(dir: URL = DEFAULT_WORD_VECTOR_DIR): WordVectorTable {
  const cached = tables.get(dir.href);
  if (cached !== undefined) return cached;
  const manifest = readWordVectorManifest(dir);
  const bin = readAsset(dir, 'vectors.bin');
  const count = bin.readUInt32LE(8);
  const dimensions = bin.readUInt32LE(12);
  const expectedBytes = HEADER_BYTES + count * 8 + count * dimensions;
  if (
    bin.toString('latin1', 0, 4) !== MAGIC ||
    count !== manifest.count ||
    dimensions !== manifest.dimensions ||
    bin.length !== expectedBytes
  ) {
    throw assetError(dir, 'vectors.bin does not match manifest.json');
  }
  // Copy the float sections: a Buffer's byteOffset need not be 4-aligned.
  const floats = (offset: number): Float32Array =>
    new Float32Array(bin.buffer.slice(bin.byteOffset + offset, bin.byteOffset + offset + count * 4));
  const scales = floats(HEADER_BYTES);
  const probabilities = floats(HEADER_BYTES + count * 4);
  const vectorStart = bin.byteOffset + HEADER_BYTES + count * 8;
  const vectors = new Int8Array(bin.buffer, vectorStart, count * dimensions);

  const words = readAsset(dir, 'words.txt').toString('utf8').split('\n', count);
  if (words.length < count || words.some((word) => word.length === 0)) throw assetError(dir, 'words.txt is shorter than the vectors');
  const rows = WordRows.of(words);

  const commonComponent = Float32Array.from(manifest.commonComponent.vector);
  if (commonComponent.length !== dimensions) throw assetError(dir, 'common component has the wrong length');
  const table: WordVectorTable = { manifest, dimensions, rows, vectors, scales, probabilities, commonComponent };
  tables.set(dir.href, table);
  return table;
}

function readAsset(dir: URL, name: string): Buffer {
  try {
    return readFileSync(new URL(name, dir));
  } catch (cause) {
    throw assetError(dir, `cannot read word-vector asset ${name}`, cause);
  }
}

function assetError(dir: URL, message: string, cause?: unknown): StrataError {
  return new StrataError('EMBEDDING_FAILED', message, {
    cause,
    details: { provider: 'offline', assetDir: dir.href },
  });
}
