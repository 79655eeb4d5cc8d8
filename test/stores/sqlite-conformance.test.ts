import { join } from 'node:path';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { storeConformance } from '../../src/testing/store-conformance.js';
import { tempDir } from '../helpers/memory.js';

// A real database file (not `:memory:`): each `create` opens another connection to it, which the
// suite uses as a second, concurrent writer. A threshold of 2 sends user-scoped vector searches of
// more than two vectors through the HNSW graph, so the ANN path is held to the contract too.
const { dir, cleanup } = tempDir();
const path = join(dir, 'conformance.db');

storeConformance({
  name: 'sqlite',
  create: async () => new SqliteStore({ path, exactSearchThreshold: 2 }),
  cleanup: async () => cleanup(),
});
