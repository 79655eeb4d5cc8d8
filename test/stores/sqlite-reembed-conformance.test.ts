import { join } from 'node:path';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { reembedStoreConformance } from '../../src/testing/reembed-store-conformance.js';
import { tempDir } from '../helpers/memory.js';

// A file per test (the re-embed state is global to a store); a threshold of 2 sends user-scoped
// vector searches through the HNSW graph of each model, secondary vectors included.
const { dir, cleanup } = tempDir();
let n = 0;

reembedStoreConformance({
  name: 'sqlite',
  create: async () => new SqliteStore({ path: join(dir, `reembed-${n++}.db`), exactSearchThreshold: 2 }),
  orphans: async (store) =>
    (
      (store as SqliteStore).internals.db
        .prepare('SELECT count(*) AS n FROM memory_embeddings e WHERE NOT EXISTS (SELECT 1 FROM memories m WHERE m.rowid = e.memory_rowid)')
        .get() as { n: number }
    ).n,
  cleanup: async () => cleanup(),
});
