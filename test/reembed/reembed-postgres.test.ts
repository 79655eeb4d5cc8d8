import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { HashedWordsEmbedder } from '../../src/embeddings/offline/hashed-words-embedder.js';
import { createWordVectorEmbedder } from '../../src/embeddings/offline/word-vector-embedder.js';
import { reembeddableStoreOf, reembedMemory, rollbackMemory } from '../../src/reembed/reembed-memory.js';
import { embeddingModelId } from '../../src/spec/embedding-model.js';
import type { MemoryStoreV1 } from '../../src/spec/memory-store.js';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { pgliteDriver } from '../../src/stores/postgres/pglite-driver.js';
import { PostgresStore } from '../../src/stores/postgres/postgres-store.js';
import { expectStrataError, searchIds, TOPICS } from '../helpers/memory.js';
import { dropSchema, randomSchema } from '../helpers/postgres.js';
import { checkService } from '../helpers/services.js';

// The same migration on PostgreSQL: the real server through `pg` (exact scoring: no pgvector
// here) and PGlite with pgvector (HNSW per model, secondary vectors included). Two real offline models.
const wordvec = createWordVectorEmbedder();
const OLD_ID = embeddingModelId({ name: wordvec.modelName, version: wordvec.modelVersion, dims: wordvec.dimensions });
const hashed = new HashedWordsEmbedder();
const NEW_ID = embeddingModelId({ name: hashed.modelName, version: hashed.modelVersion, dims: hashed.dimensions });
const USERS = ['alice', 'bob'] as const;

const service = await checkService('postgres');
const pglite = new PGlite({ extensions: { vector } });
const schemas: string[] = [];
afterAll(async () => {
  await pglite.close();
  if (service.reachable) for (const schema of schemas) await dropSchema(schema, service.url);
});

const backends: Array<{ name: string; skip: boolean; store: (schema: string) => Promise<MemoryStoreV1> }> = [
  {
    name: 'PGlite + pgvector',
    skip: false,
    store: async (schema) => new PostgresStore({ driver: await pgliteDriver(pglite, { schema }), schema, log: () => {} }),
  },
  {
    name: `pg pool ${service.reason}`,
    skip: !service.reachable,
    store: async (schema) => createPostgresStore({ connectionString: service.url, schema, poolMax: 3, log: () => {} }),
  },
];

const seed = async (memory: MemoryService): Promise<Array<{ text: string; id: string; userId: string }>> => {
  const out: Array<{ text: string; id: string; userId: string }> = [];
  for (const userId of USERS) {
    for (const [t, topic] of TOPICS.entries()) {
      for (let v = 0; v < 2; v++) {
        const text = `${topic} (${userId} note ${t}-${v})`;
        out.push({ text, userId, id: (await memory.remember({ userId, text })).memory.id });
      }
    }
  }
  return out;
};

