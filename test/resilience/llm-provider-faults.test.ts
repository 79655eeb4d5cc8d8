import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { StrataError } from '../../src/errors/strata-error.js';
import { PrometheusMetrics } from '../../src/observability/prometheus-metrics.js';
import { CircuitBreakers } from '../../src/resilience/breaker.js';
import { LlmSummarizer, retryAfter } from '../../src/summarizers/llm-summarizer.js';

/**
 * The LLM summarizer against a real OpenAI-compatible HTTP server on loopback (node:http) that
 * stalls, answers 5xx, 429 with Retry-After, or 401, driven through consolidation.
 */
type Behaviour = 'ok' | 'stall' | '500' | '429' | '401';
let behaviour: Behaviour = 'ok';
let retryAfterHeader = '0';
let hits = 0;
let server: Server;
let baseUrl = '';
const TIMEOUT_MS = 300;
const COOL_DOWN_MS = 500;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => {
      if (behaviour === 'stall') return; // never answers; the client's timeout ends it
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (behaviour === 'ok') json(200, { choices: [{ message: { role: 'assistant', content: 'The user plans a ferry trip in July.' } }] });
      else if (behaviour === '500') json(500, { error: { message: 'upstream exploded' } });
      else if (behaviour === '429') json(429, { error: { message: 'slow down' } }, { 'retry-after': retryAfterHeader });
      else json(401, { error: { message: 'invalid api key' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let memory: MemoryService | null = null;
afterEach(async () => {
  await memory?.close();
  memory = null;
  behaviour = 'ok';
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function setup(settings: ConstructorParameters<typeof CircuitBreakers>[0] = {}) {
  const breakers = new CircuitBreakers({ failures: 3, halfOpenAfterMs: COOL_DOWN_MS, authFailures: 2, downgradeMs: 60_000, ...settings });
  const metrics = new PrometheusMetrics();
  memory = await createMemory({
    path: ':memory:',
    breakers,
    metrics,
    consolidation: { summarizer: new LlmSummarizer({ baseUrl, model: 'local-model', apiKey: 'sk-test', timeoutMs: TIMEOUT_MS }) },
  });
  return { memory, breakers, metrics };
}

/** A new session with one turn: the next consolidate() makes exactly one summarizer call. */
async function pendingTurn(service: MemoryService, id: string): Promise<void> {
  await service.createSession({ id, userId: 'u1' });
  await service.addMessages(id, [{ role: 'user', content: `We are planning a ferry trip along the fjords (${id}).` }]);
}

async function failure(work: Promise<unknown>): Promise<StrataError> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StrataError);
  return error as StrataError;
}

describe('LLM provider faults (loopback HTTP server)', () => {
  test('a stalled endpoint: the call ends at the summarizer timeout with TIMEOUT, and counts as an outage', async () => {
    const { memory, breakers } = await setup();
    await pendingTurn(memory, 's1');
    behaviour = 'stall';
    const started = performance.now();
    const error = await failure(memory.consolidate());
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 1_500);
    expect(error.code).toBe('TIMEOUT');
    expect(breakers.state('llm')).toBe('closed');
    expect((await memory.getSession('s1')).summary).toBeNull();
    // Three timeouts in a row open it: the fourth call fails at once.
    for (let i = 0; i < 2; i++) expect((await failure(memory.consolidate())).code).toBe('TIMEOUT');
    expect(breakers.state('llm')).toBe('open');
    const fast = performance.now();
    expect((await failure(memory.consolidate())).details.breaker).toBe('open');
    expect(performance.now() - fast).toBeLessThan(TIMEOUT_MS);
  });

  test('5xx opens the breaker: later calls fail fast without reaching the server, then it half-opens and closes', async () => {
    const { memory, breakers, metrics } = await setup();
    await pendingTurn(memory, 's1');
    behaviour = '500';
    for (let i = 0; i < 3; i++) expect((await failure(memory.consolidate())).details.status).toBe(500);
    expect(breakers.state('llm')).toBe('open');
    const before = hits;
    const open = await failure(memory.consolidate());
    expect(open).toMatchObject({ code: 'SUMMARIZER_FAILED', details: { breaker: 'open', backend: 'llm' } });
    expect(hits).toBe(before);
    expect((await metrics.render()).body).toContain('strata_breaker_state{tier="llm"} 2');

    behaviour = 'ok';
    await sleep(COOL_DOWN_MS + 50);
    expect(await memory.consolidate()).toMatchObject({ sessions: 1, summaries: 1 });
    expect(breakers.state('llm')).toBe('closed');
    expect((await memory.getSession('s1')).summary).toBe('The user plans a ferry trip in July.');
  });

  test('429 never counts toward opening; with Retry-After the next calls fail fast for that long', async () => {
    const { memory, breakers } = await setup();
    await pendingTurn(memory, 's1');
    behaviour = '429';
    retryAfterHeader = '0';
    // Five 429s in a row, more than the three outages that open the breaker.
    for (let i = 0; i < 5; i++) expect((await failure(memory.consolidate())).details.status).toBe(429);
    expect(breakers.state('llm')).toBe('closed');

    retryAfterHeader = '1';
    const limited = await failure(memory.consolidate());
    expect(limited.details).toMatchObject({ status: 429, retryAfterMs: 1_000 });
    const before = hits;
    behaviour = 'ok';
    // Within the Retry-After: refused here, the provider is not called.
    expect((await failure(memory.consolidate())).details.status).toBe(429);
    expect(hits).toBe(before);
    expect(breakers.for('llm').retryAfterSeconds()).toBe(1);
    await sleep(1_050);
    expect(await memory.consolidate()).toMatchObject({ summaries: 1 });
    expect(hits).toBe(before + 1);
    expect(breakers.state('llm')).toBe('closed');
  });

  test('sustained 401 downgrades the tenant to write_only for the cool-down, counted; other tenants keep read_write', async () => {
    const { memory, breakers, metrics } = await setup();
    await pendingTurn(memory, 's1');
    behaviour = '401';
    expect((await failure(memory.consolidate())).details.status).toBe(401);
    expect(memory.mode).toBe('read_write');
    const before = Date.now();
    expect((await failure(memory.consolidate())).details.status).toBe(401);
    expect(memory.mode).toBe('write_only');
    const override = memory.modes.override('default');
    expect(override).toMatchObject({ mode: 'write_only', reason: 'provider_auth' });
    expect(override?.until).toBeGreaterThanOrEqual(before + 60_000);
    expect(override?.until).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(memory.forTenant('other').mode).toBe('read_write');
    // Reads for the tenant now answer without memories; writes still land.
    const context = await memory.getContext('s1', { query: 'ferry' });
    expect(context).toMatchObject({ used: false, reason: 'mode_write_only' });
    expect((await memory.addMessages('s1', [{ role: 'user', content: 'Still writing.' }]))[0]?.created).toBe(true);
    // Credentials are not an outage.
    expect(breakers.state('llm')).toBe('closed');
    expect((await metrics.render()).body).toContain('strata_downgrades_total{reason="provider_auth"} 1');
  });

  test('the downgrade lapses after its cool-down', async () => {
    const { memory } = await setup({ downgradeMs: 200 });
    await pendingTurn(memory, 's1');
    behaviour = '401';
    for (let i = 0; i < 2; i++) await failure(memory.consolidate());
    expect(memory.mode).toBe('write_only');
    await sleep(250);
    expect(memory.mode).toBe('read_write');
  });

  test('Retry-After in seconds or as an HTTP date', () => {
    expect(retryAfter('3')).toBe(3_000);
    expect(retryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfter('soon')).toBeUndefined();
    expect(retryAfter(null)).toBeUndefined();
  });
});
