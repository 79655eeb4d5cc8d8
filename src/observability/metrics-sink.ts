import type { RedactionCounts } from '../privacy/pii-types.js';

/** The core operations that are timed and logged per call. */
export type MemoryOperation = 'add_messages' | 'remember' | 'get_context' | 'search';
/** ok; degraded: answered with a fallback (timeout, mode); skipped: a no-op (mode off); error: raised. */
export type OperationOutcome = 'ok' | 'degraded' | 'skipped' | 'error';
/** The tier a store operation serves (one SQLite store serves them all; scale-out backends split them). */
export type StoreTier = 'episodic' | 'semantic' | 'facts' | 'cache' | 'admin';

/**
 * What core reports, in memory terms; the Prometheus implementation is in prometheus-metrics.ts.
 * Labels stay bounded: operation, outcome, kind, type, tier, never a user, session or text.
 */
export interface MetricsSink {
  operation(operation: MemoryOperation, seconds: number, outcome: OperationOutcome): void;
  /** A read answered without memories, and why (timeout, mode_write_only, mode_off). */
  readFallback(operation: MemoryOperation, reason: string): void;
  messagesWritten(count: number): void;
  memoriesWritten(kind: string, count: number): void;
  redactions(counts: RedactionCounts): void;
  factValidation(valid: boolean, severity: string): void;
  storeCall(tier: StoreTier, operation: string, seconds: number, ok: boolean): void;
  embeddingCall(texts: number, seconds: number, ok: boolean): void;
  cacheLookup(cache: string, hits: number, misses: number): void;
  /**
   * One consolidation run (a call, a worker tick or the server's schedule): what it did, how long
   * it took, the sessions pending when it started (the backlog, i.e. the lag in sessions), and
   * whether it finished without a failing session.
   */
  consolidationRun(run: ConsolidationRun): void;
}

export interface ConsolidationRun {
  readonly seconds: number;
  readonly ok: boolean;
  readonly backlog: number;
  readonly sessions: number;
  readonly turns: number;
  readonly summaries: number;
  readonly notes: number;
  readonly merged: number;
  readonly failed: number;
}

/** The counts of a run by `output` label, as both sinks export them. */
export function consolidationOutputs(run: ConsolidationRun): Array<[output: string, count: number]> {
  const { sessions, turns, summaries, notes, merged, failed } = run;
  return Object.entries({ sessions, turns, summaries, notes, merged, failed });
}

/** Reports nothing. */
export const NO_METRICS: MetricsSink = {
  operation() {},
  readFallback() {},
  messagesWritten() {},
  memoriesWritten() {},
  redactions() {},
  factValidation() {},
  storeCall() {},
  embeddingCall() {},
  cacheLookup() {},
  consolidationRun() {},
};
