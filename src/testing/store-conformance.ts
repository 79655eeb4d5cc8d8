import { afterAll, beforeAll, describe, it } from 'vitest';
import type { MemoryStoreV1 } from '../spec/memory-store.js';
import type { Scope } from '../spec/records.js';
import { factConformance } from './conformance-facts.js';
import { memoryConformance } from './conformance-memories.js';
import { searchConformance } from './conformance-search.js';
import { sessionConformance } from './conformance-sessions.js';
import { newId } from './store-fixtures.js';

export interface StoreConformanceSkip {
  /** Why these tests do not apply to the backend (shown in the skipped test's name). */
  readonly reason: string;
  /** Test names, as the suite registers them. */
  readonly tests: readonly string[];
}

export interface StoreConformanceOptions {
  readonly name: string;
  /**
   * A store over the backend's test database, not yet opened. Every call must return a store
   * over the SAME data: the suite calls it a second time for a concurrent writer.
   */
  readonly create: () => Promise<MemoryStoreV1>;
  /** Runs after every store the suite created is closed (drop the schema, remove the file). */
  readonly cleanup?: () => Promise<void>;
  readonly skip?: readonly StoreConformanceSkip[];
}

/** What each group of conformance tests gets: the opened store, a second writer, a fresh scope. */
export interface ConformanceContext {
  store(): MemoryStoreV1;
  /** A second opened store over the same data (closed by the suite). */
  peer(): Promise<MemoryStoreV1>;
  /** A scope in a tenant no other test uses. */
  scope(userId?: string): Scope;
  /** Registers a test, or skips it with the reason the backend gave. */
  test(name: string, body: () => Promise<void>): void;
}

/**
 * The MemoryStoreV1 conformance suite: every backend's test file calls it with a factory, and
 * every backend is held to the same behaviour (sessions, messages and their seq, idempotency,
 * memories and filters, keyword and vector search, facts, caches, erase, tenant isolation,
 * concurrent writers). Each test works in a tenant of its own, so one store serves the suite.
 */
export function storeConformance(options: StoreConformanceOptions): void {
  const skipped = new Map<string, string>();
  for (const entry of options.skip ?? []) for (const test of entry.tests) skipped.set(test, entry.reason);
  const opened: MemoryStoreV1[] = [];
  let main: MemoryStoreV1 | null = null;

  const open = async (): Promise<MemoryStoreV1> => {
    const store = await options.create();
    await store.open();
    opened.push(store);
    return store;
  };

  const context: ConformanceContext = {
    store: () => {
      if (!main) throw new Error('the store is not open (beforeAll failed)');
      return main;
    },
    peer: open,
    scope: (userId = 'u1') => ({ tenantId: newId('tenant'), userId }),
    test: (name, body) => {
      const reason = skipped.get(name);
      if (reason !== undefined) it.skip(`${name} (skipped: ${reason})`, body);
      else it(name, body);
    },
  };

  describe(`MemoryStoreV1 conformance: ${options.name}`, () => {
    beforeAll(async () => {
      main = await open();
    });
    afterAll(async () => {
      for (const store of opened.splice(0)) await store.close();
      await options.cleanup?.();
    });

    describe('sessions and messages', () => sessionConformance(context));
    describe('memories', () => memoryConformance(context));
    describe('search', () => searchConformance(context));
    describe('facts, caches and erase', () => factConformance(context));
  });
}
