import type { JsonValue } from './records.js';

/**
 * Working memory: per-session scratchpads of JSON values with a time to live. It is NOT
 * durable: a restart of the process (embedded) or of Redis may lose it, and nothing durable
 * lives only here. Every key is scoped by tenant and session.
 */
export interface WorkingMemoryV1 {
  readonly specificationVersion: 'v1';

  /** Connects (if the backend has a server). Called once before any other method. */
  open(): Promise<void>;
  close(): Promise<void>;

  /** Stores `value` under `key`, replacing any earlier value; expires after ttlMs (default DEFAULT_SCRATCH_TTL_MS). */
  setScratch(scope: ScratchScope, key: string, value: JsonValue, options?: ScratchOptions): Promise<ScratchEntry>;
  /** The live entry, or null when absent or expired. */
  getScratch(scope: ScratchScope, key: string): Promise<ScratchEntry | null>;
  /** Every live entry of the session's scratchpad, ordered by key. */
  listScratch(scope: ScratchScope): Promise<ScratchEntry[]>;
  /** True when a live entry was removed. */
  deleteScratch(scope: ScratchScope, key: string): Promise<boolean>;
  /** Drops the scratchpads of these sessions (session or user erase). Returns how many entries went. */
  clearSessions(tenantId: string, sessionIds: readonly string[]): Promise<number>;
}

export interface ScratchScope {
  readonly tenantId: string;
  readonly sessionId: string;
}

export interface ScratchOptions {
  /** Milliseconds from now; 1 ms to MAX_SCRATCH_TTL_MS. */
  readonly ttlMs?: number | undefined;
}

export interface ScratchEntry {
  readonly key: string;
  readonly value: JsonValue;
  /** Epoch milliseconds. */
  readonly updatedAt: number;
  /** Epoch milliseconds after which the entry is gone. */
  readonly expiresAt: number;
}

/** Scratch entries set without ttlMs live this long (24 hours). */
export const DEFAULT_SCRATCH_TTL_MS = 24 * 60 * 60 * 1000;
/** The longest ttlMs a scratch entry may ask for (30 days). */
export const MAX_SCRATCH_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** The largest scratch value, as JSON text (256 KiB). */
export const MAX_SCRATCH_VALUE_CHARS = 256 * 1024;
