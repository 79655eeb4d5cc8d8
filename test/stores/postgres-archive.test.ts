import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { describe } from 'vitest';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { PgArchive } from '../../src/stores/postgres/pg-archive.js';
import { PgConsolidation } from '../../src/stores/postgres/pg-consolidation.js';
import { pgliteDriver } from '../../src/stores/postgres/pglite-driver.js';
import { PostgresStore } from '../../src/stores/postgres/postgres-store.js';
import { archiveStoreConformance } from '../../src/testing/archive-store-conformance.js';
import { dropSchema, randomSchema } from '../helpers/postgres.js';
import { checkService } from '../helpers/services.js';

// ArchiveStoreV1 on the real server (exact-cosine vectors: no pgvector there) and on PGlite with
// pgvector (restore's rebuild fills the vector column and its HNSW index). Restore needs an
// empty store, so every `create` gets a schema (server) or a database (PGlite) of its own.
const service = await checkService('postgres');

describe.skipIf(!service.reachable)(`postgres archive via pg ${service.reason}`, () => {
  archiveStoreConformance({
    create: async () => {
      const schema = randomSchema('strata_archive');
      const store = createPostgresStore({ connectionString: service.url, schema, poolMax: 3, log: () => {} });
      await store.open();
      return {
        store,
        archive: new PgArchive(store),
        consolidation: new PgConsolidation(store),
        close: async () => {
          await store.close();
          await dropSchema(schema, service.url);
        },
      };
    },
  });
});

describe('postgres archive via PGlite', () => {
  archiveStoreConformance({
    create: async () => {
      const db = new PGlite({ extensions: { vector } });
      const store = new PostgresStore({ driver: await pgliteDriver(db, { schema: 'strata', owned: true }), log: () => {} });
      await store.open();
      return { store, archive: new PgArchive(store), consolidation: new PgConsolidation(store), close: () => store.close() };
    },
  });
});
