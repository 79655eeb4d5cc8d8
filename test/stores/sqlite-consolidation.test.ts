import { SqliteConsolidation } from '../../src/stores/sqlite/sqlite-consolidation.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { consolidationStoreConformance } from '../../src/testing/consolidation-store-conformance.js';

consolidationStoreConformance({
  create: async () => {
    const store = new SqliteStore({ path: ':memory:' });
    await store.open();
    return { store, consolidation: new SqliteConsolidation(store), close: () => store.close() };
  },
});
