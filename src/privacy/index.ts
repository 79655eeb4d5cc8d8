export { ibanValid, luhnValid } from './checksums.js';
export * from './pii-types.js';
export { addCounts, Redactor, redactText } from './redactor.js';
