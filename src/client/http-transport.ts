import { isProblemBody, StrataClientError } from './client-error.js';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  RETRYABLE_STATUSES,
  type RetryPolicy,
  resolveRetryPolicy,
} from './retry-policy.js';

/** Per-call options, the last argument of every client method. */
export interface CallOptions {
  /** Cancels the call, its retries and the waits between them (the error's code is ABORTED). */
  readonly signal?: AbortSignal | undefined;
  /** Limit for each attempt (request sent to body read), in ms; overrides the client's. */
  readonly timeoutMs?: number | undefined;
  /** Overrides the client's retry policy for this call (`false`: one attempt). Non-idempotent calls never retry. */
  readonly retry?: Partial<RetryPolicy> | false | undefined;
}

/** What `onRetry` is told before each wait. */
export interface RetryEvent {
  readonly method: string;
  readonly url: string;
  /** The attempt that failed (from 1). */
  readonly attempt: number;
  /** How long the client waits before the next one: Retry-After when sent, else the backoff. */
  readonly delayMs: number;
  readonly error: StrataClientError;
}

export interface TransportOptions {
  readonly baseUrl: string | URL;
  readonly apiKey?: string | undefined;
  /** Default per-attempt timeout in ms (default 30 s). */
  readonly timeoutMs?: number | undefined;
  readonly retry?: Partial<RetryPolicy> | false | undefined;
  /** Headers sent with every request (e.g. a user agent). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** A fetch implementation (default: the global one, Node 20+). */
  readonly fetch?: typeof fetch | undefined;
  /** Called before each retry (for logs and metrics). */
  readonly onRetry?: ((event: RetryEvent) => void) | undefined;
  /** Source of jitter, in [0, 1) (default Math.random). */
  readonly random?: (() => number) | undefined;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue = string | number | boolean | Date | readonly string[] | null | undefined;

export interface RequestSpec {
  readonly method: HttpMethod;
  /** Path with its segments already encoded, e.g. `/v1/sessions/chat-1`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>> | undefined;
  readonly body?: unknown;
  /** Whether sending it twice has the effect of sending it once: only such calls are retried. */
  readonly idempotent: boolean;
  /** Non-2xx statuses whose body is an answer, not an error (503 for /ready). */
  readonly answerStatuses?: readonly number[] | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * fetch with the API's conventions: the key as a Bearer token, JSON in and out, problem+json
 * errors as StrataClientError, a timeout per attempt, and retries of idempotent calls on
 * network errors, timeouts, 429 and 502/503/504 (Retry-After honoured, else exponential
 * backoff with jitter), up to `maxAttempts` requests.
 */
export class HttpTransport {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly fetchImpl: typeof fetch;
  private readonly random: () => number;

  constructor(private readonly options: TransportOptions) {
    this.base = String(options.baseUrl).replace(/\/+$/, '');
    if (!/^https?:\/\//.test(this.base)) throw new TypeError(`baseUrl must be an http(s) URL, got "${this.base}"`);
    this.headers = {
      accept: 'application/json',
      ...options.headers,
      ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
    };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.policy = resolveRetryPolicy(DEFAULT_RETRY_POLICY, options.retry);
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.random = options.random ?? Math.random;
  }

  async request<T>(spec: RequestSpec, call: CallOptions = {}): Promise<T> {
    const url = this.base + spec.path + queryString(spec.query);
    const policy = spec.idempotent ? resolveRetryPolicy(this.policy, call.retry) : { ...this.policy, maxAttempts: 1 };
    const timeoutMs = call.timeoutMs ?? this.timeoutMs;
    const init: RequestInit = {
      method: spec.method,
      headers: spec.body === undefined ? this.headers : { ...this.headers, 'content-type': 'application/json' },
      ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
    };
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(spec, url, init, timeoutMs, call.signal, attempt);
      if (outcome.ok) return outcome.value as T;
      const error = outcome.error;
      const retryable = error.code === 'NETWORK_ERROR' || error.code === 'CLIENT_TIMEOUT' || RETRYABLE_STATUSES.has(error.status);
      if (!retryable || attempt >= policy.maxAttempts) throw error;
      if (error.retryAfterMs !== null && error.retryAfterMs > policy.maxRetryAfterMs) throw error;
      const delayMs = error.retryAfterMs ?? backoffDelay(policy, attempt, this.random);
      this.options.onRetry?.({ method: spec.method, url, attempt, delayMs, error });
      await sleep(delayMs, call.signal, () => failure(spec.method, url, attempt, 'ABORTED', 0, 'the call was aborted'));
    }
  }

  private async attempt(
    spec: RequestSpec,
    url: string,
    init: RequestInit,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    attempt: number,
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: StrataClientError }> {
    const fail = (code: StrataClientError['code'], status: number, detail: string, extra: FailureExtra = {}) => ({
      ok: false as const,
      error: failure(spec.method, url, attempt, code, status, detail, extra),
    });
    if (signal?.aborted) return fail('ABORTED', 0, 'the call was aborted', { cause: signal.reason });
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, { ...init, signal: controller.signal });
      text = await response.text();
    } catch (cause) {
      if (timedOut) return fail('CLIENT_TIMEOUT', 0, `no complete answer within ${timeoutMs} ms`, { cause });
      if (signal?.aborted) return fail('ABORTED', 0, 'the call was aborted', { cause });
      return fail('NETWORK_ERROR', 0, networkDetail(cause), { cause });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }

    const status = response.status;
    const answer = (status >= 200 && status < 300) || spec.answerStatuses?.includes(status) === true;
    let body: unknown;
    try {
      body = text.length === 0 ? undefined : JSON.parse(text);
    } catch (cause) {
      if (answer) return fail('BAD_RESPONSE', status, 'the response body is not JSON', { cause });
      body = undefined;
    }
    if (answer) return { ok: true, value: body };
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    if (isProblemBody(body)) return fail(body.code, status, body.detail, { problem: body, retryAfterMs });
    return fail('BAD_RESPONSE', status, `HTTP ${status} without a problem+json body: ${text.slice(0, 200)}`, { retryAfterMs });
  }
}

type FailureExtra = Partial<Pick<StrataClientError, 'problem' | 'retryAfterMs' | 'cause'>>;

function failure(
  method: string,
  url: string,
  attempts: number,
  code: StrataClientError['code'],
  status: number,
  detail: string,
  extra: FailureExtra = {},
): StrataClientError {
  return new StrataClientError({ code, status, detail, method, url, attempts, ...extra });
}

/** `?a=1&kinds=turn,note` from defined values; arrays comma-joined, dates as ISO strings. */
export function queryString(query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.set(name, value instanceof Date ? value.toISOString() : Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = params.toString();
  return text.length === 0 ? '' : `?${text}`;
}

function networkDetail(cause: unknown): string {
  const inner = (cause as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof inner?.code === 'string' ? inner.code : undefined;
  const message = cause instanceof Error ? cause.message : String(cause);
  return code === undefined ? message : `${message} (${code})`;
}

function sleep(ms: number, signal: AbortSignal | undefined, aborted: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(aborted());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