for (const backend of backends) {
  describe.skipIf(backend.skip)(`blue/green re-embedding on PostgreSQL (${backend.name})`, () => {
    const open = async (schema: string, options: Parameters<typeof createMemory>[0] = {}): Promise<MemoryService> =>
      createMemory({ store: await backend.store(schema), metrics: false, contextCache: false, readDeadlineMs: 0, ...options });

    it('interrupted and resumed, searched and written during the migration, switched, restarted, rolled back', async () => {
      const schema = randomSchema('strata_reembed_job');
      schemas.push(schema);
      const memory = await open(schema);
      const seeded = await seed(memory);
      expect(seeded).toHaveLength(64);
      // Interrupted after two batches.
      const stop = new AbortController();
      await expectStrataError(
        reembedMemory(memory, 'offline-hashed', {
          batchSize: 10,
          sampleSize: 0,
          signal: stop.signal,
          onProgress: (p) => {
            if (p.done >= 20) stop.abort();
          },
        }),
        'REEMBED_INCOMPLETE',
      );
      const store = reembeddableStoreOf(memory);
      expect(await store.countEmbeddings(NEW_ID)).toEqual({ memories: 64, embedded: 20 });
      await memory.close();

      // Resumed by another process, which searches and writes between its batches.
      const again = await open(schema);
      const target = await again.activeEmbedder.resolve('offline-hashed');
      const probes = seeded.filter((_, i) => i % 9 === 0);
      const during: Array<{ text: string; id: string; userId: string }> = [];
      let misses = 0;
      let searches = 0;
      const report = await reembedMemory(again, 'offline-hashed', {
        batchSize: 10,
        sampleSize: 8,
        onProgress: async (p) => {
          for (const probe of probes) {
            searches += 1;
            if ((await searchIds(again, probe.text, { userId: probe.userId, k: 3 }))[0] !== probe.id) misses += 1;
          }
          if (p.phase === 'build' && during.length < 3) {
            const text = `Written mid-migration: the ferry timetable changed on route ${during.length}`;
            during.push({ text, userId: 'alice', id: (await again.remember({ userId: 'alice', text })).memory.id });
          }
        },
      });
      expect(report).toMatchObject({ switched: true, model: NEW_ID, from: OLD_ID });
      expect(report.resumedFrom?.embedded).toBe(20);
      // The remainder (44) and the three written meanwhile; the sample's texts were all embedded in this run or cached.
      expect(report.embedded).toBe(47);
      expect(target.stats.texts).toBeLessThanOrEqual(47 + 8);
      expect(target.stats.texts).toBeGreaterThanOrEqual(47);
      expect(report.verification).toMatchObject({ memories: 67, embedded: 67, missing: 0, failedQueries: 0 });
      expect(searches).toBeGreaterThan(0);
      expect(misses).toBe(0);
      expect(again.embedder.modelId).toBe(NEW_ID);
      for (const write of during) {
        expect((await searchIds(again, write.text, { userId: write.userId, mode: 'vector', k: 3 }))[0]).toBe(write.id);
      }
      await again.close();

      // A restarted process uses the new model; a rollback embeds only what came after the switch.
      const restarted = await open(schema);
      expect(restarted.embedder.modelId).toBe(NEW_ID);
      const probe = seeded[33] as { text: string; id: string; userId: string };
      expect((await searchIds(restarted, probe.text, { userId: probe.userId, mode: 'vector', k: 3 }))[0]).toBe(probe.id);
      const late = await restarted.remember({ userId: 'bob', text: 'After the switch Bob repainted the garden shed green' });
      expect(late.memory.embeddingModel).toBe(NEW_ID);
      const back = await rollbackMemory(restarted, { batchSize: 10 });
      expect(back).toMatchObject({ model: OLD_ID, switched: true, embedded: 1 });
      expect(restarted.embedder.modelId).toBe(OLD_ID);
      expect((await searchIds(restarted, 'Bob repainted the garden shed green', { userId: 'bob', mode: 'vector', k: 1 }))[0]).toBe(
        late.memory.id,
      );
      // Forget and erase take the vectors of both models.
      await restarted.forget(late.memory.id);
      await restarted.forgetUser('alice');
      const rstore = reembeddableStoreOf(restarted);
      const left = await restarted.countMemories();
      expect(left).toBe(32);
      expect(await rstore.countEmbeddings(NEW_ID)).toEqual({ memories: 32, embedded: 32 });
      expect(await rstore.countEmbeddings(OLD_ID)).toEqual({ memories: 32, embedded: 32 });
      const { rows } = await (rstore as unknown as PostgresStore).pg.query<{ n: string | number }>(
        'SELECT count(*) AS n FROM memory_embeddings e WHERE NOT EXISTS (SELECT 1 FROM memories m WHERE m.row_id = e.memory_row_id)',
        [],
      );
      expect(Number(rows[0]?.n)).toBe(0);
      await restarted.close();
    }, 120_000);
  });
}
