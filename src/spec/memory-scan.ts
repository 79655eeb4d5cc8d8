import type { MemoryRecord } from './records.js';

/**
 * Optional: a durable store that can walk every embedded memory of every tenant, so that an
 * external index (src/spec/vector-index.ts) can be rebuilt from it. Pages are in a stable
 * order; `after` is the `next` of the previous page (null to start).
 */
export interface EmbeddedMemoryScanV1 {
  scanEmbeddedMemories(after: string | null, limit: number): Promise<EmbeddedMemoryPage>;
}

export interface EmbeddedMemoryPage {
  readonly items: ReadonlyArray<{ readonly memory: MemoryRecord; readonly embedding: Float32Array }>;
  /** Null after the last page. */
  readonly next: string | null;
}

/** Whether a store implements the scan (duck-typed: the scan is optional in MemoryStoreV1). */
export function canScanEmbeddedMemories(store: object): store is EmbeddedMemoryScanV1 {
  return typeof (store as Partial<EmbeddedMemoryScanV1>).scanEmbeddedMemories === 'function';
}
