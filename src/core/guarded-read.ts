import { StrataError } from '../errors/strata-error.js';
import type { MetricsSink } from '../observability/metrics-sink.js';
import type { TurnLogger } from '../observability/turn-log.js';
import type { CircuitBreakers } from '../resilience/breaker.js';
import { withDeadline } from '../resilience/deadline.js';
import { breakerFields, errorCode, recordTurn, type TurnStart } from './turn-record.js';

export interface ReadGuardDeps {
  readonly metrics: MetricsSink;
  readonly logger: TurnLogger | undefined;
  readonly tenant: string;
  /** 0: no deadline. */
  readonly deadlineMs: number;
  /** The remote tiers' breakers (for the fallback reason and the log line); none for the embedded store. */
  readonly breakers?: CircuitBreakers | undefined;
}

export interface GuardedRead<T> {
  readonly start: TurnStart;
  /** Set by `work` / `fallback` when they learn the session's user (for the log line). */
  readonly seen: { userId: string | null };
  /** The line logged at warn when the deadline passes. */
  readonly slowMessage: 'context_slow' | 'search_slow';
  /** The read with memory, raced against the deadline. */
  work(): Promise<T>;
  /** The answer without memory, and why: `mode_off`, `mode_write_only`, `timeout`, `breaker_open` or `store_unavailable`. */
  fallback(reason: string): Promise<T>;
}

/**
 * A read that never fails for mode or slowness: not `read_write` gives the fallback for
 * `mode_<mode>`; past the deadline, the fallback for `timeout` (logged as `slowMessage`).
 * A store that is down is not an error either: STORE_UNAVAILABLE from an open breaker gives the
 * fallback for `breaker_open`, from a failed call (breaker still closed) for `store_unavailable`.
 * Every path is timed and logged (recordTurn); other errors of the read itself are rethrown.
 */
export async function guardedRead<T>(deps: ReadGuardDeps, startedAt: number, read: GuardedRead<T>): Promise<T> {
  const { start, seen } = read;
  const degrade = async (reason: string, outcome: 'degraded' | 'skipped'): Promise<T> => {
    const value = await read.fallback(reason);
    deps.metrics.readFallback(start.op, reason);
    recordTurn(deps.metrics, deps.logger, deps.tenant, start, startedAt, outcome, {
      used: false,
      reason,
      user: seen.userId,
      ...breakerFields(deps.breakers),
    });
    return value;
  };
  try {
    if (start.mode !== 'read_write') return await degrade(`mode_${start.mode}`, start.mode === 'off' ? 'skipped' : 'degraded');
    let outcome: Awaited<ReturnType<typeof withDeadline<T>>>;
    try {
      outcome = await withDeadline(deps.deadlineMs, () => read.work());
    } catch (error) {
      if (!StrataError.is(error, 'STORE_UNAVAILABLE')) throw error;
      return await degrade(error.details.breaker === 'open' ? 'breaker_open' : 'store_unavailable', 'degraded');
    }
    if (outcome.ok) {
      recordTurn(deps.metrics, deps.logger, deps.tenant, start, startedAt, 'ok', {
        used: true,
        reason: null,
        user: seen.userId,
        ...breakerFields(deps.breakers),
      });
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
      ...breakerFields(deps.breakers),
    });
    throw error;
  }
}
