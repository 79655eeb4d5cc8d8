import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { afterAll } from 'vitest';
import { pgliteDriver } from '../../src/stores/postgres/pglite-driver.js';
import { PostgresStore } from '../../src/stores/postgres/postgres-store.js';
import { storeConformance } from '../../src/testing/store-conformance.js';

// PGlite (PostgreSQL in WASM, in-process) with the pgvector extension loaded: the HNSW path.
// One PGlite instance is one database; every `create` returns a store over it (the second one is
// the suite's concurrent writer; PGlite serialises the two on its single connection).
const db = new PGlite({ extensions: { vector } });
const schema = 'strata_conformance';

storeConformance({
  name: 'postgres (PGlite + pgvector)',
  create: async () => new PostgresStore({ driver: await pgliteDriver(db, { schema }), schema, log: () => {} }),
});

afterAll(async () => {
  await db.close();
});
