import type { MemoryStoreV1 } from '../spec/memory-store.js';
import type { MetricsSink, StoreTier } from './metrics-sink.js';

/** The tier each store operation serves; operations not listed are `admin`. */
const TIERS: Readonly<Record<string, StoreTier>> = {
  ensureSession: 'episodic',
  getSession: 'episodic',
  listSessions: 'episodic',
  appendMessages: 'episodic',
  appendMessagesWith: 'episodic',
  listMessages: 'episodic',
  findByClientMsgIds: 'episodic',
  insertMemory: 'semantic',
  insertMemories: 'semantic',
  appendTurnContext: 'semantic',
  updateMemory: 'semantic',
  getMemories: 'semantic',
  getEmbeddings: 'semantic',
  listMemories: 'semantic',
  countMemories: 'semantic',
  deleteMemories: 'semantic',
  keywordSearch: 'semantic',
  keywordScores: 'semantic',
  storedWords: 'semantic',
  vectorSearch: 'semantic',
  setFact: 'facts',
  getFacts: 'facts',
  setFactRule: 'facts',
  getFactRule: 'facts',
  getCachedEmbeddings: 'cache',
  putCachedEmbeddings: 'cache',
};

/** Operations recorded under another method's name: appendMessagesWith is appendMessages with core's follow-up writes. */
const OPERATIONS: Readonly<Record<string, string>> = { appendMessagesWith: 'appendMessages' };

/**
 * A store decorator that times every operation into `strata_store_operation_duration_seconds`
 * (tier, operation, outcome). Methods the contract gains later are timed too (as `admin` until listed).
 */
export function timedStore<S extends MemoryStoreV1>(store: S, metrics: MetricsSink): S {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
      const cached = wrapped.get(property);
      if (cached) return cached;
      const tier = TIERS[property] ?? 'admin';
      const operation = OPERATIONS[property] ?? property;
      const timed = function (this: unknown, ...args: unknown[]): unknown {
        const started = performance.now();
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          metrics.storeCall(tier, operation, (performance.now() - started) / 1000, false);
          throw error;
        }
        if (result instanceof Promise) {
          return result.then(
            (settled) => {
              metrics.storeCall(tier, operation, (performance.now() - started) / 1000, true);
              return settled;
            },
            (error: unknown) => {
              metrics.storeCall(tier, operation, (performance.now() - started) / 1000, false);
              throw error;
            },
          );
        }
        metrics.storeCall(tier, operation, (performance.now() - started) / 1000, true);
        return result;
      };
      wrapped.set(property, timed);
      return timed;
    },
  });
}
