import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter, type RetryPolicy, resolveRetryPolicy } from '../../client/retry-policy.js';
import { StrataError } from '../../errors/strata-error.js';
import { type CircuitBreaker, failureKind } from '../../resilience/breaker.js';

/** Settings every HTTP embedding provider shares. */
export interface RemoteEmbeddingOptions {
  /** Server base URL (each provider says what it appends). */
  readonly baseUrl: string;
  /** Model name the server knows. */
  readonly model: string;
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  readonly apiKey?: string | undefined;
  /** Per HTTP request (each attempt). Default 30 s. */
  readonly timeoutMs?: number | undefined;
  /** Texts per request. Default 32 (TEI's default client batch limit). */
  readonly maxEmbeddingsPerCall?: number | undefined;
  /** Declared dimensions; without it the probe call at creation tells. */
  readonly dimensions?: number | undefined;
  /** Embed a probe text at creation (reachability, dimensions). Default true; false needs `dimensions`. */
  readonly probe?: boolean | undefined;
  /** Recorded beside every vector; change it when the server's model changes under the same name. Default `1`. */
  readonly modelVersion?: string | undefined;
  /**
   * Retries of 5xx, timeouts, lost connections (exponential backoff with jitter) and 429 (after
   * its Retry-After, up to maxRetryAfterMs). 401/403 and other 4xx are never retried. Default 3
   * attempts, 250 ms base; false for one attempt.
   */
  readonly retry?: Partial<RetryPolicy> | false | undefined;
  /** The `embedding` breaker (createMemory passes its board's). 429 and 401/403 never count toward it. */
  readonly breaker?: CircuitBreaker | undefined;
  readonly fetch?: typeof fetch | undefined;
}

/** Margin past a Retry-After, so the breaker's fail-fast window has surely ended. */
const RETRY_AFTER_MARGIN_MS = 5;

/**
 * One HTTP provider's requests: a per-attempt timeout, retries, Retry-After and the breaker,
 * written once for the OpenAI-compatible and Ollama providers. Every failure is a StrataError:
 * TIMEOUT, or EMBEDDING_FAILED with `details.status` (none: the server was not reached) and
 * `details.retryAfterMs` on a 429, which is what the breaker's failureKind reads.
 */
export class RemoteEmbeddingClient {
  readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(
    readonly provider: string,
    private readonly options: RemoteEmbeddingOptions,
  ) {
    if (!/^https?:\/\/[^/\s]+/.test(options.baseUrl)) {
      throw new StrataError('INVALID_CONFIG', `${provider} embedding URL must be an http(s) URL, not "${options.baseUrl}"`, {
        details: { field: 'baseUrl', provider },
      });
    }
    if (options.model.trim() === '') {
      throw new StrataError('INVALID_CONFIG', `${provider} embedding model must not be empty`, { details: { field: 'model', provider } });
    }
    for (const [field, value, min] of [
      ['timeoutMs', options.timeoutMs, 1],
      ['maxEmbeddingsPerCall', options.maxEmbeddingsPerCall, 1],
      ['dimensions', options.dimensions, 1],
    ] as const) {
      if (value !== undefined && !(Number.isInteger(value) && value >= min)) {
        throw new StrataError('INVALID_CONFIG', `${provider} embedding ${field} must be a whole number >= ${min}`, {
          details: { field, provider },
        });
      }
    }
    try {
      this.policy = resolveRetryPolicy(DEFAULT_RETRY_POLICY, options.retry);
    } catch (cause) {
      throw new StrataError('INVALID_CONFIG', `${provider} embedding ${(cause as Error).message}`, {
        cause,
        details: { field: 'retry', provider },
      });
    }
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetch = options.fetch ?? fetch;
  }

  get baseUrl(): string {
    return this.options.baseUrl.replace(/\/+$/, '');
  }

