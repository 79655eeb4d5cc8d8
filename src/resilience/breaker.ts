import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  IsolatedCircuitError,
} from 'cockatiel';
import { StrataError, type StrataErrorCode } from '../errors/strata-error.js';
import type { MemoryModes } from './memory-modes.js';

/** A remote dependency with a breaker of its own (bounded: a metric label). */
export type BreakerTier = 'postgres' | 'redis' | 'qdrant' | 'llm' | 'embedding';
export type BreakerState = 'closed' | 'half_open' | 'open';
/** What one failure means to a breaker. */
export type FailureKind = 'outage' | 'rate_limited' | 'auth' | 'other';

/** Told about breaker transitions and downgrades (the Prometheus metrics implement it). */
export interface BreakerObserver {
  breakerState(tier: BreakerTier, state: BreakerState): void;
  breakerTransition(tier: BreakerTier, from: BreakerState, to: BreakerState): void;
  downgrade(reason: string): void;
}

export interface BreakerSettings {
  /** Consecutive outage failures (5xx, timeout, lost connection) that open a breaker. Default 5. */
  readonly failures?: number | undefined;
  /** Open for this long, then one trial call (half-open): success closes, failure reopens. Default 10 s. */
  readonly halfOpenAfterMs?: number | undefined;
  /** Consecutive 401/403 answers for one tenant that downgrade it to write_only. Default 3. */
  readonly authFailures?: number | undefined;
  /** Length of that downgrade. Default 5 min. */
  readonly downgradeMs?: number | undefined;
  /** Retry-After assumed for a 429 without one, ms. Default 1 s. */
  readonly defaultRetryAfterMs?: number | undefined;
  readonly clock?: (() => number) | undefined;
}

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * How a failure counts. Outages (STORE_UNAVAILABLE, TIMEOUT, HTTP 5xx, network errors) count
 * toward opening; 429 never does (the provider is up, only busy); 401/403 are the tenant's
 * credentials, not an outage; everything else (bad input, a constraint) is the call's own fault.
 */
export function failureKind(error: unknown): FailureKind {
  const status = statusOf(error);
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status !== null && status >= 500) return 'outage';
  if (status !== null) return 'other';
  if (error instanceof StrataError) {
    if (error.code === 'STORE_UNAVAILABLE' || error.code === 'TIMEOUT') return 'outage';
    // A provider that could not be reached at all (no status): an outage.
    if (error.code === 'SUMMARIZER_FAILED' || error.code === 'EMBEDDING_FAILED')
      return error.details.status === undefined ? 'outage' : 'other';
    return 'other';
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && SOCKET_CODES.has(code)) return 'outage';
  if (error instanceof Error && /timed? ?out|fetch failed|socket hang up/i.test(error.message)) return 'outage';
  return 'other';
}

function statusOf(error: unknown): number | null {
  const details = error instanceof StrataError ? error.details : null;
  const status = details?.status ?? (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : null;
}

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

/**
 * One remote dependency's breaker: a cockatiel consecutive breaker (n outage failures in a row
 * open it; any success resets the count), half-open after a cool-down. Consecutive rather than
 * sampling: the traffic of one process is too uneven for a rate over a window to be stable, and a
 * dead server fails every call anyway. While open, calls fail at once with `openCode`
 * (STORE_UNAVAILABLE for stores) and `details.breaker: 'open'`. A 429 starts a fail-fast window
 * of its Retry-After (calls fail with the provider's 429 error, `details.retryAfterMs`), never
 * counted. 401/403 for a tenant go to the board (downgrade).
 */
export class CircuitBreaker {
  private readonly policy: CircuitBreakerPolicy;
  private retryUntil = 0;
  private lastRateLimit: unknown = null;
  /** When it last opened (cockatiel's own clock: Date.now). */
  private openedAt = 0;

  constructor(
    readonly tier: BreakerTier,
    private readonly board: CircuitBreakers,
    private readonly openCode: StrataErrorCode,
  ) {
    this.policy = circuitBreaker(
      handleWhen((error) => failureKind(error) === 'outage'),
      {
        halfOpenAfter: board.settings.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(board.settings.failures),
      },
    );
    let previous: BreakerState = 'closed';
    this.policy.onStateChange((state) => {
      const next = STATE_NAMES[state];
      if (next === previous) return;
      if (next === 'open') this.openedAt = Date.now();
      board.transition(tier, previous, next);
      previous = next;
    });
  }

  get state(): BreakerState {
    return STATE_NAMES[this.policy.state];
  }

  /** Seconds a 429 asked to wait, still to run; null when not rate limited. */
  retryAfterSeconds(): number | null {
    const left = this.retryUntil - this.board.settings.clock();
    return left > 0 ? Math.ceil(left / 1000) : null;
  }

  /** Runs one remote call through the breaker; `tenantId` is whose credentials a 401/403 concerns. */
  async run<T>(work: () => Promise<T>, context: { tenantId?: string | undefined } = {}): Promise<T> {
    if (this.retryAfterSeconds() !== null && this.lastRateLimit !== null) throw this.lastRateLimit;
    try {
      const value = await this.policy.execute(() => work());
      if (context.tenantId !== undefined) this.board.authOk(context.tenantId);
      return value;
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
        throw new StrataError(this.openCode, `${this.tier} is unavailable: its circuit breaker is open`, {
          cause: error,
          details: { backend: this.tier, breaker: 'open', retryAfterMs: this.untilHalfOpenMs() },
        });
      }
      const kind = failureKind(error);
      if (kind === 'rate_limited') this.rateLimited(error);
      if (kind === 'auth' && context.tenantId !== undefined) this.board.authFailed(context.tenantId);
      throw error;
    }
  }

  /** Time left before the next call is let through as the half-open trial, ms. */
  private untilHalfOpenMs(): number {
    return Math.max(0, this.openedAt + this.board.settings.halfOpenAfterMs - Date.now());
  }

  private rateLimited(error: unknown): void {
    const asked = error instanceof StrataError ? error.details.retryAfterMs : undefined;
    const ms = typeof asked === 'number' && asked >= 0 ? asked : this.board.settings.defaultRetryAfterMs;
    this.retryUntil = this.board.settings.clock() + ms;
    this.lastRateLimit = error;
  }
}

