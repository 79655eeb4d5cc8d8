import { type DestinationStream, type Logger, pino } from 'pino';
import type { MemoryMode } from '../resilience/memory-modes.js';
import type { MemoryOperation } from './metrics-sink.js';

/** The part of a pino logger core uses; any pino logger is one. */
export interface TurnLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/**
 * One structured line per turn (add_messages, get_context) and per search or remember call.
 * Ids and numbers only: message text, queries and memory text never appear.
 */
export interface TurnLogLine {
  readonly op: MemoryOperation;
  readonly tenant: string;
  readonly user: string | null;
  readonly session: string | null;
  readonly memory: {
    readonly mode: MemoryMode;
    /** Time spent reading (get_context, search) or writing (add_messages, remember), ms. */
    readonly read_ms: number | null;
    readonly write_ms: number | null;
    /** State of the circuit breaker in front of a remote backend; null: none (embedded SQLite). */
    readonly breaker: string | null;
    /** Seconds a rate-limited backend asked to wait; null: not limited. */
    readonly retry_after: number | null;
    readonly used: boolean;
    readonly reason: string | null;
  };
  /** Messages in the call, and how many were new. */
  readonly messages?: { readonly count: number; readonly created: number };
  readonly redactions?: Readonly<Record<string, number>>;
  readonly error?: string;
}

/** A JSON logger for the turn lines (pino), to stdout or a given stream. */
export function createTurnLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  const settings = { level: options.level ?? 'info', base: { component: 'strata.memory' } };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
