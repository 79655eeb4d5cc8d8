import type { MemoryStoreV1 } from '../../src/spec/memory-store.js';

export interface SlowStore {
  readonly store: MemoryStoreV1;
  /** Delayed calls that have not finished yet. */
  readonly inFlight: () => number;
  /** Resolves when every delayed call has finished (call before closing the store). */
  readonly idle: () => Promise<void>;
  /** Changes the delay of later calls. */
  setDelay(ms: number): void;
}

/**
 * A decorator around a real store that really sleeps (setTimeout, no fake timers) for `delayMs`
 * before each call to `methods`, then runs the real call: a slow backend, for deadline tests.
 */
export function slowStore(inner: MemoryStoreV1, methods: readonly (keyof MemoryStoreV1)[], delayMs: number): SlowStore {
  let delay = delayMs;
  const pending = new Set<Promise<unknown>>();
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || !methods.includes(property as keyof MemoryStoreV1)) {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (...args: unknown[]) => {
        const call = new Promise((resolve) => setTimeout(resolve, delay)).then(() =>
          (value as (...a: unknown[]) => Promise<unknown>).apply(target, args),
        );
        pending.add(call);
        const done = () => pending.delete(call);
        call.then(done, done);
        return call;
      };
    },
  });
  return {
    store,
    inFlight: () => pending.size,
    idle: async () => {
      await Promise.allSettled([...pending]);
    },
    setDelay: (ms) => {
      delay = ms;
    },
  };
}
