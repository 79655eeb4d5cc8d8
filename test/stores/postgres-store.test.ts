import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { appliedPgMigration, latestPgMigration } from '../../src/stores/postgres/pg-migrate.js';
import { pgliteDriver } from '../../src/stores/postgres/pglite-driver.js';
import { PostgresStore } from '../../src/stores/postgres/postgres-store.js';
import { MODEL, memoryOf, OTHER_MODEL, unit } from '../../src/testing/store-fixtures.js';
import { expectStrataError, tempDir } from '../helpers/memory.js';
import { dropSchema, randomSchema } from '../helpers/postgres.js';
import { checkService } from '../helpers/services.js';

// What the conformance suite cannot see: migrations under the advisory lock, how vector search
// is set up (pgvector HNSW per model on PGlite, the exact fallback on this machine's server).
const service = await checkService('postgres');

describe.skipIf(!service.reachable)(`postgres store on the real server ${service.reason}`, () => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema, service.url);
  });

  it('four stores opening a fresh schema at once apply each migration once', async () => {
    const schema = randomSchema();
    schemas.push(schema);
    const stores = Array.from({ length: 4 }, () =>
      createPostgresStore({ connectionString: service.url, schema, poolMax: 2, log: () => {} }),
    );
    await Promise.all(stores.map((store) => store.open()));
    const store = stores[0] as PostgresStore;
    expect(await appliedPgMigration(store.pg, schema)).toBe(latestPgMigration());
    const { rows } = await store.pg.query<{ version: number; n: string }>(
      `SELECT version, count(*) AS n FROM "${schema}".schema_migrations GROUP BY version`,
    );
    expect(rows.map((row) => Number(row.n))).toEqual(Array(latestPgMigration()).fill(1));
    for (const each of stores) await each.close();
  });

  it('says at open how vector search runs, and falls back to exact cosine without pgvector', async () => {
    const schema = randomSchema();
    schemas.push(schema);
    const client = new pg.Client({ connectionString: service.url });
    await client.connect();
    const available = (await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`)).rowCount ?? 0;
    await client.end();
    const said: string[] = [];
    const store = createPostgresStore({ connectionString: service.url, schema, log: (line) => said.push(line) });
    await store.open();
    expect(store.vectorSupport.mode).toBe(available > 0 ? 'pgvector' : 'exact');
    if (available === 0) expect(said.join('\n')).toMatch(/vector extension is not available/);
    const scope = { tenantId: 't', userId: 'u' };
    const near = await store.insertMemory(memoryOf(scope, { embedding: unit(1, 0.2, 0, 0), embeddingModel: MODEL }));
    await store.insertMemory(memoryOf(scope, { embedding: unit(0, 1, 0, 0), embeddingModel: MODEL }));
    const hits = await store.vectorSearch(scope, unit(1, 0, 0, 0), MODEL, 1);
    expect(hits).toEqual([{ id: near.id, score: expect.closeTo(1 / Math.hypot(1, 0.2), 5) }]);
    await store.close();
  });
});

describe('postgres store on PGlite with pgvector', () => {
  const db = new PGlite({ extensions: { vector } });
  afterAll(async () => {
    await db.close();
  });

  it('creates one partial HNSW index per embedding model and answers ANN search through it', async () => {
    const schema = 'hnsw_check';
    const store = new PostgresStore({ driver: await pgliteDriver(db, { schema }), schema, log: () => {} });
    await store.open();
    expect(store.vectorSupport.mode).toBe('pgvector');
    const scope = { tenantId: 't', userId: 'u' };
    for (let i = 0; i < 300; i++) {
      const angle = (i / 300) * Math.PI;
      await store.insertMemory(memoryOf(scope, { embedding: unit(Math.cos(angle), Math.sin(angle), 0.1, 0), embeddingModel: MODEL }));
    }
    await store.insertMemory(memoryOf(scope, { embedding: unit(1, 0, 0), embeddingModel: OTHER_MODEL }));
    await db.exec(`ANALYZE ${schema}.memories`);
    const indexes = await db.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'memories_hnsw_%'`,
      [schema],
    );
    expect(indexes.rows.map((row) => row.indexdef.match(/vector\((\d)\)/)?.[1]).sort()).toEqual(['3', '4']);
    // At 300 rows a scan is cheaper; with scans priced out, the plan shows the index matches the
    // query's expression and its predicate (the model), which is what the store relies on.
    await db.exec('SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off');
    const plan = await db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT id FROM ${schema}.memories m WHERE m.tenant_id = 't' AND m.user_id = 'u' AND m.embedding_model = '${MODEL}'
       ORDER BY (m.embedding_vec::vector(4)) <=> '[1,0,0,0]'::vector(4) LIMIT 5`,
    );
    await db.exec('RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_sort');
    expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/Index Scan using memories_hnsw_/);
    const ann = await store.vectorSearch(scope, unit(1, 0, 0, 0), MODEL, 5);
    const exact = await store.vectorSearch(scope, unit(1, 0, 0, 0), MODEL, 5, { exact: true });
    expect(ann.map((hit) => hit.id)).toEqual(exact.map((hit) => hit.id));
    const report = await store.rebuildIndexes();
    expect(report.vectorIndexes).toEqual([
      { model: OTHER_MODEL, vectors: 1 },
      { model: MODEL, vectors: 300 },
    ]);
    await store.close();
  }, 60_000);
});

describe('postgres store gaining pgvector later', () => {
  it('vectors stored without the extension are searchable through HNSW once it exists', async () => {
    // One PGlite data directory, opened first without the pgvector bundle, then with it.
    const data = tempDir();
    const schema = 'later';
    const plain = new PGlite(data.dir);
    const before = new PostgresStore({ driver: await pgliteDriver(plain, { schema, owned: true }), schema, log: () => {} });
    await before.open();
    expect(before.vectorSupport.mode).toBe('exact');
    const scope = { tenantId: 't', userId: 'u' };
    const near = await before.insertMemory(memoryOf(scope, { embedding: unit(1, 0.1, 0, 0), embeddingModel: MODEL }));
    await before.insertMemory(memoryOf(scope, { embedding: unit(0, 1, 0, 0), embeddingModel: MODEL }));
    expect((await before.vectorSearch(scope, unit(1, 0, 0, 0), MODEL, 1))[0]?.id).toBe(near.id);
    await before.close();
    const withVector = new PGlite(data.dir, { extensions: { vector } });
    const after = new PostgresStore({ driver: await pgliteDriver(withVector, { schema, owned: true }), schema, log: () => {} });
    try {
      await after.open();
      expect(after.vectorSupport.mode).toBe('pgvector');
      for (const exact of [false, true]) {
        expect((await after.vectorSearch(scope, unit(1, 0, 0, 0), MODEL, 1, { exact }))[0]?.id).toBe(near.id);
      }
      const filled = await withVector.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${schema}.memories WHERE embedding_vec IS NOT NULL`,
      );
      expect(filled.rows[0]?.n).toBe(2);
    } finally {
      await after.close();
      data.cleanup();
    }
  }, 60_000);
});

