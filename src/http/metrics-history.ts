import type { PrometheusMetrics } from '../observability/prometheus-metrics.js';

/** Latency of one interval: null when nothing was measured in it. */
export interface LatencyPoint {
  readonly meanMs: number | null;
  readonly p95Ms: number | null;
}

/** One sampling interval: latency per core operation and store tier, hit rate per cache. */
export interface MetricsPoint {
  /** End of the interval (epoch ms). */
  readonly at: number;
  readonly operations: Readonly<Record<string, LatencyPoint>>;
  readonly tiers: Readonly<Record<string, LatencyPoint>>;
  /** hits / (hits + misses) in the interval; null without lookups. */
  readonly cacheHitRate: Readonly<Record<string, number | null>>;
}

interface HistogramTotals {
  count: number;
  sum: number;
  /** Cumulative count per upper bound, as Prometheus keeps them. */
  buckets: Map<number, number>;
}

interface Snapshot {
  readonly at: number;
  readonly operations: Map<string, HistogramTotals>;
  readonly tiers: Map<string, HistogramTotals>;
  readonly caches: Map<string, { hits: number; misses: number }>;
}

const SAMPLED = ['strata_operation_duration_seconds', 'strata_store_operation_duration_seconds', 'strata_cache_requests_total'];

interface MetricJson {
  name: string;
  values: Array<{ value: number; labels: Record<string, string | number>; metricName?: string }>;
}

/**
 * Recent latency and hit rates from the process's own Prometheus registry: every `intervalMs`
 * the counters are read and the difference to the previous reading becomes one point (mean and
 * p95 per operation and tier, hit rate per cache). Process-wide figures: latencies and ratios
 * only, never a count, a label naming a tenant or a user, or any record.
 */
export class MetricsHistory {
  private readonly points: MetricsPoint[] = [];
  private previous: Snapshot | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly metrics: PrometheusMetrics,
    readonly intervalMs = 10_000,
    private readonly keep = 60,
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    if (this.timer) return;
    const tick = (): void => {
      // A reading that fails (a collector threw) is skipped: the next one spans both intervals.
      this.sample().catch(() => {});
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Takes a reading now; from the second on, it adds a point. */
  async sample(): Promise<void> {
    // Only the three metrics read here: the registry's other collectors (record counts) stay idle.
    const metrics = await Promise.all(
      SAMPLED.map(async (name) => {
        const metric = this.metrics.registry.getSingleMetric(name);
        return metric ? ((await metric.get()) as unknown as MetricJson) : null;
      }),
    );
    const snapshot = readSnapshot(
      metrics.filter((metric): metric is MetricJson => metric !== null),
      this.clock(),
    );
    if (this.previous) {
      this.points.push(pointBetween(this.previous, snapshot));
      if (this.points.length > this.keep) this.points.splice(0, this.points.length - this.keep);
    }
    this.previous = snapshot;
  }

  /** The recent points, oldest first. */
  recent(): readonly MetricsPoint[] {
    return this.points;
  }
}

function readSnapshot(metrics: readonly MetricJson[], at: number): Snapshot {
  const snapshot: Snapshot = { at, operations: new Map(), tiers: new Map(), caches: new Map() };
  for (const metric of metrics) {
    if (metric.name === 'strata_operation_duration_seconds') addHistogram(snapshot.operations, metric, 'operation');
    else if (metric.name === 'strata_store_operation_duration_seconds') addHistogram(snapshot.tiers, metric, 'tier');
    else if (metric.name === 'strata_cache_requests_total') {
      for (const value of metric.values) {
        const cache = String(value.labels.cache);
        const entry = snapshot.caches.get(cache) ?? { hits: 0, misses: 0 };
        if (value.labels.result === 'hit') entry.hits += value.value;
        else entry.misses += value.value;
        snapshot.caches.set(cache, entry);
      }
    }
  }
  return snapshot;
}

/** Sums a histogram's series by one label (e.g. every outcome of an operation together). */
function addHistogram(into: Map<string, HistogramTotals>, metric: MetricJson, label: string): void {
  for (const value of metric.values) {
    const group = String(value.labels[label]);
    const totals = into.get(group) ?? { count: 0, sum: 0, buckets: new Map() };
    if (value.metricName?.endsWith('_bucket')) {
      const le = value.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(value.labels.le);
      totals.buckets.set(le, (totals.buckets.get(le) ?? 0) + value.value);
    } else if (value.metricName?.endsWith('_sum')) totals.sum += value.value;
    else if (value.metricName?.endsWith('_count')) totals.count += value.value;
    into.set(group, totals);
  }
}

function pointBetween(before: Snapshot, after: Snapshot): MetricsPoint {
  const cacheHitRate: Record<string, number | null> = {};
  for (const [cache, now] of after.caches) {
    const then = before.caches.get(cache) ?? { hits: 0, misses: 0 };
    const hits = now.hits - then.hits;
    const lookups = hits + now.misses - then.misses;
    cacheHitRate[cache] = lookups > 0 ? hits / lookups : null;
  }
  return {
    at: after.at,
    operations: latencies(before.operations, after.operations),
    tiers: latencies(before.tiers, after.tiers),
    cacheHitRate,
  };
}

function latencies(before: Map<string, HistogramTotals>, after: Map<string, HistogramTotals>): Record<string, LatencyPoint> {
  const out: Record<string, LatencyPoint> = {};
  for (const [group, now] of after) {
    const then = before.get(group);
    const count = now.count - (then?.count ?? 0);
    if (count <= 0) {
      out[group] = { meanMs: null, p95Ms: null };
      continue;
    }
    const sum = now.sum - (then?.sum ?? 0);
    out[group] = { meanMs: (sum / count) * 1000, p95Ms: quantileMs(now, then, count, 0.95) };
  }
  return out;
}

/** The upper bound of the first bucket holding the quantile (the largest finite bound when it is past them all). */
function quantileMs(now: HistogramTotals, then: HistogramTotals | undefined, count: number, q: number): number | null {
  const bounds = [...now.buckets.keys()].sort((a, b) => a - b);
  const finite = bounds.filter((bound) => Number.isFinite(bound));
  for (const bound of bounds) {
    const cumulative = (now.buckets.get(bound) ?? 0) - (then?.buckets.get(bound) ?? 0);
    if (cumulative >= q * count) return (Number.isFinite(bound) ? bound : (finite[finite.length - 1] ?? 0)) * 1000;
  }
  return null;
}
