/** The portable archive: a directory with manifest.json and one JSONL file per table. */
export const ARCHIVE_FORMAT = 'strata-archive';
export const ARCHIVE_VERSION = 1;

export const ARCHIVE_TABLES = ['sessions', 'messages', 'memories', 'facts', 'fact_rules', 'consolidation_checkpoints'] as const;
export type ArchiveTable = (typeof ARCHIVE_TABLES)[number];

export interface ArchiveTableEntry {
  readonly file: string;
  readonly count: number;
  /** SHA-256 of the file's bytes, hex. */
  readonly sha256: string;
}

export interface ArchiveManifest {
  readonly format: typeof ARCHIVE_FORMAT;
  readonly version: typeof ARCHIVE_VERSION;
  readonly createdAt: string;
  readonly tenants: readonly string[];
  /** Embedding models of the archived vectors (each memory line names its own). */
  readonly embeddingModels: readonly string[];
  readonly tables: Readonly<Record<ArchiveTable, ArchiveTableEntry>>;
}

export function tableFile(table: ArchiveTable): string {
  return `${table}.jsonl`;
}

/** Float32 little-endian bytes, base64. */
export function vectorToBase64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] as number, i * 4);
  return bytes.toString('base64');
}

export function base64ToVector(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) throw new Error('embedding is not a whole number of float32 values');
  const vector = new Float32Array(bytes.length / 4);
  for (let i = 0; i < vector.length; i++) vector[i] = bytes.readFloatLE(i * 4);
  return vector;
}
