export type * from './archive-store.js';
export type { StoreCapabilities } from './capabilities.js';
export type * from './consolidation-store.js';
export type { EmbeddingModelRef, EmbeddingModelV1 } from './embedding-model.js';
export { embeddingModelId } from './embedding-model.js';
export type * from './memory-store.js';
export type * from './records.js';
export { MEMORY_KINDS } from './records.js';
export type * from './summarizer.js';
