/**
 * `strata/client`: a typed fetch client of the Strata HTTP API, with no runtime dependency.
 * Its types come from the server's zod schemas (src/http/schemas) as type-only imports.
 */

export { type ClientFailureCode, StrataClientError, type StrataClientErrorCode } from './client-error.js';
export type * from './client-types.js';
export type { CallOptions, RetryEvent } from './http-transport.js';
export { paginate } from './paginate.js';
export { DEFAULT_RETRY_POLICY, parseRetryAfter, type RetryPolicy } from './retry-policy.js';
export { StrataClient, type StrataClientOptions } from './strata-client.js';
