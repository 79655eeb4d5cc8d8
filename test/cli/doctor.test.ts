import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DoctorReport, TierReport } from '../../src/config/doctor/tier-report.js';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { latestPgMigration } from '../../src/stores/postgres/pg-migrate.js';
import { runCli } from '../helpers/cli.js';
import { memoryInRam, tempDir } from '../helpers/memory.js';
import { dropSchema, randomSchema } from '../helpers/postgres.js';
import { closedPort } from '../helpers/qdrant.js';
import { type QdrantStandIn, startQdrantStandIn } from '../helpers/qdrant-stand-in.js';
import { checkService, SERVICES } from '../helpers/services.js';

const redis = await checkService('redis');
const postgres = await checkService('postgres');

// Qdrant cannot run here: the doctor talks to the loopback stand-in (test/helpers/qdrant-stand-in.ts).
let standIn: QdrantStandIn;
beforeAll(async () => {
  standIn = await startQdrantStandIn();
});
afterAll(async () => {
  await standIn.close();
});

const VARS = ['STRATA_STORE', 'DATABASE_URL', 'STRATA_PG_SCHEMA', 'REDIS_URL', 'QDRANT_URL', 'QDRANT_API_KEY'] as const;
const saved = new Map<string, string | undefined>();
let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  for (const name of VARS) {
    saved.set(name, process.env[name]);
    delete process.env[name];
  }
});
afterEach(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  cleanup();
});

async function doctor(env: Partial<Record<(typeof VARS)[number], string>> = {}): Promise<{ code: number; report: DoctorReport }> {
  Object.assign(process.env, env);
  const result = await runCli(['--json', '--data', dir, 'doctor', '--timeout', '2000']);
  return { code: result.code, report: JSON.parse(result.stdout) as DoctorReport };
}

const tier = (report: DoctorReport, name: TierReport['tier']): TierReport | undefined => report.tiers.find((entry) => entry.tier === name);

async function createDatabase(): Promise<void> {
  const memory = await memoryInRam({ path: join(dir, 'strata.db') });
  await memory.close();
}

