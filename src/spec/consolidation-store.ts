import type { NewMemory } from './memory-store.js';
import type { Metadata } from './records.js';

/**
 * What consolidation needs from storage, beside MemoryStoreV1: the sessions with turns past
 * their checkpoint, a lease per session (so that several workers never consolidate one
 * session at once), and one atomic commit of a run's outputs with its checkpoint.
 *
 * The SQLite store implements it with a lease table (src/stores/sqlite/sqlite-consolidation.ts);
 * on PostgreSQL the lease is a row locked with `SELECT ... FOR UPDATE SKIP LOCKED` inside the
 * lease update, and the commit one transaction, as here.
 */
export interface ConsolidationStoreV1 {
  readonly specificationVersion: 'v1';

  /** Sessions whose last seq is past their checkpoint, oldest change first. */
  listPendingSessions(filter: PendingFilter, limit: number): Promise<PendingSession[]>;

  /**
   * Takes the session's lease for `worker` until now + ttlMs, when it is free or expired. Null
   * while it is held, by another worker or by this one (two runs of one worker never overlap).
   */
  leaseConsolidation(tenantId: string, sessionId: string, worker: string, ttlMs: number, now: number): Promise<ConsolidationLease | null>;
  /** Extends a lease still held; false when it was lost (expired and taken by another worker). */
  renewConsolidation(lease: ConsolidationLease, ttlMs: number, now: number): Promise<boolean>;
  /** Gives a lease up (no-op when it is no longer held). */
  releaseConsolidation(lease: ConsolidationLease): Promise<void>;

  getCheckpoint(tenantId: string, sessionId: string): Promise<ConsolidationCheckpoint | null>;

  /**
   * Writes one run's outputs and its checkpoint in one transaction, only when the lease is
   * still held and the checkpoint is still at `fromSeq` (compare-and-set). A commit whose
   * checkpoint is already at `toSeq` with the same `runId` is a replay: nothing is written.
   * Inserts skip ids that exist (outputs have deterministic ids). A `note` insert whose content
   * hash matches an active note of the same tenant, user and namespace (written meanwhile by
   * another worker's commit) is folded into it instead: the existing note's `source` and
   * `metadata.sourceClientMsgIds` take the new ones.
   */
  commitConsolidation(commit: ConsolidationCommit): Promise<CommitOutcome>;
}

export interface PendingFilter {
  /** Omit for every tenant (a worker). */
  readonly tenantId?: string | undefined;
  readonly sessionId?: string | undefined;
}

export interface PendingSession {
  readonly tenantId: string;
  readonly sessionId: string;
  readonly checkpointSeq: number;
  readonly lastSeq: number;
}

export interface ConsolidationLease {
  readonly tenantId: string;
  readonly sessionId: string;
  readonly worker: string;
  /** Changes on every acquisition: a commit under a lost lease is refused. */
  readonly token: string;
  readonly expiresAt: number;
}

export interface ConsolidationCheckpoint {
  readonly tenantId: string;
  readonly sessionId: string;
  /** Every message with seq <= upToSeq has been consolidated. */
  readonly upToSeq: number;
  /** Deterministic id of the run that wrote it (session + seq range). */
  readonly runId: string;
  /** The session's current summary memory, if any. */
  readonly summaryMemoryId: string | null;
  readonly updatedAt: number;
}

/**
 * A change to an existing memory: its provenance and metadata grow (an exact duplicate), or
 * it is superseded by a newer near-duplicate that carries both sources. Text and vector never change.
 */
export interface ConsolidationMerge {
  readonly id: string;
  readonly source: readonly string[];
  readonly metadata: Metadata;
  readonly importance: number;
  readonly supersededBy?: string | undefined;
  readonly validTo?: number | undefined;
}

export interface ConsolidationCommit {
  readonly lease: ConsolidationLease;
  readonly runId: string;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly now: number;
  readonly insert: readonly NewMemory[];
  readonly merge: readonly ConsolidationMerge[];
  /** Memories replaced by this run (the session's previous summary). */
  readonly remove: readonly string[];
  /** The session's rolling summary (sessions.summary) and the seq it covers. */
  readonly summary: { readonly text: string; readonly memoryId: string } | null;
}

export interface CommitOutcome {
  /** applied: written now; replay: this run was committed before; conflict: lease lost or checkpoint moved. */
  readonly status: 'applied' | 'replay' | 'conflict';
  readonly inserted: number;
  /** Note inserts folded into an existing note with the same content hash. */
  readonly folded: number;
}