  /** POSTs JSON with retries; returns the parsed 2xx body, or throws (see the class). */
  async postJson(url: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        const once = () => this.once(url, body, signal);
        return await (this.options.breaker ? this.options.breaker.run(once) : once());
      } catch (error) {
        const wait = this.retryDelay(error, attempt);
        if (wait === null || signal?.aborted) throw error;
        await sleep(wait, undefined, signal ? { signal } : undefined);
      }
    }
  }

  /** How long to wait before the next attempt; null: do not retry. */
  private retryDelay(error: unknown, attempt: number): number | null {
    if (attempt >= this.policy.maxAttempts) return null;
    // An open breaker fails fast: retrying it here would only wait for nothing.
    if (error instanceof StrataError && error.details.breaker === 'open') return null;
    const kind = failureKind(error);
    if (kind === 'rate_limited') {
      const asked = error instanceof StrataError ? error.details.retryAfterMs : undefined;
      const ms = typeof asked === 'number' ? asked : 1_000;
      return ms > this.policy.maxRetryAfterMs ? null : ms + RETRY_AFTER_MARGIN_MS;
    }
    return kind === 'outage' ? backoffDelay(this.policy, attempt) : null;
  }

  private async once(url: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      text = await response.text();
    } catch (cause) {
      if (signal?.aborted) throw cause;
      if (timeout.aborted) {
        throw new StrataError('TIMEOUT', `${this.provider} embedding request timed out after ${this.timeoutMs} ms`, {
          cause,
          details: { provider: this.provider, url, timeoutMs: this.timeoutMs },
        });
      }
      throw new StrataError(
        'EMBEDDING_FAILED',
        `${this.provider} embedding server at ${url} cannot be reached: ${(cause as Error).message}`,
        {
          cause,
          details: { provider: this.provider, url },
        },
      );
    }
    if (!response.ok) throw this.statusError(url, response, text);
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw malformed(this.provider, url, `is not JSON: ${text.slice(0, 120)}`, cause);
    }
  }

  private statusError(url: string, response: Response, text: string): StrataError {
    const status = response.status;
    const body = text.slice(0, 300);
    const details: Record<string, unknown> = { provider: this.provider, url, status, body };
    if (status === 429) {
      const ms = parseRetryAfter(response.headers.get('retry-after'));
      if (ms !== null) details.retryAfterMs = ms;
      return new StrataError('EMBEDDING_FAILED', `${this.provider} embedding server is rate limiting (429)`, { details });
    }
    if (status === 401 || status === 403) {
      return new StrataError(
        'EMBEDDING_FAILED',
        `${this.provider} embedding server refused the credentials (${status}): check the API key (STRATA_EMBEDDING_API_KEY)`,
        { details: { ...details, reason: 'unauthorized' } },
      );
    }
    return new StrataError('EMBEDDING_FAILED', `${this.provider} embedding server answered ${status} for ${url}: ${body.slice(0, 200)}`, {
      details,
    });
  }
}

/** An answer that is not the expected shape: EMBEDDING_FAILED with status 200 (never retried, never an outage). */
/** A provider refuses more texts than it declared it takes in one call (core batches to that limit). */
export function checkBatch(texts: number, maxEmbeddingsPerCall: number): void {
  if (texts > maxEmbeddingsPerCall) {
    throw new StrataError('EMBEDDING_FAILED', `${texts} texts in one call; this provider takes at most ${maxEmbeddingsPerCall}`);
  }
}

export function malformed(provider: string, url: string, what: string, cause?: unknown): StrataError {
  return new StrataError('EMBEDDING_FAILED', `${provider} embedding answer from ${url} ${what}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { provider, url, status: 200, reason: 'malformed_response' },
  });
}

/** A JSON array of finite numbers as an L2-normalised Float32Array (the contract's unit vectors); null when it is not one. */
export function unitVector(value: unknown): Float32Array | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  const vector = new Float32Array(value.length);
  let sum = 0;
  for (let i = 0; i < value.length; i++) {
    const x = value[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return null;
    vector[i] = x;
    sum += x * x;
  }
  if (sum === 0) return null;
  const norm = Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / norm;
  return vector;
}