describe('strata doctor', () => {
  it('reports a missing SQLite database as down and exits 1', async () => {
    const { code, report } = await doctor();
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.tiers).toHaveLength(1);
    expect(tier(report, 'store')).toMatchObject({ backend: 'sqlite', ok: false, reachable: false, target: join(dir, 'strata.db') });
  });

  it('a migrated SQLite store and a Qdrant that answers are ok: exit 0, with latency and versions', async () => {
    await createDatabase();
    const { code, report } = await doctor({ QDRANT_URL: standIn.url });
    expect(report.tiers.map((entry) => entry.tier)).toEqual(['store', 'qdrant']);
    expect(tier(report, 'store')).toMatchObject({ ok: true, reachable: true, migrated: true, extension: { name: 'fts5', present: true } });
    expect(tier(report, 'store')?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(tier(report, 'qdrant')).toMatchObject({ ok: true, reachable: true, migrated: true, version: '1.15.5' });
    expect(code).toBe(0);
  });

  it('a Qdrant collection without the payload indexes is reported as not migrated', async () => {
    await createDatabase();
    const client = new QdrantClient({ url: standIn.url, checkCompatibility: false });
    await client.createCollection('strata_manual__x', { vectors: { size: 3, distance: 'Cosine' } });
    try {
      const { code, report } = await doctor({ QDRANT_URL: standIn.url });
      expect(tier(report, 'qdrant')).toMatchObject({ ok: false, reachable: true, migrated: false });
      expect(tier(report, 'qdrant')?.detail).toContain('strata_manual__x');
      expect(code).toBe(1);
    } finally {
      await client.deleteCollection('strata_manual__x');
    }
  });

  it('a Qdrant that does not answer is down: exit 1', async () => {
    await createDatabase();
    const { code, report } = await doctor({ QDRANT_URL: `http://127.0.0.1:${await closedPort()}` });
    expect(tier(report, 'qdrant')).toMatchObject({ ok: false, reachable: false, latencyMs: null });
    expect(tier(report, 'qdrant')?.detail).toContain('ECONNREFUSED');
    expect(code).toBe(1);
  });

  it('STRATA_STORE=postgres without DATABASE_URL is a configuration fault', async () => {
    const { code, report } = await doctor({ STRATA_STORE: 'postgres' });
    expect(tier(report, 'store')).toMatchObject({ backend: 'postgres', ok: false });
    expect(tier(report, 'store')?.detail).toContain('DATABASE_URL');
    expect(code).toBe(1);
  });

  it('a PostgreSQL port nothing listens on is down, and the password never shows', async () => {
    const { code, report } = await doctor({
      STRATA_STORE: 'postgres',
      DATABASE_URL: `postgres://strata:hunter2@127.0.0.1:${await closedPort()}/x`,
    });
    expect(tier(report, 'store')).toMatchObject({ backend: 'postgres', ok: false, reachable: false });
    expect(JSON.stringify(report)).not.toContain('hunter2');
    expect(code).toBe(1);
  });

  it('a Redis port nothing listens on is down', async () => {
    await createDatabase();
    const { code, report } = await doctor({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    expect(tier(report, 'redis')).toMatchObject({ ok: false, reachable: false });
    expect(code).toBe(1);
  });

  describe.skipIf(!redis.reachable)(`with Redis ${redis.reason}`, () => {
    it('Redis answers PING: reachable, its version and latency', async () => {
      await createDatabase();
      const { code, report } = await doctor({ REDIS_URL: `${SERVICES.redis}/3` });
      expect(tier(report, 'redis')).toMatchObject({ ok: true, reachable: true, migrated: null });
      expect(tier(report, 'redis')?.version).toMatch(/^\d+\.\d+/);
      expect(code).toBe(0);
    });

    it('Redis refusing the AUTH in the URL is down, naming Redis’s error', async () => {
      await createDatabase();
      const url = new URL(SERVICES.redis);
      url.username = 'nobody';
      url.password = 'wrong';
      const { code, report } = await doctor({ REDIS_URL: url.toString() });
      expect(tier(report, 'redis')).toMatchObject({ ok: false });
      expect(tier(report, 'redis')?.detail).toMatch(/^Redis: /);
      expect(code).toBe(1);
    });
  });

  describe.skipIf(!postgres.reachable)(`with PostgreSQL ${postgres.reason}`, () => {
    const schema = randomSchema('strata_doctor');
    afterAll(() => dropSchema(schema, SERVICES.postgres));

    /** What the server itself says: its version and whether pgvector is installed in the database. */
    async function serverFacts(): Promise<{ version: string; vector: string | null }> {
      const client = new pg.Client({ connectionString: SERVICES.postgres });
      await client.connect();
      try {
        const version = (await client.query('SHOW server_version')).rows[0]?.server_version as string;
        const vector = (await client.query(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`)).rows[0]?.extversion ?? null;
        return { version, vector };
      } finally {
        await client.end();
      }
    }

    it('a schema Strata never opened is reachable but NOT migrated: exit 1', async () => {
      const { code, report } = await doctor({ STRATA_STORE: 'postgres', DATABASE_URL: SERVICES.postgres, STRATA_PG_SCHEMA: schema });
      expect(code).toBe(1);
      expect(tier(report, 'store')).toMatchObject({ backend: 'postgres', ok: false, reachable: true, migrated: false });
      expect(tier(report, 'store')?.detail).toContain(`schema ${schema} is at migration 0 of ${latestPgMigration()}`);
    });

    it('the schema migrated by the real backend is ok: exit 0, the shipped migration, pgvector as the server has it, version and latency', async () => {
      const store = createPostgresStore({ connectionString: SERVICES.postgres, schema, log: () => {} });
      await store.open();
      await store.close();
      const { code, report } = await doctor({ STRATA_STORE: 'postgres', DATABASE_URL: SERVICES.postgres, STRATA_PG_SCHEMA: schema });
      const facts = await serverFacts();
      const found = tier(report, 'store');
      expect(code).toBe(0);
      expect(found).toMatchObject({ backend: 'postgres', ok: true, reachable: true, migrated: true, version: facts.version });
      expect(found?.extension).toEqual({
        name: 'vector',
        present: facts.vector !== null,
        ...(facts.vector ? { version: facts.vector } : {}),
      });
      expect(found?.detail).toContain(`schema ${schema} at migration ${latestPgMigration()} of ${latestPgMigration()}`);
      expect(found?.detail).toMatch(facts.vector ? /HNSW vector search/ : /pgvector .*(not available|not installed)/);
      expect(found?.latencyMs).toBeGreaterThanOrEqual(0);
    });

    it('a database that does not exist: the server answers, the tier is down with the server’s reason', async () => {
      const url = new URL(SERVICES.postgres);
      url.pathname = `/strata_no_such_db_${Date.now()}`;
      const { code, report } = await doctor({ STRATA_STORE: 'postgres', DATABASE_URL: url.toString() });
      expect(code).toBe(1);
      expect(tier(report, 'store')).toMatchObject({ backend: 'postgres', ok: false, reachable: true });
      expect(tier(report, 'store')?.detail).toContain('does not exist');
    });
  });

  it('prints one block per tier without --json', async () => {
    await createDatabase();
    process.env.QDRANT_URL = standIn.url;
    const result = await runCli(['--data', dir, 'doctor']);
    expect(result.stdout).toMatch(/^ok {4}store {2}sqlite/m);
    expect(result.stdout).toMatch(/^ok {4}qdrant qdrant/m);
    expect(result.stdout).toContain('all tiers ok');
  });
});
