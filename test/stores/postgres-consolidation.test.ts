import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { afterAll, describe, expect, it } from 'vitest';
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

// What the conformance suite does not cover: the rows' references to their session.
describe('postgres consolidation rows follow their session', () => {
  it("a user's erase takes the session's checkpoint and lease; a lease on a missing session is refused", async () => {
    const db = new PGlite();
    const store = new PostgresStore({ driver: await pgliteDriver(db, { schema: 'strata', owned: true }), log: () => {} });
    await store.open();
    try {
      const consolidation = new PgConsolidation(store);
      expect(await consolidation.leaseConsolidation('t1', 'nowhere', 'w1', 60_000, 1000)).toBeNull();
      await store.ensureSession({ tenantId: 't1', id: 's1', userId: 'alice', metadata: {}, createdAt: 1000 });
      const lease = await consolidation.leaseConsolidation('t1', 's1', 'w1', 60_000, 1000);
      expect(lease).not.toBeNull();
      const outcome = await consolidation.commitConsolidation({
        lease: lease as NonNullable<typeof lease>,
        runId: 'run-1',
        fromSeq: 0,
        toSeq: 0,
        now: 2000,
        insert: [],
        merge: [],
        remove: [],
        summary: null,
      });
      expect(outcome.status).toBe('applied');
      expect(await consolidation.getCheckpoint('t1', 's1')).toMatchObject({ upToSeq: 0, runId: 'run-1' });
      await store.forgetUser('t1', 'alice');
      expect(await consolidation.getCheckpoint('t1', 's1')).toBeNull();
      const { rows } = await store.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM consolidation_leases', []);
      expect(rows[0]?.n).toBe(0);
    } finally {
      await store.close();
    }
  });
});
