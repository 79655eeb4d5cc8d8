import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { afterAll, describe } from 'vitest';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { PgConsolidation } from '../../src/stores/postgres/pg-consolidation.js';
import { pgliteDriver } from '../../src/stores/postgres/pglite-driver.js';
import { PostgresStore } from '../../src/stores/postgres/postgres-store.js';
import { consolidationStoreConformance } from '../../src/testing/consolidation-store-conformance.js';
import { dropSchema, randomSchema } from '../helpers/postgres.js';
import { checkService } from '../helpers/services.js';

// ConsolidationStoreV1 on the real server (pg pool) and on PGlite (in-process, pgvector). Each
// conformance test uses a tenant of its own, so one schema per backend serves the whole file.
const service = await checkService('postgres');
const schema = randomSchema('strata_consolidation');

describe.skipIf(!service.reachable)(`postgres consolidation via pg ${service.reason}`, () => {
  consolidationStoreConformance({
    create: async () => {
      const store = createPostgresStore({ connectionString: service.url, schema, poolMax: 3, log: () => {} });
      await store.open();
      return { store, consolidation: new PgConsolidation(store), close: () => store.close() };
    },
  });
  afterAll(() => dropSchema(schema, service.url));
});

describe('postgres consolidation via PGlite', () => {
  const db = new PGlite({ extensions: { vector } });
  consolidationStoreConformance({
    create: async () => {
      const store = new PostgresStore({
        driver: await pgliteDriver(db, { schema: 'strata_consolidation' }),
        schema: 'strata_consolidation',
        log: () => {},
      });
      await store.open();
      return { store, consolidation: new PgConsolidation(store), close: () => store.close() };
    },
  });
  afterAll(() => db.close());
});
