import { describe, expect, test } from 'vitest';
import { StrataError } from '../../src/errors/strata-error.js';
import { PrometheusMetrics } from '../../src/observability/prometheus-metrics.js';
import { CircuitBreakers, failureKind } from '../../src/resilience/breaker.js';
import { MemoryModes } from '../../src/resilience/memory-modes.js';

/** The breaker's own rules, with plain async functions as the remote calls (real cockatiel, real time). */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const outage = () => new StrataError('STORE_UNAVAILABLE', 'connection refused');
const status = (code: number) => new StrataError('SUMMARIZER_FAILED', `answered ${code}`, { details: { status: code } });

describe('failureKind', () => {
  test('outages, rate limits, credentials and the call’s own errors', () => {
    expect(failureKind(outage())).toBe('outage');
    expect(failureKind(new StrataError('TIMEOUT', 'late'))).toBe('outage');
    expect(failureKind(status(503))).toBe('outage');
    expect(failureKind(new StrataError('SUMMARIZER_FAILED', 'fetch failed'))).toBe('outage');
    expect(failureKind(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe('outage');
    expect(failureKind(status(429))).toBe('rate_limited');
    expect(failureKind(status(401))).toBe('auth');
    expect(failureKind(status(403))).toBe('auth');
    expect(failureKind(status(400))).toBe('other');
    expect(failureKind(new StrataError('INVALID_INPUT', 'bad'))).toBe('other');
    expect(failureKind(new Error('duplicate key value violates unique constraint'))).toBe('other');
  });
});

describe('CircuitBreaker', () => {
  test('opens after n consecutive outages, fails fast while open, half-opens after the cool-down and closes on success', async () => {
    const metrics = new PrometheusMetrics();
    const board = new CircuitBreakers({ failures: 3, halfOpenAfterMs: 150 });
    board.attach(metrics, null);
    const breaker = board.for('postgres');
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(outage());
    };
    // A success in between resets the count: consecutive failures only.
    await expect(breaker.run(failing)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(breaker.run(failing)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(await breaker.run(async () => 'ok')).toBe('ok');
    await expect(breaker.run(failing)).rejects.toThrow('connection refused');
    await expect(breaker.run(failing)).rejects.toThrow('connection refused');
    expect(breaker.state).toBe('closed');
    await expect(breaker.run(failing)).rejects.toThrow('connection refused');
    expect(breaker.state).toBe('open');
    expect(board.summary()).toBe('open');
    const before = calls;
    const refused = await breaker.run(failing).catch((error: StrataError) => error);
    expect(refused).toMatchObject({ code: 'STORE_UNAVAILABLE', details: { breaker: 'open', backend: 'postgres' } });
    // What is left of the cool-down, for Retry-After.
    expect(refused.details.retryAfterMs).toBeGreaterThan(0);
    expect(refused.details.retryAfterMs).toBeLessThanOrEqual(150);
    expect(calls).toBe(before);
    await sleep(170);
    expect(await breaker.run(async () => 'back')).toBe('back');
    expect(breaker.state).toBe('closed');
    const body = (await metrics.render()).body;
    expect(body).toContain('strata_breaker_state{tier="postgres"} 0');
    for (const [from, to] of [
      ['closed', 'open'],
      ['open', 'half_open'],
      ['half_open', 'closed'],
    ])
      expect(body).toContain(`strata_breaker_transitions_total{tier="postgres",from="${from}",to="${to}"} 1`);
  });

  test('a failed half-open trial reopens it', async () => {
    const board = new CircuitBreakers({ failures: 1, halfOpenAfterMs: 100 });
    const breaker = board.for('qdrant');
    await expect(breaker.run(() => Promise.reject(outage()))).rejects.toThrow();
    expect(breaker.state).toBe('open');
    await sleep(120);
    await expect(breaker.run(() => Promise.reject(outage()))).rejects.toThrow('connection refused');
    expect(breaker.state).toBe('open');
  });

  test('errors of the call itself never open it', async () => {
    const breaker = new CircuitBreakers({ failures: 1 }).for('postgres');
    for (let i = 0; i < 5; i++) await expect(breaker.run(() => Promise.reject(status(400)))).rejects.toThrow('answered 400');
    expect(breaker.state).toBe('closed');
  });

  test('a streak of 401/403 for one tenant downgrades it; a success in between resets the streak', async () => {
    const metrics = new PrometheusMetrics();
    const modes = new MemoryModes();
    const board = new CircuitBreakers({ authFailures: 2, downgradeMs: 1_000 });
    board.attach(metrics, modes);
    const breaker = board.for('llm');
    await expect(breaker.run(() => Promise.reject(status(401)), { tenantId: 't1' })).rejects.toThrow();
    await breaker.run(async () => 1, { tenantId: 't1' });
    await expect(breaker.run(() => Promise.reject(status(403)), { tenantId: 't1' })).rejects.toThrow();
    expect(modes.modeFor('t1')).toBe('read_write');
    await expect(breaker.run(() => Promise.reject(status(403)), { tenantId: 't1' })).rejects.toThrow();
    expect(modes.modeFor('t1')).toBe('write_only');
    expect(modes.modeFor('t2')).toBe('read_write');
    expect(breaker.state).toBe('closed');
    expect((await metrics.render()).body).toContain('strata_downgrades_total{reason="provider_auth"} 1');
  });

  test('no breaker at all: the summary is null (the embedded store); settings are checked', () => {
    expect(new CircuitBreakers().summary()).toBeNull();
    expect(() => new CircuitBreakers({ failures: 0 })).toThrow(StrataError);
    expect(() => new CircuitBreakers({ halfOpenAfterMs: -1 })).toThrow('halfOpenAfterMs');
  });
});
