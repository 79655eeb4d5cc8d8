import type { MetricsSink } from '../observability/metrics-sink.js';
import type { TurnLogger } from '../observability/turn-log.js';
import { withDeadline } from '../resilience/deadline.js';
import { errorCode, recordTurn, type TurnStart } from './turn-record.js';

export interface ReadGuardDeps {
  readonly metrics: MetricsSink;
  readonly logger: TurnLogger | undefined;
  readonly tenant: string;
  /** 0: no deadline. */
  readonly deadlineMs: number;
}

export interface GuardedRead<T> {
  readonly start: TurnStart;
  /** Set by `work` / `fallback` when they learn the session's user (for the log line). */
  readonly seen: { userId: string | null };
  /** The line logged at warn when the deadline passes. */
  readonly slowMessage: 'context_slow' | 'search_slow';
  /** The read with memory, raced against the deadline. */
  work(): Promise<T>;
  /** The answer without memory, and why: `mode_off`, `mode_write_only` or `timeout`. */
  fallback(reason: string): Promise<T>;
}

/**
 * A read that never fails for mode or slowness: not `read_write` gives the fallback for
 * `mode_<mode>`; past the deadline, the fallback for `timeout` (logged as `slowMessage`).
 * Every path is timed and logged (recordTurn); errors of the read itself are rethrown.
 */
export async function guardedRead<T>(deps: ReadGuardDeps, startedAt: number, read: GuardedRead<T>): Promise<T> {
  const { start, seen } = read;
  const degrade = async (reason: string, outcome: 'degraded' | 'skipped'): Promise<T> => {
    const value = await read.fallback(reason);
    deps.metrics.readFallback(start.op, reason);
    recordTurn(deps.metrics, deps.logger, deps.tenant, start, startedAt, outcome, { used: false, reason, user: seen.userId });
    return value;
  };
  try {
    if (start.mode !== 'read_write') return await degrade(`mode_${start.mode}`, start.mode === 'off' ? 'skipped' : 'degraded');
    const outcome = await withDeadline(deps.deadlineMs, () => read.work());
    if (outcome.ok) {
      recordTurn(deps.metrics, deps.logger, deps.tenant, start, startedAt, 'ok', { used: true, reason: null, user: seen.userId });
      return outcome.value;
    }
    deps.logger?.warn(
      { op: start.op, tenant: deps.tenant, user: seen.userId ?? start.user ?? null, session: start.session, deadline_ms: deps.deadlineMs },
      read.slowMessage,
    );
    return await degrade('timeout', 'degraded');
  } catch (error) {
    recordTurn(deps.metrics, deps.logger, deps.tenant, start, startedAt, 'error', {
      used: false,
      reason: 'error',
      user: seen.userId,
      error: errorCode(error),
    });
    throw error;
  }
}
