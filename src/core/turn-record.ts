import { StrataError } from '../errors/strata-error.js';
import type { MetricsSink, OperationOutcome } from '../observability/metrics-sink.js';
import type { TurnLogger, TurnLogLine } from '../observability/turn-log.js';
import type { RedactionCounts } from '../privacy/pii-types.js';
import type { CircuitBreakers } from '../resilience/breaker.js';
import type { MemoryMode } from '../resilience/memory-modes.js';

/** What is known of a call when it starts. */
export interface TurnStart {
  readonly op: TurnLogLine['op'];
  readonly session: string | null;
  readonly mode: MemoryMode;
  readonly user?: string | null;
}

/** What is known when it ends. */
export interface TurnDetails {
  readonly used: boolean;
  readonly reason: string | null;
  readonly user?: string | null;
  readonly messages?: TurnLogLine['messages'];
  readonly redactions?: RedactionCounts;
  readonly error?: string;
  /** The worst circuit-breaker state over the remote tiers (null: none, embedded SQLite). */
  readonly breaker?: string | null;
  /** Seconds a rate-limited backend asked to wait (null: not limited). */
  readonly retryAfter?: number | null;
}

/**
 * Records one core call: its latency by outcome in the metrics, and its turn log line (ids,
 * timings, mode, used/reason, counts; never text). Errors log at warn with their code only.
 */
export function recordTurn(
  metrics: MetricsSink,
  logger: TurnLogger | undefined,
  tenant: string,
  start: TurnStart,
  startedAt: number,
  outcome: OperationOutcome,
  details: TurnDetails,
): void {
  const ms = performance.now() - startedAt;
  metrics.operation(start.op, ms / 1000, outcome);
  if (!logger) return;
  const reading = start.op === 'get_context' || start.op === 'search';
  const entry: TurnLogLine = {
    op: start.op,
    tenant,
    user: details.user ?? start.user ?? null,
    session: start.session,
    memory: {
      mode: start.mode,
      read_ms: reading ? round(ms) : null,
      write_ms: reading ? null : round(ms),
      // Null for the embedded store (no breaker); the remote backends fill these in.
      breaker: details.breaker ?? null,
      retry_after: details.retryAfter ?? null,
      used: details.used,
      reason: details.reason,
    },
    ...(details.messages ? { messages: details.messages } : {}),
    ...(details.redactions && Object.keys(details.redactions).length > 0 ? { redactions: details.redactions } : {}),
    ...(details.error ? { error: details.error } : {}),
  };
  if (outcome === 'error') logger.warn(entry, 'memory_turn');
  else logger.info(entry, 'memory_turn');
}

/** An error's stable code for logs (never its message, which may quote input). */
export function errorCode(error: unknown): string {
  return error instanceof StrataError ? error.code : 'INTERNAL';
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** The breaker fields of a turn log line, from the service's breakers (none: both null). */
export function breakerFields(breakers: CircuitBreakers | undefined): { breaker: string | null; retryAfter: number | null } {
  return { breaker: breakers?.summary() ?? null, retryAfter: breakers?.retryAfterSeconds() ?? null };
}
