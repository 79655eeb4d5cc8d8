import type { ProblemBody, StrataErrorCode } from './client-types.js';

/**
 * Codes of failures the client sees without a problem+json answer: no connection or a broken
 * one (`NETWORK_ERROR`), the per-attempt timeout (`CLIENT_TIMEOUT`), the caller's signal
 * (`ABORTED`), and an answer that is not the API's (`BAD_RESPONSE`: not JSON, or an error status
 * without a problem body, e.g. from a proxy).
 */
export type ClientFailureCode = 'NETWORK_ERROR' | 'CLIENT_TIMEOUT' | 'ABORTED' | 'BAD_RESPONSE';

export type StrataClientErrorCode = StrataErrorCode | ClientFailureCode;

export interface StrataClientErrorInit {
  readonly code: StrataClientErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly method: string;
  readonly url: string;
  readonly attempts: number;
  readonly problem?: ProblemBody | null | undefined;
  readonly retryAfterMs?: number | null | undefined;
  readonly cause?: unknown;
}

/**
 * A call that failed. For an answer of the API, `problem` is its application/problem+json
 * body and `status`, `code`, `detail`, `details` and `requestId` come from it; otherwise
 * `status` is the HTTP status (0 when there was no answer) and `code` a ClientFailureCode.
 */
export class StrataClientError extends Error {
  override readonly name = 'StrataClientError';
  readonly code: StrataClientErrorCode;
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  readonly detail: string;
  /** The problem+json body, when the server sent one. */
  readonly problem: ProblemBody | null;
  /** The server's Retry-After, in ms, when it sent one. */
  readonly retryAfterMs: number | null;
  readonly method: string;
  readonly url: string;
  /** How many requests were made for this call (retries included). */
  readonly attempts: number;

  constructor(init: StrataClientErrorInit) {
    super(`${init.method} ${init.url}: ${init.status === 0 ? '' : `${init.status} `}${init.code}: ${init.detail}`, {
      cause: init.cause,
    });
    this.code = init.code;
    this.status = init.status;
    this.detail = init.detail;
    this.problem = init.problem ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.method = init.method;
    this.url = init.url;
    this.attempts = init.attempts;
  }

  /** Typed details of the problem (the field at fault, limits, ids); {} without one. */
  get details(): Record<string, unknown> {
    return this.problem?.details ?? {};
  }

  /** The server's request id (for its logs); null without a problem body. */
  get requestId(): string | null {
    return this.problem?.requestId ?? null;
  }

  static is(error: unknown, code?: StrataClientErrorCode): error is StrataClientError {
    return error instanceof StrataClientError && (code === undefined || error.code === code);
  }
}

/** Whether a parsed body looks like the API's problem+json. */
export function isProblemBody(value: unknown): value is ProblemBody {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as Record<string, unknown>;
  return typeof body.code === 'string' && typeof body.status === 'number' && typeof body.detail === 'string';
}
