import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { afterAll, describe } from 'vitest';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { pgliteDriver } from '../../src/stores/postgres/pglite-driver.js';
import { PostgresStore } from '../../src/stores/postgres/postgres-store.js';
import { type ReembeddableTestStore, reembedStoreConformance } from '../../src/testing/reembed-store-conformance.js';
import { dropSchema, randomSchema } from '../helpers/postgres.js';
import { checkService } from '../helpers/services.js';

const orphans = async (store: ReembeddableTestStore): Promise<number> => {
  const { rows } = await (store as PostgresStore).pg.query<{ n: string | number }>(
    'SELECT count(*) AS n FROM memory_embeddings e WHERE NOT EXISTS (SELECT 1 FROM memories m WHERE m.row_id = e.memory_row_id)',
    [],
  );
  return Number(rows[0]?.n ?? 0);
};

// PGlite with pgvector: secondary vectors through their own partial HNSW index. A schema per test
// (the re-embed state is global to a store).
const db = new PGlite({ extensions: { vector } });
let n = 0;
reembedStoreConformance({
  name: 'postgres (PGlite + pgvector)',
  create: async () => {
    const schema = `strata_reembed_${n++}`;
    return new PostgresStore({ driver: await pgliteDriver(db, { schema }), schema, log: () => {} });
  },
  orphans,
});
afterAll(async () => {
  await db.close();
});

// The real server through `pg` (no pgvector here: the exact in-process scoring path).
const service = await checkService('postgres');
const schemas: string[] = [];
describe.skipIf(!service.reachable)(`postgres via pg ${service.reason}`, () => {
  reembedStoreConformance({
    name: 'postgres (pg pool)',
    create: async () => {
      const schema = randomSchema('strata_reembed');
      schemas.push(schema);
      return createPostgresStore({ connectionString: service.url, schema, poolMax: 2, log: () => {} });
    },
    orphans,
    cleanup: async () => {
      for (const schema of schemas) await dropSchema(schema, service.url);
    },
  });
});
