import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import type { MemoryStoreV1 } from '../../src/spec/memory-store.js';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { PgArchive } from '../../src/stores/postgres/pg-archive.js';
import { PgConsolidation } from '../../src/stores/postgres/pg-consolidation.js';
import { SqliteArchive } from '../../src/stores/sqlite/sqlite-archive.js';
import { SqliteConsolidation } from '../../src/stores/sqlite/sqlite-consolidation.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/memory.js';
import { dropSchema, randomSchema } from '../helpers/postgres.js';
import { checkService } from '../helpers/services.js';

// Issue 5: backup/restore is the way to move from SQLite to PostgreSQL. The archive is written by
// `strata backup` on a SQLite data directory and read by `strata restore` with STRATA_STORE=postgres
// (the CLI in this process, through buildProgram), into an empty schema of the real server; then
// every record is read back from both stores through the store contracts and compared.
const service = await checkService('postgres');

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs the CLI with these environment variables set (and the store ones cleared otherwise). */
async function cli(args: readonly string[], env: Record<string, string | undefined>) {
  const names = ['STRATA_STORE', 'DATABASE_URL', 'STRATA_PG_SCHEMA', 'STRATA_DATA', 'STRATA_TENANT'];
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  for (const name of names) {
    if (env[name] === undefined) delete process.env[name];
    else process.env[name] = env[name];
  }
  try {
    return await runCli(args);
  } finally {
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}

/** Two tenants, agents and namespaces, a consolidated session with a summary and notes, a superseded note, closed facts, rules. */
async function populate(memory: MemoryService): Promise<void> {
  await memory.createSession({
    id: 's1',
    userId: 'alice',
    agentId: 'coach',
    metadata: { channel: 'web', n: 2 },
    createdAt: 1_770_000_000_000,
  });
  await memory.addMessages('s1', [
    { role: 'user', content: 'My favourite food is spicy Thai green curry with rice.', clientMsgId: 'm1', createdAt: 1_770_000_000_000 },
    { role: 'assistant', name: 'Coach', content: 'Noted. Curry before a long run is a bold choice.', createdAt: 1_770_000_060_000 },
    { role: 'user', content: 'I am planning to run a 10k race in Cardiff on the 12th of April.', createdAt: 1_770_000_120_000 },
  ]);
  await memory.consolidate();
  await memory.addMessages('s1', [
    { role: 'user', content: 'My favourite food is really spicy Thai green curry with rice.', createdAt: 1_770_090_000_000 },
  ]);
  await memory.remember({
    userId: 'alice',
    text: 'Alice trains on Tuesdays and Sundays',
    tags: ['schedule'],
    importance: 0.8,
    namespace: 'fitness',
  });
  await memory.setFact({ userId: 'alice', subject: 'alice', key: 'city', value: 'Cardiff', validFrom: '2026-01-01T00:00:00Z' });
  await memory.setFact({ userId: 'alice', subject: 'alice', key: 'city', value: 'Bristol', validFrom: '2026-02-15T00:00:00Z' });
  await memory.setFactRule({ userId: 'alice', subject: 'alice', key: 'weeklyKm' }, { type: 'number', min: 0, max: 200 });
  await memory.setFact({ userId: 'alice', subject: 'alice', key: 'weeklyKm', value: 35 });
  const other = memory.forTenant('acme');
  await other.createSession({ id: 's1', userId: 'bob', namespace: 'support' });
  await other.addMessages('s1', [{ role: 'user', content: 'The parcel sorting job crashed after the midnight deploy.' }]);
  await other.setFact({ userId: 'bob', subject: 'ticket', key: 'status', value: { open: true, priority: 2 } });
  await memory.consolidateAllTenants();
}

/** Every record of a store, read through MemoryStoreV1, ArchiveStoreV1 and ConsolidationStoreV1, in a stable order. */
async function everything(
  store: MemoryStoreV1,
  archive: SqliteArchive | PgArchive,
  consolidation: SqliteConsolidation | PgConsolidation,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const tenantId of await archive.listTenants()) {
    const sessions = await store.listSessions({ tenantId }, { limit: 1000 });
    const messages = [];
    const checkpoints = [];
    for (const session of sessions) {
      messages.push(...(await store.listMessages(tenantId, session.id, { limit: 1000, order: 'asc' })));
      checkpoints.push(await consolidation.getCheckpoint(tenantId, session.id));
    }
    const memories = await store.listMemories({ tenantId, includeSuperseded: true }, { limit: 1000 });
    const embeddings = await store.getEmbeddings(
      tenantId,
      memories.map((m) => m.id),
    );
    out[tenantId] = {
      sessions,
      messages,
      checkpoints,
      memories: [...memories].sort((a, b) => a.id.localeCompare(b.id)),
      embeddings: [...embeddings].map(([id, vector]) => [id, Array.from(vector)]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      facts: await archive.listAllFacts(tenantId, { limit: 1000 }),
      rules: await archive.listFactRules(tenantId),
    };
  }
  return out;
}

/** An archive's records, file by file, parsed (jsonb may order an object's keys differently). */
function records(dir: string): Record<string, unknown[]> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((file) => file.endsWith('.jsonl'))
      .sort()
      .map((file) => [
        file,
        readFileSync(join(dir, file), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line)),
      ]),
  );
}

