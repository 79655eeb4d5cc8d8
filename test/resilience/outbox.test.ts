import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { CircuitBreakers } from '../../src/resilience/breaker.js';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { captureLog } from '../helpers/log-capture.js';
import { canRunPrivatePostgres, PrivatePostgres } from '../helpers/private-postgres.js';

/**
 * The durable local outbox with a private PostgreSQL cluster (initdb/pg_ctl in a temp dir, its
 * own port) stopped and restarted: writes while it is down are queued on disk and acknowledged
 * `queued`, then replayed in order, once each.
 */
const available = canRunPrivatePostgres();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const COOL_DOWN_MS = 300;

describe.skipIf(!available)('durable local outbox (private PostgreSQL stopped and restarted)', () => {
  let server: PrivatePostgres;
  let dir: string;
  const open: MemoryService[] = [];

  async function service(schema: string, log = captureLog(), replayIntervalMs = 0): Promise<MemoryService> {
    const breakers = new CircuitBreakers({ failures: 2, halfOpenAfterMs: COOL_DOWN_MS });
    const store = createPostgresStore({ connectionString: server.url, schema, breakers, connectionTimeoutMs: 1_000 });
    const memory = await createMemory({ store, breakers, logger: log.logger, outbox: { dir, replayIntervalMs } });
    open.push(memory);
    return memory;
  }

  beforeAll(async () => {
    server = await PrivatePostgres.create();
    dir = mkdtempSync(join(tmpdir(), 'strata-outbox-'));
  }, 60_000);
  afterAll(async () => {
    for (const memory of open) await memory.close().catch(() => {});
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('writes while the store is down are queued (redacted, on disk) and replayed in order once it is back, each once', async () => {
    const log = captureLog();
    const memory = await service('strata_outbox', log);
    await memory.createSession({ id: 'chat', userId: 'alice' });
    expect((await memory.addMessages('chat', [{ role: 'user', content: 'first, stored directly', clientMsgId: 'm-0' }]))[0]).toMatchObject({
      created: true,
    });

    await server.stop();
    const queued = [];
    for (let i = 1; i <= 4; i++) {
      const [ack] = await memory.addMessages('chat', [{ role: 'user', content: `queued ${i}, write to bob@example.com` }]);
      queued.push(ack);
    }
    for (const ack of queued) expect(ack).toMatchObject({ queued: true, created: false, id: '' });
    // Every message got a clientMsgId before its first attempt: replays are idempotent.
    const ids = queued.map((ack) => ack?.clientMsgId as string);
    expect(ids.every((id) => id.startsWith('obx_'))).toBe(true);
    const onDisk = readFileSync(join(dir, 'outbox.jsonl'), 'utf8');
    expect(onDisk.trim().split('\n')).toHaveLength(4);
    // Redacted before it was queued, as before it is stored.
    expect(onDisk).not.toContain('bob@example.com');
    const turnLines = log.lines().filter((line) => line.msg === 'memory_turn' && line.op === 'add_messages');
    expect(turnLines.at(-1)).toMatchObject({ memory: { used: false, reason: 'outbox_queued' } });
    // Bad input is still refused, never queued.
    await expect(memory.addMessages('chat', [{ role: 'robot' as 'user', content: 'x' }])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(readFileSync(join(dir, 'outbox.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);

    // A copy of the outbox as it was: replaying it a second time (a crash before the rewrite) must store nothing twice.
    copyFileSync(join(dir, 'outbox.jsonl'), join(dir, 'outbox.copy'));
    await server.start();
    await sleep(COOL_DOWN_MS + 50);
    // A new write first drains the queue, so it lands after the queued ones.
    const [after] = await memory.addMessages('chat', [{ role: 'user', content: 'after the restart', clientMsgId: 'm-5' }]);
    expect(after).toMatchObject({ created: true });
    expect(readFileSync(join(dir, 'outbox.jsonl'), 'utf8')).toBe('');
    const stored = await memory.listMessages('chat', { limit: 100, order: 'asc' });
    expect(stored.map((message) => message.clientMsgId)).toEqual(['m-0', ...ids, 'm-5']);
    expect(stored[1]?.content).toBe('queued 1, write to [EMAIL]');

    await memory.close();
    copyFileSync(join(dir, 'outbox.copy'), join(dir, 'outbox.jsonl'));
    rmSync(join(dir, 'outbox.copy'));
    // Another process over the same directory finds the stale entries and replays them: no duplicates.
    const again = await service('strata_outbox');
    expect(await again.drainOutbox()).toEqual({ replayed: 4, rejected: 0, pending: 0 });
    expect((await again.listMessages('chat', { limit: 100, order: 'asc' })).map((message) => message.clientMsgId)).toEqual([
      'm-0',
      ...ids,
      'm-5',
    ]);
  }, 60_000);

  test('an entry the store refuses for good goes to the rejected file; the ones after it are replayed', async () => {
    const memory = await service('strata_outbox_b');
    await memory.createSession({ id: 'real', userId: 'alice' });
    await server.stop();
    await memory.addMessages('ghost', [{ role: 'user', content: 'to a session that does not exist' }]);
    await memory.addMessages('real', [{ role: 'user', content: 'to a real one', clientMsgId: 'r-1' }]);
    await server.start();
    await sleep(COOL_DOWN_MS + 50);
    let report = await memory.drainOutbox();
    // The first call after the restart may be the half-open trial on a pool still reconnecting.
    for (let attempt = 0; report.pending > 0 && attempt < 10; attempt++) {
      await sleep(COOL_DOWN_MS + 50);
      report = await memory.drainOutbox();
    }
    expect(report).toMatchObject({ replayed: 1, rejected: 1, pending: 0 });
    const rejected = readFileSync(join(dir, 'outbox-rejected.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(rejected.at(-1) as string)).toMatchObject({ sessionId: 'ghost', error: 'SESSION_NOT_FOUND' });
    expect((await memory.listMessages('real', { limit: 10 })).map((message) => message.clientMsgId)).toEqual(['r-1']);
  }, 60_000);

  test('the background replayer drains the queue by itself once the store is back', async () => {
    const memory = await service('strata_outbox_c', captureLog(), 100);
    await memory.createSession({ id: 'bg', userId: 'alice' });
    await server.stop();
    const [ack] = await memory.addMessages('bg', [{ role: 'user', content: 'queued while down', clientMsgId: 'bg-1' }]);
    expect(ack?.queued).toBe(true);
    await server.start();
    let stored: string[] = [];
    for (let waited = 0; stored.length === 0 && waited < 10_000; waited += 100) {
      await sleep(100);
      stored = await memory
        .listMessages('bg', { limit: 10 })
        .then((messages) => messages.map((message) => message.clientMsgId as string))
        .catch(() => []);
    }
    expect(stored).toEqual(['bg-1']);
    expect(readFileSync(join(dir, 'outbox.jsonl'), 'utf8')).toBe('');
  }, 60_000);
});
