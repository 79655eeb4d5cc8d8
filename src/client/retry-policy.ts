/**
 * When and how long the client waits before trying a call again. Only idempotent calls are
 * retried (the transport decides which are); this file holds the rules that apply to them.
 */
export interface RetryPolicy {
  /** Requests per call, the first included (1 = no retry). Default 3. */
  readonly maxAttempts: number;
  /** Backoff before the second attempt, doubled for each further one (with jitter). Default 250 ms. */
  readonly baseDelayMs: number;
  /** Cap of the exponential backoff. Default 5 s. */
  readonly maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the call fails with `retryAfterMs` set. Default 60 s. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 5_000, maxRetryAfterMs: 60_000 };

/** Rate limited, and the gateway-style statuses where the server did not (or could not) do the work. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * Retry-After in ms: delta-seconds (`120`) or an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`,
 * counted from `now`; a past date is 0). Null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1): "equal jitter" exponential
 * backoff, between half and all of min(maxDelayMs, baseDelayMs * 2^(attempt-1)).
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The policy with overrides; `false` (or maxAttempts 1) turns retries off. */
export function resolveRetryPolicy(base: RetryPolicy, override: Partial<RetryPolicy> | false | undefined): RetryPolicy {
  if (override === false) return { ...base, maxAttempts: 1 };
  const policy = { ...base, ...override };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) throw new RangeError('retry.maxAttempts must be an integer >= 1');
  for (const name of ['baseDelayMs', 'maxDelayMs', 'maxRetryAfterMs'] as const) {
    if (!(policy[name] >= 0)) throw new RangeError(`retry.${name} must be >= 0`);
  }
  return policy;
}