describe.skipIf(!service.reachable)(`strata backup on SQLite, strata restore on PostgreSQL ${service.reason}`, () => {
  it('moves every record, and search finds the restored memories', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const data = join(dir, 'data');
    mkdirSync(data);
    const schema = randomSchema('strata_move');
    cleanups.push(() => dropSchema(schema, service.url));
    const pgEnv = { STRATA_STORE: 'postgres', DATABASE_URL: service.url, STRATA_PG_SCHEMA: schema };

    const source = await createMemory({ path: join(data, 'strata.db') });
    await populate(source);
    const query = await source.search('what food does alice like', { userId: 'alice' });
    await source.close();
    expect(query.results.length).toBeGreaterThan(0);

    const archive = join(dir, 'archive');
    const written = await cli(['--data', data, 'backup', archive, '--json'], {});
    const manifest = JSON.parse(written.stdout);
    expect(manifest.tables.memories.count).toBeGreaterThan(5);
    expect(manifest.tables.consolidation_checkpoints.count).toBe(2);

    const restored = await cli(['restore', archive, '--json'], pgEnv);
    expect(JSON.parse(restored.stdout).counts).toEqual(
      Object.fromEntries(Object.entries(manifest.tables).map(([table, entry]) => [table, (entry as { count: number }).count])),
    );

    // Every record, read back from both stores.
    const sqlite = new SqliteStore({ path: join(data, 'strata.db') });
    await sqlite.open();
    cleanups.push(() => sqlite.close());
    const postgres = createPostgresStore({ connectionString: service.url, schema, poolMax: 2, log: () => {} });
    await postgres.open();
    cleanups.push(() => postgres.close());
    const fromSqlite = await everything(sqlite, new SqliteArchive(sqlite), new SqliteConsolidation(sqlite));
    const fromPostgres = await everything(postgres, new PgArchive(postgres), new PgConsolidation(postgres));
    expect(Object.keys(fromPostgres)).toEqual(['acme', 'default']);
    expect(fromPostgres).toEqual(fromSqlite);

    // A backup of the PostgreSQL store holds the same records as the SQLite one.
    const again = join(dir, 'again');
    await cli(['backup', again, '--json'], pgEnv);
    expect(records(again)).toEqual(records(archive));

    // Search on PostgreSQL finds the restored memories (the same ones as on SQLite).
    const target = await createMemory({ store: createPostgresStore({ connectionString: service.url, schema, poolMax: 2, log: () => {} }) });
    cleanups.push(() => target.close());
    const found = await target.search('what food does alice like', { userId: 'alice' });
    // Keyword ranking differs between the backends (FTS5 bm25, tsvector): the same best memory, not the same list.
    const [best] = query.results;
    expect(found.results.map((r) => r.memory.id)).toContain(best?.memory.id);
    expect(found.results.find((r) => r.memory.id === best?.memory.id)?.memory).toEqual(best?.memory);
    expect(
      (
        await target
          .forTenant('acme')
          .search('parcel sorting crash', { userId: 'bob' })
          .then((r) => r.results)
      ).length,
    ).toBeGreaterThan(0);
    // Not a restore target any more: restoring twice is refused.
    await expect(cli(['restore', archive, '--json'], pgEnv)).rejects.toMatchObject({ code: 'ARCHIVE_CONFLICT' });
  });
});