const OPEN_CODES: Partial<Record<BreakerTier, StrataErrorCode>> = { llm: 'SUMMARIZER_FAILED', embedding: 'EMBEDDING_FAILED' };

type Resolved = Required<Omit<BreakerSettings, 'clock'>> & { clock: () => number };

/**
 * The breakers of one service, one per tier, and the tenants' 401/403 streaks. Tiers with a
 * failure detector of their own (the Redis connection's cool-down) are `watch`ed instead of
 * wrapped twice: their state shows in the same gauge and turn-log field.
 */
export class CircuitBreakers {
  readonly settings: Resolved;
  private readonly breakers = new Map<BreakerTier, CircuitBreaker>();
  private readonly watched = new Map<BreakerTier, { probe: () => BreakerState; last: BreakerState }>();
  private readonly authStreaks = new Map<string, number>();
  private observer: BreakerObserver | null = null;
  private modes: MemoryModes | null = null;

  constructor(settings: BreakerSettings = {}) {
    this.settings = {
      failures: settings.failures ?? 5,
      halfOpenAfterMs: settings.halfOpenAfterMs ?? 10_000,
      authFailures: settings.authFailures ?? 3,
      downgradeMs: settings.downgradeMs ?? 300_000,
      defaultRetryAfterMs: settings.defaultRetryAfterMs ?? 1_000,
      clock: settings.clock ?? Date.now,
    };
    for (const [field, value] of Object.entries(this.settings)) {
      if (typeof value === 'number' && !(Number.isInteger(value) && value >= (field === 'failures' || field === 'authFailures' ? 1 : 0))) {
        throw new StrataError('INVALID_CONFIG', `breaker ${field} must be a whole number${field.endsWith('Ms') ? ' of ms' : ' >= 1'}`, {
          details: { field },
        });
      }
    }
  }

  /** The breaker of a tier (made on first use). Stores fail with STORE_UNAVAILABLE while open; the LLM with SUMMARIZER_FAILED, a remote embedding provider with EMBEDDING_FAILED. */
  for(tier: BreakerTier): CircuitBreaker {
    let breaker = this.breakers.get(tier);
    if (!breaker) {
      breaker = new CircuitBreaker(tier, this, OPEN_CODES[tier] ?? 'STORE_UNAVAILABLE');
      this.breakers.set(tier, breaker);
      this.observer?.breakerState(tier, 'closed');
    }
    return breaker;
  }

  /** Reports a tier whose own detector decides (probe: its state now). */
  watch(tier: BreakerTier, probe: () => BreakerState): void {
    this.watched.set(tier, { probe, last: probe() });
    this.observer?.breakerState(tier, probe());
  }

  /** Where transitions and downgrades go, and the modes a 401/403 streak downgrades (createMemory calls this). */
  attach(observer: BreakerObserver | null, modes: MemoryModes | null): void {
    this.observer = observer;
    this.modes = modes;
    for (const tier of this.tiers()) observer?.breakerState(tier, this.state(tier) ?? 'closed');
  }

  tiers(): BreakerTier[] {
    return [...new Set([...this.breakers.keys(), ...this.watched.keys()])];
  }

  /** A tier's state now (null: no breaker for it). */
  state(tier: BreakerTier): BreakerState | null {
    const watched = this.watched.get(tier);
    if (watched) {
      const now = watched.probe();
      if (now !== watched.last) {
        this.transition(tier, watched.last, now);
        watched.last = now;
      }
      return now;
    }
    return this.breakers.get(tier)?.state ?? null;
  }

  /** The worst state over the tiers (open > half_open > closed); null when there is no breaker (embedded SQLite). */
  summary(): BreakerState | null {
    const states = this.tiers().map((tier) => this.state(tier));
    if (states.length === 0) return null;
    if (states.includes('open')) return 'open';
    if (states.includes('half_open')) return 'half_open';
    return 'closed';
  }

  /** The longest Retry-After still running over the tiers, seconds; null: none. */
  retryAfterSeconds(): number | null {
    let most: number | null = null;
    for (const breaker of this.breakers.values()) {
      const left = breaker.retryAfterSeconds();
      if (left !== null && (most === null || left > most)) most = left;
    }
    return most;
  }

  transition(tier: BreakerTier, from: BreakerState, to: BreakerState): void {
    this.observer?.breakerTransition(tier, from, to);
    this.observer?.breakerState(tier, to);
  }

  authOk(tenantId: string): void {
    this.authStreaks.delete(tenantId);
  }

  /** A 401/403 for a tenant: the `authFailures`-th in a row downgrades it to write_only for `downgradeMs`. */
  authFailed(tenantId: string): void {
    const streak = (this.authStreaks.get(tenantId) ?? 0) + 1;
    if (streak < this.settings.authFailures) {
      this.authStreaks.set(tenantId, streak);
      return;
    }
    this.authStreaks.delete(tenantId);
    if (!this.modes) return;
    this.modes.setTenant(tenantId, 'write_only', { untilMs: this.settings.clock() + this.settings.downgradeMs, reason: 'provider_auth' });
    this.observer?.downgrade('provider_auth');
  }
}
