import { SqliteArchive } from '../../src/stores/sqlite/sqlite-archive.js';
import { SqliteConsolidation } from '../../src/stores/sqlite/sqlite-consolidation.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { archiveStoreConformance } from '../../src/testing/archive-store-conformance.js';

archiveStoreConformance({
  create: async () => {
    const store = new SqliteStore({ path: ':memory:' });
    await store.open();
    return { store, archive: new SqliteArchive(store), consolidation: new SqliteConsolidation(store), close: () => store.close() };
  },
});
