export type { StrataErrorCode, StrataErrorOptions } from './strata-error.js';
export { ERROR_CODES, httpStatusFor, invalidInput, StrataError } from './strata-error.js';
