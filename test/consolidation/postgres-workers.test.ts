import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CreateMemoryOptions, createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/memory.js';
import { dropSchema, randomSchema } from '../helpers/postgres.js';
import { checkService } from '../helpers/services.js';

// Two consolidation workers on one PostgreSQL schema: two MemoryService instances, each over its
// own PostgresStore (its own pool, as two machines would have), on the real server. Leases are
// rows locked FOR UPDATE SKIP LOCKED; every session must be consolidated exactly once.
const service = await checkService('postgres');

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function worker(schema: string, workerId: string, options: CreateMemoryOptions['consolidation'] = {}): Promise<MemoryService> {
  const memory = await createMemory({
    store: createPostgresStore({ connectionString: service.url, schema, poolMax: 3, log: () => {} }),
    consolidation: { ...options, options: { workerId, ...options.options } },
  });
  cleanups.push(() => memory.close());
  return memory;
}

async function seed(memory: MemoryService, sessions: number): Promise<void> {
  for (let i = 0; i < sessions; i++) {
    await memory.createSession({ id: `s${i}`, userId: `u${i}` });
    await memory.addMessages(`s${i}`, [
      { role: 'user', content: `I am planning a trip to Lisbon in May with ${i + 2} friends.` },
      { role: 'assistant', content: 'Lisbon is lovely in spring; the trams are a good way to see the hills.' },
    ]);
  }
}

describe.skipIf(!service.reachable)(`two consolidation workers on one PostgreSQL schema ${service.reason}`, () => {
  it('consolidate every session exactly once when they run at the same time', async () => {
    const schema = randomSchema('strata_workers');
    cleanups.push(() => dropSchema(schema, service.url));
    // A short pause before each commit keeps a lease held while the other worker reaches the session.
    const slow = { options: { hooks: { beforeCommit: () => sleep(5) } } };
    const a = await worker(schema, 'worker-a', slow);
    const b = await worker(schema, 'worker-b', slow);
    await seed(a, 30);
    const [ca, cb] = await Promise.all([a.consolidateAllTenants(), b.consolidateAllTenants()]);
    expect(ca.failed + cb.failed).toBe(0);
    expect(ca.sessions + cb.sessions).toBe(30);
    expect(ca.turns + cb.turns).toBe(60);
    expect(ca.summaries + cb.summaries).toBe(30);
    // They did overlap: each consolidated some sessions, or one met the other's leases.
    expect((ca.sessions > 0 && cb.sessions > 0) || ca.skipped + cb.skipped > 0).toBe(true);

    // One summary per session, one checkpoint at its last seq, notes counted once.
    const summaries = await a.store.listMemories({ tenantId: 'default', kinds: ['summary'], includeSuperseded: true }, { limit: 100 });
    expect(summaries.map((m) => m.sessionId).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `s${i}`).sort());
    const notes = await a.store.countMemories({ tenantId: 'default', kinds: ['note'], includeSuperseded: true });
    expect(notes).toBe(ca.notes + cb.notes);
    for (let i = 0; i < 30; i++) {
      const session = await b.getSession(`s${i}`);
      expect(session.summarizedUpToSeq).toBe(2);
      expect(session.lastSeq).toBe(2);
    }
    // Nothing is left: a third call by either worker finds no work.
    expect((await b.consolidateAllTenants()).sessions).toBe(0);
    expect((await a.consolidateAllTenants()).sessions).toBe(0);
  });

  it('a worker whose lease expired and was taken commits nothing (conflict); the other worker consolidates the session once', async () => {
    const schema = randomSchema('strata_workers');
    cleanups.push(() => dropSchema(schema, service.url));
    const b = await worker(schema, 'worker-b');
    let stolen: Awaited<ReturnType<MemoryService['consolidate']>> | undefined;
    // Worker A holds a 40 ms lease; before its commit the lease runs out and B consolidates the session.
    const a = await worker(schema, 'worker-a', {
      options: {
        leaseTtlMs: 40,
        hooks: {
          beforeCommit: async () => {
            if (stolen) return;
            await sleep(80);
            // A turn more, so that B's run is not the same run as A's (the same run would be a replay).
            await b.addMessages('s0', [{ role: 'user', content: 'We will stay near the Alfama.' }]);
            stolen = await b.consolidate({ sessionId: 's0' });
          },
        },
      },
    });
    await seed(a, 1);
    const ca = await a.consolidate();
    expect(stolen).toMatchObject({ sessions: 1, turns: 3, summaries: 1, conflicts: 0 });
    expect(ca).toMatchObject({ sessions: 0, turns: 0, conflicts: 1 });
    expect(await a.store.countMemories({ tenantId: 'default', kinds: ['summary'], includeSuperseded: true })).toBe(1);
    expect((await a.getSession('s0')).summarizedUpToSeq).toBe(3);
    expect((await a.consolidate()).sessions).toBe(0);
  });

  it('two `strata worker` processes with STRATA_STORE=postgres share the schema: each session summarised once; both stop on SIGTERM', async () => {
    const schema = randomSchema('strata_workers');
    cleanups.push(() => dropSchema(schema, service.url));
    const reader = await worker(schema, 'reader');
    await seed(reader, 12);
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const env = { ...process.env, STRATA_DATA: undefined, STRATA_STORE: 'postgres', DATABASE_URL: service.url, STRATA_PG_SCHEMA: schema };
    const children = [0, 1].map(() => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'scripts', 'strata-dev.ts'), '--data', dir, 'worker', '--interval', '50'],
        {
          cwd: ROOT,
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      cleanups.push(() => {
        if (child.exitCode === null) child.kill('SIGKILL');
      });
      return { child, exited, stderr: () => stderr };
    });
    const deadline = Date.now() + 30_000;
    const done = async (): Promise<boolean> => {
      for (let i = 0; i < 12; i++) if ((await reader.getSession(`s${i}`)).summarizedUpToSeq !== 2) return false;
      return true;
    };
    while (!(await done())) {
      expect(Date.now(), 'workers finish within 30 s').toBeLessThan(deadline);
      await sleep(100);
    }
    for (const { child } of children) child.kill('SIGTERM');
    for (const { exited, stderr } of children) {
      expect(await exited, stderr()).toBe(0);
      expect(stderr()).toContain('"msg":"worker stopped"');
    }
    const summaries = await reader.store.listMemories({ tenantId: 'default', kinds: ['summary'], includeSuperseded: true }, { limit: 100 });
    expect(summaries.map((m) => m.sessionId).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `s${i}`).sort());
  });
});
