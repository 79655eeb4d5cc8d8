import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { StrataError } from '../../src/errors/strata-error.js';
import { buildApp } from '../../src/http/build-app.js';
import { PrometheusMetrics } from '../../src/observability/prometheus-metrics.js';
import { CircuitBreakers } from '../../src/resilience/breaker.js';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';
import { captureLog } from '../helpers/log-capture.js';
import { canRunPrivatePostgres, PrivatePostgres } from '../helpers/private-postgres.js';

/**
 * PostgreSQL stopped and restarted under a running service: a private cluster (initdb + pg_ctl
 * in a temp dir, its own port), never the shared server. Real pg pool, real breaker, real time.
 */
const available = canRunPrivatePostgres();
const DEADLINE_MS = 300;
// Slack over the deadline for a loaded 2-core machine; a hung call would take the 5 s pool timeout.
const SLACK_MS = 400;
const COOL_DOWN_MS = 600;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const turn = (id: string) => ({ role: 'user' as const, content: `note ${id}: the ferry to the fjords leaves at nine`, clientMsgId: id });

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe.skipIf(!available)('PostgreSQL stopped and restarted (private cluster)', () => {
  let server: PrivatePostgres;
  let memory: MemoryService;
  let breakers: CircuitBreakers;
  let metrics: PrometheusMetrics;
  const log = captureLog();

  beforeAll(async () => {
    server = await PrivatePostgres.create();
    breakers = new CircuitBreakers({ failures: 3, halfOpenAfterMs: COOL_DOWN_MS });
    metrics = new PrometheusMetrics();
    const store = createPostgresStore({ connectionString: server.url, schema: 'strata_outage', breakers, connectionTimeoutMs: 1_000 });
    memory = await createMemory({ store, breakers, metrics, logger: log.logger, readDeadlineMs: DEADLINE_MS });
  }, 60_000);

  afterAll(async () => {
    await memory?.close().catch(() => {});
    await server?.destroy();
  });

  test('reads answer within the deadline while it is down, writes fail fast, every acknowledged write is there once after the restart', async () => {
    await memory.createSession({ id: 'chat', userId: 'alice' });
    const acked: string[] = [];
    for (const id of ['a-0', 'a-1', 'a-2']) {
      await memory.addMessages('chat', [turn(id)]);
      acked.push(id);
    }
    expect((await memory.getContext('chat', { query: 'ferry' })).used).toBe(true);
    expect(breakers.state('postgres')).toBe('closed');

    await server.stop();

    const reasons: string[] = [];
    for (let i = 0; i < 6; i++) {
      const context = await timed(() => memory.getContext('chat', { query: 'ferry' }));
      expect(context.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
      expect(context.value.used).toBe(false);
      reasons.push(context.value.reason as string);
      const search = await timed(() => memory.search('ferry fjords', { userId: 'alice' }));
      expect(search.ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
      expect(search.value).toMatchObject({ results: [], used: false });
      reasons.push(search.value.reason as string);
    }
    // The first failures are connection errors; from the third outage failure on the breaker is open.
    expect(reasons[0]).toBe('store_unavailable');
    expect(reasons.at(-1)).toBe('breaker_open');
    expect(reasons.every((reason) => reason === 'store_unavailable' || reason === 'breaker_open')).toBe(true);
    expect(breakers.state('postgres')).toBe('open');

    // A write while open: refused at once, nothing reaches the server.
    const write = await timed(() => memory.addMessages('chat', [turn('b-0')]).catch((error: unknown) => error));
    expect(write.ms).toBeLessThan(100);
    expect(write.value).toBeInstanceOf(StrataError);
    expect(write.value).toMatchObject({ code: 'STORE_UNAVAILABLE', details: { breaker: 'open', backend: 'postgres' } });
    await expect(memory.remember({ userId: 'alice', text: 'likes ferries' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });

    const lines = log.lines().filter((line) => line.msg === 'memory_turn');
    const last = lines.at(-1) as { op: string; memory: { breaker: string }; error: string };
    expect(last).toMatchObject({ op: 'remember', memory: { breaker: 'open' }, error: 'STORE_UNAVAILABLE' });
    expect(lines.some((line) => (line.memory as { reason: string }).reason === 'breaker_open')).toBe(true);
    const exposed = (await metrics.render()).body;
    expect(exposed).toContain('strata_breaker_state{tier="postgres"} 2');
    expect(exposed).toMatch(/strata_breaker_transitions_total\{tier="postgres",from="closed",to="open"\} 1/);
    expect(exposed).toMatch(/strata_read_fallbacks_total\{operation="get_context",reason="breaker_open"\} [1-9]/);

    await server.start();
    await sleep(COOL_DOWN_MS + 50);
    // The half-open trial call succeeds: the breaker closes, the retried write lands, the repeat is idempotent.
    const retried = await memory.addMessages('chat', [turn('b-0')]);
    expect(retried[0]?.created).toBe(true);
    acked.push('b-0');
    expect(breakers.state('postgres')).toBe('closed');
    const repeat = await memory.addMessages('chat', [turn('a-2')]);
    expect(repeat[0]?.created).toBe(false);
    const stored = await memory.listMessages('chat', { limit: 100, order: 'asc' });
    expect(stored.map((message) => message.clientMsgId)).toEqual(acked);
    const context = await memory.getContext('chat', { query: 'ferry' });
    expect(context.used).toBe(true);
    const after = (await metrics.render()).body;
    expect(after).toContain('strata_breaker_state{tier="postgres"} 0');
    expect(after).toMatch(/strata_breaker_transitions_total\{tier="postgres",from="half_open",to="closed"\} 1/);
  }, 60_000);

  test('writes in flight when the server crashes: every acknowledged one is stored exactly once, the others fail with STORE_UNAVAILABLE', async () => {
    await memory.createSession({ id: 'burst', userId: 'bob' });
    const outcomes = Array.from({ length: 20 }, (_, i) =>
      memory.addMessages('burst', [turn(`c-${i}`)]).then(
        () => `c-${i}`,
        (error: unknown) => {
          expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
          return null;
        },
      ),
    );
    await sleep(5);
    await server.stop('immediate');
    const settled = await Promise.all(outcomes);
    await server.start();
    await sleep(COOL_DOWN_MS + 50);
    // Probe until the pool reconnected (the first call after a crash restart may still be refused).
    let stored: string[] | null = null;
    for (let attempt = 0; attempt < 40 && stored === null; attempt++) {
      stored = await memory
        .listMessages('burst', { limit: 100, order: 'asc' })
        .then((messages) => messages.map((message) => message.clientMsgId as string))
        .catch(() => null);
      if (stored === null) await sleep(COOL_DOWN_MS / 2);
    }
    const acknowledged = settled.filter((id): id is string => id !== null);
    expect(stored).not.toBeNull();
    // Every acknowledged write is present exactly once; a failed one may have committed before the crash, never twice.
    for (const id of acknowledged) expect(stored?.filter((found) => found === id)).toHaveLength(1);
    expect(new Set(stored).size).toBe(stored?.length);
  }, 60_000);

  test('over HTTP while it is down: context answers 200 with the fallback, a write is 503 STORE_UNAVAILABLE with Retry-After', async () => {
    const app = await buildApp({ memory, auth: { mode: 'none' }, rateLimit: false });
    try {
      await memory.createSession({ id: 'web', userId: 'carol' });
      await server.stop();
      for (let i = 0; i < 4; i++) await memory.search('ferry', { userId: 'carol' });
      expect(breakers.state('postgres')).toBe('open');
      const write = await app.inject({
        method: 'POST',
        url: '/v1/sessions/web/messages',
        payload: { messages: [{ role: 'user', content: 'hello', clientMsgId: 'w-1' }] },
      });
      expect(write.statusCode).toBe(503);
      expect(write.json()).toMatchObject({ code: 'STORE_UNAVAILABLE', details: { breaker: 'open' } });
      expect(write.headers['retry-after']).toBe('1');
      const context = await app.inject({ method: 'POST', url: '/v1/sessions/web/context', payload: { query: 'hello' } });
      expect(context.statusCode).toBe(200);
      expect(context.json()).toMatchObject({ used: false, reason: 'breaker_open' });
    } finally {
      await server.start();
      await app.close();
    }
  }, 60_000);
});
