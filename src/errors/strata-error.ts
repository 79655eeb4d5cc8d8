/**
 * Every error Strata raises on purpose is a StrataError with a stable `code`.
 * Codes never change meaning; the HTTP layer maps each to a status (see `httpStatusFor`).
 */
export const ERROR_CODES = {
  /** Input failed validation: empty text, bad field, oversized value. */
  INVALID_INPUT: 400,
  /** An id is not of the accepted form. */
  INVALID_ID: 400,
  /** Text longer than the configured maximum. */
  TEXT_TOO_LONG: 413,
  /** A vector's length differs from the model's dimensions. */
  DIMENSION_MISMATCH: 400,
  /** The session does not exist in this tenant. */
  SESSION_NOT_FOUND: 404,
  /** The memory does not exist in this tenant. */
  MEMORY_NOT_FOUND: 404,
  /** The fact does not exist in this tenant. */
  FACT_NOT_FOUND: 404,
  /** The session exists but belongs to another user/agent scope. */
  SCOPE_CONFLICT: 409,
  /** A clientMsgId was reused with different content. */
  IDEMPOTENCY_CONFLICT: 409,
  /** The operation is not allowed in the current memory mode. */
  MODE_DISABLED: 503,
  /** A backing store failed. */
  STORE_UNAVAILABLE: 503,
  /** The embedding provider failed. */
  EMBEDDING_FAILED: 502,
  /** A local embedding model's files are not where the settings say (details: where it looked, how to get it). */
  EMBEDDING_MODEL_MISSING: 503,
  /** An optional package a setting needs is not installed (details: the package, the install command). */
  DEPENDENCY_MISSING: 500,
  /** Configuration is invalid. */
  INVALID_CONFIG: 500,
  /** A deadline passed. */
  TIMEOUT: 504,
  /** The memory service was closed. */
  CLOSED: 503,
  /** HTTP: no API key, or one that is malformed, unknown or revoked. */
  UNAUTHENTICATED: 401,
  /** HTTP: the API key lacks the scope the route needs. */
  FORBIDDEN: 403,
  /** HTTP: no route has this method and path. */
  ROUTE_NOT_FOUND: 404,
  /** HTTP: the API key does not exist in this tenant. */
  API_KEY_NOT_FOUND: 404,
  /** HTTP: the request body is larger than the server's limit. */
  BODY_TOO_LARGE: 413,
  /** HTTP: the request body's Content-Type is not accepted. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** HTTP: the API key sent too many requests; retry after the Retry-After header. */
  RATE_LIMITED: 429,
  /** The summarizer (e.g. an LLM endpoint) failed or answered something unusable. */
  SUMMARIZER_FAILED: 502,
  /** A backup archive is damaged or incomplete (checksum, count or format): nothing was restored. */
  ARCHIVE_INVALID: 400,
  /** Restore needs an empty store, or records that do not exist yet. */
  ARCHIVE_CONFLICT: 409,
  /** Re-embedding: the target model's index is incomplete or failed verification, so it was not switched to. */
  REEMBED_INCOMPLETE: 409,
  /** An unexpected failure (a bug): logged with the request id, never shown in detail. */
  INTERNAL: 500,
} as const;

export type StrataErrorCode = keyof typeof ERROR_CODES;

export interface StrataErrorOptions {
  readonly cause?: unknown;
  /** Typed details: the field at fault, limits, ids. Never user content. */
  readonly details?: Record<string, unknown>;
}

export class StrataError extends Error {
  override readonly name = 'StrataError';
  readonly code: StrataErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: StrataErrorCode, message: string, options: StrataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  get status(): number {
    return httpStatusFor(this.code);
  }

  toJSON(): { code: StrataErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }

  static is(error: unknown, code?: StrataErrorCode): error is StrataError {
    return error instanceof StrataError && (code === undefined || error.code === code);
  }
}

export function httpStatusFor(code: StrataErrorCode): number {
  return ERROR_CODES[code];
}

export function invalidInput(field: string, message: string, extra: Record<string, unknown> = {}): StrataError {
  return new StrataError('INVALID_INPUT', message, { details: { field, ...extra } });
}
