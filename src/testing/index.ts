// `strata/testing`: the conformance suites a backend's test file calls (needs vitest).
export { type StoreConformanceOptions, type StoreConformanceSkip, storeConformance } from './store-conformance.js';
export { MODEL, memoryOf, messageOf, newId, OTHER_MODEL, unit } from './store-fixtures.js';
