import type { MemoryStoreV1 } from '../../src/spec/memory-store.js';

export interface ObservedStoreOptions {
  /** Optional methods to hide, so that core takes the path for stores without them. */
  readonly hide?: ReadonlyArray<keyof MemoryStoreV1>;
  /** Counts every method call by name. */
  readonly calls?: Map<string, number>;
}

/** A real store seen through a Proxy: some optional methods hidden, and its calls counted. */
export function observedStore(store: MemoryStoreV1, options: ObservedStoreOptions = {}): MemoryStoreV1 {
  const hidden = new Set<PropertyKey>(options.hide ?? []);
  return new Proxy(store, {
    get(target, property) {
      if (hidden.has(property)) return undefined;
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (options.calls && typeof property === 'string') options.calls.set(property, (options.calls.get(property) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
