import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { runCli } from '../helpers/cli.js';
import { expectStrataError, tempDir } from '../helpers/memory.js';
import { dropSchema, randomSchema } from '../helpers/postgres.js';
import { checkService } from '../helpers/services.js';

// The CLI's lifecycle commands on PostgreSQL: STRATA_STORE=postgres, DATABASE_URL and a random
// STRATA_PG_SCHEMA per test (the CLI runs in this process through buildProgram, and reads them
// from process.env). No SQLite file is opened: --data points at an empty directory that stays so.
const service = await checkService('postgres');

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const STORE_ENV = ['STRATA_STORE', 'DATABASE_URL', 'STRATA_PG_SCHEMA', 'STRATA_PG_POOL_MAX'] as const;

/** A fresh schema, the CLI pointed at it, and a memory of this process over it. */
async function onPostgres(): Promise<{ schema: string; data: string; memory: MemoryService }> {
  const schema = randomSchema('strata_cli');
  const saved = Object.fromEntries(STORE_ENV.map((name) => [name, process.env[name]]));
  Object.assign(process.env, { STRATA_STORE: 'postgres', DATABASE_URL: service.url, STRATA_PG_SCHEMA: schema, STRATA_PG_POOL_MAX: '2' });
  cleanups.push(() => {
    for (const name of STORE_ENV) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });
  cleanups.push(() => dropSchema(schema, service.url));
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const memory = await createMemory({ store: createPostgresStore({ connectionString: service.url, schema, poolMax: 2, log: () => {} }) });
  cleanups.push(() => memory.close());
  return { schema, data: dir, memory };
}

const DAY = 86_400_000;

describe.skipIf(!service.reachable)(`strata CLI on PostgreSQL ${service.reason}`, () => {
  it('add, consolidate --json, then backup: the checkpoint and summary are in the PostgreSQL schema and the archive', async () => {
    const { data, memory } = await onPostgres();
    await runCli(['--data', data, 'add', '-s', 's1', '-u', 'alice', 'I am training for the Cardiff half marathon in April.']);
    await runCli(['--data', data, 'add', '-s', 's1', '-u', 'alice', '-r', 'assistant', 'Three runs a week, one of them long.']);
    const consolidated = JSON.parse((await runCli(['--data', data, 'consolidate', '--json'])).stdout);
    expect(consolidated).toMatchObject({ sessions: 1, turns: 2, conflicts: 0 });
    expect(await memory.store.getSession('default', 's1')).toMatchObject({ summarizedUpToSeq: 2 });
    expect(JSON.parse((await runCli(['--data', data, 'consolidate', '--json'])).stdout)).toMatchObject({ sessions: 0 });

    const archive = join(data, 'archive');
    const manifest = JSON.parse((await runCli(['--data', data, 'backup', archive, '--json'])).stdout);
    expect(manifest.tables).toMatchObject({ sessions: { count: 1 }, messages: { count: 2 }, consolidation_checkpoints: { count: 1 } });
    const [checkpoint] = readFileSync(join(archive, 'consolidation_checkpoints.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(checkpoint ?? '{}')).toMatchObject({ tenantId: 'default', sessionId: 's1', upToSeq: 2 });
    // Nothing was written to the data directory's SQLite file: the CLI used PostgreSQL.
    expect(() => readFileSync(join(data, 'strata.db'))).toThrow();
    // The schema is not empty: restoring into it is refused.
    await expectStrataError(runCli(['--data', data, 'restore', archive, '--json']), 'ARCHIVE_CONFLICT');
  });

  it('prune --dry-run counts the old consolidated turns and removes nothing; prune removes them', async () => {
    const { data, memory } = await onPostgres();
    const now = Date.now();
    await memory.createSession({ id: 'old', userId: 'alice', createdAt: now - 100 * DAY });
    await memory.addMessages('old', [
      { role: 'user', content: 'I am planning a trip to Lisbon in May with two friends.', createdAt: now - 100 * DAY },
      { role: 'assistant', content: 'Lisbon is lovely in spring.', createdAt: now - 100 * DAY + 60_000 },
    ]);
    await memory.consolidate();
    await memory.addMessages('old', [{ role: 'user', content: 'We booked the flights today.', createdAt: now - DAY }]);
    await memory.createSession({ id: 'pending', userId: 'bob', createdAt: now - 90 * DAY });
    await memory.addMessages('pending', [{ role: 'user', content: 'My budget is 500 euros.', createdAt: now - 90 * DAY }]);
    const turns = await memory.countMemories({ kinds: ['turn'] });

    const dry = JSON.parse((await runCli(['--data', data, 'prune', '--keep-days', '30', '--dry-run', '--json'])).stdout);
    expect(dry[0]).toMatchObject({ dryRun: true, turns: { messages: 2, heldBack: 1 } });
    expect(await memory.listMessages('old')).toHaveLength(3);
    expect(await memory.countMemories({ kinds: ['turn'] })).toBe(turns);

    const real = JSON.parse((await runCli(['--data', data, 'prune', '--keep-days', '30', '--json'])).stdout);
    expect(real[0]).toMatchObject({ dryRun: false, turns: { messages: 2, turnMemories: 2, heldBack: 1 } });
    expect((await memory.listMessages('old')).map((m) => m.content)).toEqual(['We booked the flights today.']);
    expect((await memory.listMessages('pending')).map((m) => m.content)).toEqual(['My budget is 500 euros.']);
    expect(await memory.countMemories({ kinds: ['turn'] })).toBe(turns - 2);
    // The summary that took the pruned turns in stays.
    expect((await memory.store.getSession('default', 'old'))?.summary).toMatch(/Lisbon/);
  });

  it('a bad STRATA_STORE setting is INVALID_CONFIG, naming the variable', async () => {
    const { data } = await onPostgres();
    process.env.STRATA_PG_SCHEMA = 'Not-An-Identifier';
    const error = await expectStrataError(runCli(['--data', data, 'consolidate', '--json']), 'INVALID_CONFIG');
    expect(error.message).toContain('STRATA_PG_SCHEMA');
  });
});
