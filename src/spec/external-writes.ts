import type { MemoryStoreV1 } from './memory-store.js';

/**
 * Optional, for store decorators (the Qdrant mirror, the Redis tier): being told about writes
 * made beside them. Consolidation, restore and prune commit through the durable store's own
 * tables (ConsolidationStoreV1, ArchiveStoreV1, RetentionStoreV1), so a decorator in front of
 * the durable store never sees those writes. Their callers, after the durable commit, hand the
 * decorated store an ExternalWrite; each decorator brings its copies in line with the truth
 * (re-reads the memories, drops the cached sessions) and passes the write on to the store it
 * wraps. The durable commit stays the truth: a decorator that cannot apply the write queues it
 * for repair or drops what it holds, and never throws for it.
 */
export interface ExternalWriteAwareV1 {
  /** The store this decorator wraps (walked down to find the durable store). */
  readonly inner: MemoryStoreV1;
  afterExternalWrite(write: ExternalWrite): Promise<void>;
}

/** What a write made beside the decorators touched, in one tenant. Ids may repeat or be unknown. */
export interface ExternalWrite {
  readonly tenantId: string;
  /** Sessions whose record (summary, checkpoint) or messages changed. */
  readonly sessions?: readonly string[] | undefined;
  /** Memories inserted, changed or removed: a decorator re-reads each from the durable store (absent = removed). */
  readonly memories?: readonly string[] | undefined;
  /** Users whose memories changed (their cached contexts go). */
  readonly users?: readonly string[] | undefined;
}

/** Whether a store is a decorator that takes ExternalWrites (duck-typed: the method is optional). */
export function acceptsExternalWrites(store: object): store is ExternalWriteAwareV1 {
  return typeof (store as Partial<ExternalWriteAwareV1>).afterExternalWrite === 'function';
}

/** The durable store under every decorator (the store itself when it decorates nothing). */
export function durableStoreOf(store: MemoryStoreV1): MemoryStoreV1 {
  let current = store;
  while (acceptsExternalWrites(current)) current = current.inner;
  return current;
}
