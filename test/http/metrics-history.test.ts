import { describe, expect, it } from 'vitest';
import { MetricsHistory } from '../../src/http/metrics-history.js';
import { PrometheusMetrics } from '../../src/observability/prometheus-metrics.js';

/** The stats sampler over a real Prometheus registry: each point is the difference between two readings. */
describe('MetricsHistory', () => {
  it('turns counter differences into mean and p95 latency per operation and tier, and hit rate per cache', async () => {
    const metrics = new PrometheusMetrics();
    let now = 1_000;
    const history = new MetricsHistory(metrics, 10_000, 3, () => now);
    // Before the first reading: not part of any point.
    metrics.operation('search', 2, 'ok');
    await history.sample();
    expect(history.recent()).toEqual([]);

    for (let i = 0; i < 19; i += 1) metrics.operation('search', 0.004, 'ok');
    metrics.operation('search', 0.2, 'error');
    metrics.storeCall('semantic', 'vector_search', 0.0003, true);
    metrics.cacheLookup('embedding', 3, 1);
    now = 11_000;
    await history.sample();
    const [point] = history.recent();
    expect(point?.at).toBe(11_000);
    // (19 * 4 ms + 200 ms) / 20, every outcome together.
    expect(point?.operations.search?.meanMs).toBeCloseTo(13.8, 6);
    // 19 of 20 calls (95%) fall in the 5 ms bucket: its upper bound.
    expect(point?.operations.search?.p95Ms).toBeCloseTo(5, 6);
    expect(point?.tiers.semantic?.meanMs).toBeCloseTo(0.3, 6);
    expect(point?.cacheHitRate.embedding).toBe(0.75);

    // An interval without calls: no latency, no hit rate (not zero).
    now = 21_000;
    await history.sample();
    expect(history.recent()[1]).toMatchObject({ operations: { search: { meanMs: null, p95Ms: null } }, cacheHitRate: { embedding: null } });

    // Only the last `keep` points stay.
    for (const at of [31_000, 41_000]) {
      now = at;
      await history.sample();
    }
    expect(history.recent().map((p) => p.at)).toEqual([21_000, 31_000, 41_000]);
  });

  it('samples on a timer once started, and stops', async () => {
    const history = new MetricsHistory(new PrometheusMetrics(), 20);
    history.start();
    await new Promise((resolve) => setTimeout(resolve, 120));
    history.stop();
    const taken = history.recent().length;
    expect(taken).toBeGreaterThan(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(history.recent().length).toBe(taken);
  });
});
