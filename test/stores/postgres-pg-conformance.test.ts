import { describe } from 'vitest';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { storeConformance } from '../../src/testing/store-conformance.js';
import { dropSchema, randomSchema } from '../helpers/postgres.js';
import { checkService } from '../helpers/services.js';

// The real PostgreSQL server through the `pg` pool, in a schema of its own. pgvector is not
// installed on this machine's server, so this run holds the exact-cosine fallback to the
// contract; the PGlite file runs the HNSW path.
const service = await checkService('postgres');
const schema = randomSchema();

describe.skipIf(!service.reachable)(`postgres via pg ${service.reason}`, () => {
  storeConformance({
    name: 'postgres (pg pool)',
    create: async () => createPostgresStore({ connectionString: service.url, schema, poolMax: 4, log: () => {} }),
    cleanup: () => dropSchema(schema, service.url),
  });
});