describe.skipIf(!service.reachable)(`postgres connection failures ${service.reason}`, () => {
  it('a connection lost mid-query is STORE_UNAVAILABLE, and the pool serves the next query on a new one', async () => {
    const schema = randomSchema();
    const store = createPostgresStore({ connectionString: service.url, schema, poolMax: 2, log: () => {} });
    await store.open();
    try {
      // The expectation is attached at once: the rejection arrives while the admin connection works.
      const failed = expectStrataError(store.pg.query('SELECT pg_backend_pid() AS pid, pg_sleep(30)', []), 'STORE_UNAVAILABLE');
      const admin = new pg.Client({ connectionString: service.url });
      await admin.connect();
      // The backend running the sleep, found by its query text, then terminated as an admin would.
      let pid: number | undefined;
      for (let i = 0; i < 50 && pid === undefined; i++) {
        const { rows } = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_backend_pid() AS pid, pg_sleep(30)%' AND pid <> pg_backend_pid()`,
        );
        pid = rows[0]?.pid;
        if (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(pid).toBeDefined();
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await admin.end();
      const error = await failed;
      expect(error.details).toEqual({ code: '57P01' });
      expect(await store.countMemories({ tenantId: 't' })).toBe(0);
    } finally {
      await store.close();
      await dropSchema(schema, service.url);
    }
  });

  it('a server that does not answer fails open() with STORE_UNAVAILABLE', async () => {
    const store = createPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/none', schema: 'nowhere', log: () => {} });
    await expectStrataError(store.open(), 'STORE_UNAVAILABLE');
    await store.close();
  });
});
