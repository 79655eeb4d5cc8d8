import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from '../../src/config/create-server.js';
import { loadSettings, SettingsError } from '../../src/config/load-settings.js';
import { latestPgMigration } from '../../src/stores/postgres/pg-migrate.js';
import { tempDir } from '../helpers/memory.js';
import { dropSchema, randomSchema } from '../helpers/postgres.js';
import { checkService } from '../helpers/services.js';

// `strata serve` wiring: STRATA_STORE=postgres + DATABASE_URL select the PostgreSQL backend
// (loaded lazily), and /ready reports it (reachable, migrated, pgvector, SELECT 1 latency).
const service = await checkService('postgres');

describe('postgres settings', () => {
  it('store "postgres" without a postgres:// DATABASE_URL is a settings error; an unrelated DATABASE_URL is ignored', () => {
    expect(() => loadSettings({ env: { STRATA_STORE: 'postgres' } })).toThrow(SettingsError);
    expect(() => loadSettings({ env: { STRATA_STORE: 'postgres', DATABASE_URL: 'mysql://x' } })).toThrow(/postgres:\/\/ URL/);
    expect(() => loadSettings({ env: { STRATA_STORE: 'redis' } })).toThrow(/store must be one of sqlite, postgres/);
    expect(loadSettings({ env: { DATABASE_URL: 'mysql://elsewhere' } }).store).toBe('sqlite');
    expect(loadSettings({ env: { STRATA_STORE: 'postgres', DATABASE_URL: 'postgres://h/db', STRATA_PG_POOL_MAX: '3' } })).toMatchObject({
      store: 'postgres',
      databaseUrl: 'postgres://h/db',
      pgPoolMax: 3,
      pgSchema: 'strata',
    });
  });
});

describe.skipIf(!service.reachable)(`strata serve on PostgreSQL ${service.reason}`, () => {
  const schema = randomSchema('strata_serve');
  const data = tempDir();
  afterAll(async () => {
    await dropSchema(schema, service.url);
    data.cleanup();
  });

  it('stores in PostgreSQL and reports the postgres tier in /ready', async () => {
    const settings = loadSettings({
      env: { STRATA_STORE: 'postgres', DATABASE_URL: service.url, STRATA_PG_SCHEMA: schema, STRATA_PG_POOL_MAX: '2' },
      flags: { data: data.dir, auth: false, port: 0, logLevel: 'silent' },
    });
    const server = await createServer(settings);
    try {
      const ready = await server.app.inject({ method: 'GET', url: '/ready' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json().tiers.store).toMatchObject({
        status: 'ready',
        backend: 'postgres',
        reachable: true,
        migrated: true,
        schemaVersion: latestPgMigration(),
        vectorExtension: expect.any(Boolean),
        latencyMs: expect.any(Number),
      });
      await server.memory.createSession({ id: 'served', userId: 'dana' });
      await server.memory.addMessages('served', [{ role: 'user', content: 'stored in postgres' }]);
    } finally {
      await server.close();
    }
    const client = new pg.Client({ connectionString: service.url });
    await client.connect();
    const { rows } = await client.query(`SELECT content FROM "${schema}".messages`);
    await client.end();
    expect(rows).toEqual([{ content: 'stored in postgres' }]);
  });
});
