/**
 * Every request and response schema of the HTTP API (zod 4), in one place. The server
 * validates and documents with them (OpenAPI 3.1 at /openapi.json); a typed client can
 * import them. No server code is imported from here.
 */
export * from './admin.js';
export * from './common.js';
export * from './facts.js';
export * from './inspector.js';
export * from './memories.js';
export * from './retrieval.js';
export * from './sessions.js';
