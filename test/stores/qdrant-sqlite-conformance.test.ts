import { join } from 'node:path';
import { expect, it } from 'vitest';
import { QdrantVectorIndex } from '../../src/stores/qdrant/qdrant-vector-index.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { VectorIndexedStore } from '../../src/stores/vector-indexed-store.js';
import { storeConformance } from '../../src/testing/store-conformance.js';
import { tempDir } from '../helpers/memory.js';
import { REAL_QDRANT } from '../helpers/qdrant.js';
import { type QdrantStandIn, startQdrantStandIn } from '../helpers/qdrant-stand-in.js';

// VectorIndexedStore over a real SQLite file, mirroring into Qdrant through the real adapter and
// @qdrant/js-client-rest. Qdrant itself cannot run on this machine (nor in CI), so unless
// QDRANT_URL names a real one, the server is the loopback STAND-IN (test/helpers/qdrant-stand-in.ts):
// a node:http server answering the REST calls the adapter makes, with Qdrant's response shapes,
// evaluating cosine scores and payload filters honestly. Vector searches are answered from it.
const standIn: QdrantStandIn | null = REAL_QDRANT ? null : await startQdrantStandIn();
const url = REAL_QDRANT ?? (standIn as QdrantStandIn).url;
const prefix = `strata_c${process.pid}_${Date.now().toString(36)}`;
const { dir, cleanup } = tempDir();
const path = join(dir, 'conformance.db');
const indexErrors: string[] = [];

storeConformance({
  name: 'sqlite indexed into qdrant',
  create: async () =>
    new VectorIndexedStore({
      durable: new SqliteStore({ path }),
      index: new QdrantVectorIndex({ url, prefix }),
      retryAfterMs: 0,
      onIndexError: (error, operation) => indexErrors.push(`${operation}: ${(error as Error).message}`),
    }),
  cleanup: async () => {
    await standIn?.close();
    cleanup();
  },
});

// Runs after the suite: its vector searches were answered by the index, which never failed (a
// failure would have sent searches to SQLite's own vector search and hidden the index's answers).
it('the suite searched through the Qdrant index, with no index error', () => {
  expect(indexErrors).toEqual([]);
  if (standIn) expect(standIn.requests.filter((request) => request.path.endsWith('/points/query')).length).toBeGreaterThan(5);
  else expect(REAL_QDRANT).toBeDefined();
});
