import type { SummarizerV1, SummaryInput, SummaryOutput } from '../spec/summarizer.js';
import type { VectorIndexV1 } from '../spec/vector-index.js';
import type { CircuitBreaker } from './breaker.js';

/** Index calls that reach the remote server (open/close/describe of the client itself too). */
const LOCAL = new Set(['constructor']);

/**
 * A vector index (Qdrant) whose calls go through a breaker. While open they fail at once with
 * STORE_UNAVAILABLE; VectorIndexedStore then answers vector search from the durable store and
 * queues the index writes for repair, as for any index failure.
 */
export function breakerIndex(index: VectorIndexV1, breaker: CircuitBreaker): VectorIndexV1 {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(index, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || LOCAL.has(property) || property === 'close') return value;
      const cached = wrapped.get(property);
      if (cached) return cached;
      const guarded = (...args: unknown[]) => breaker.run(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
      wrapped.set(property, guarded);
      return guarded;
    },
  });
}

/**
 * A summarizer (the LLM one) whose calls go through a breaker: 5xx and timeouts open it (then
 * consolidation fails fast with SUMMARIZER_FAILED, `details.breaker: 'open'`), a 429 fails fast
 * for its Retry-After without counting, and a run of 401/403 for one tenant downgrades that
 * tenant to write_only for the cool-down (the tenant is `input.tenantId`).
 */
export function breakerSummarizer(summarizer: SummarizerV1, breaker: CircuitBreaker): SummarizerV1 {
  return {
    specificationVersion: 'v1',
    name: summarizer.name,
    summarize(input: SummaryInput, options?: { signal?: AbortSignal }): Promise<SummaryOutput> {
      return breaker.run(() => summarizer.summarize(input, options), { tenantId: input.tenantId });
    },
  };
}
