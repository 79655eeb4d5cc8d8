import { useEffect } from 'preact/hooks';
import { api } from '../api.js';
import { LineChart, type Series } from '../components/charts.js';
import { PageTitle } from '../components/page-title.js';
import { Empty, pending } from '../components/status.js';
import { formatMs } from '../format.js';
import { useAsync } from '../hooks.js';
import type { MetricsPoint } from '../types.js';

const DETAIL_SKIP = new Set(['status', 'detail']);

/** Each tier's readiness, the tenant's counts, and the process's recent latency and hit rates (refreshed every 10 s). */
export function HealthPage() {
  const data = useAsync(async () => {
    const [ready, stats] = await Promise.all([api.ready(), api.stats()]);
    return { ready, stats };
  }, []);
  useEffect(() => {
    const timer = setInterval(() => data.reload(), 10_000);
    return () => clearInterval(timer);
  }, [data.reload]);

  const state = pending(data, 'health');
  return (
    <section>
      <PageTitle title="Health">Health</PageTitle>
      {state ??
        (data.data && (
          <>
            <h2>
              Tiers{' '}
              <span class={`badge ${data.data.ready.status === 'ready' ? 'badge-done' : 'badge-error'}`}>{data.data.ready.status}</span>
            </h2>
            <ul class="tiers">
              {Object.entries(data.data.ready.tiers).map(([name, tier]) => (
                <li key={name} class={`card tier tier-${tier.status}`}>
                  <div class="card-head">
                    <strong>{name}</strong>
                    <span class={`badge ${tier.status === 'ready' ? 'badge-done' : 'badge-error'}`}>{tier.status.replace('_', ' ')}</span>
                  </div>
                  <dl class="meta">
                    {Object.entries(tier)
                      .filter(([key]) => !DETAIL_SKIP.has(key))
                      .map(([key, value]) => (
                        <div key={key}>
                          <dt>{key}</dt>
                          <dd>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</dd>
                        </div>
                      ))}
                  </dl>
                  {tier.detail && <p class="error">{tier.detail}</p>}
                </li>
              ))}
            </ul>
            <h2>This tenant</h2>
            <dl class="facts-grid counts">
              {(['users', 'sessions', 'memories'] as const).map((name) => (
                <div key={name}>
                  <dt>{name}</dt>
                  <dd>{data.data?.stats.counts[name]}</dd>
                </div>
              ))}
              <div>
                <dt>mode</dt>
                <dd>{data.data.stats.mode.replace('_', ' ')}</dd>
              </div>
            </dl>
            <p class="muted">
              Memories by kind:{' '}
              {Object.entries(data.data.stats.counts.memoriesByKind)
                .map(([kind, n]) => `${kind} ${n}`)
                .join(' · ')}
            </p>
            <h2>Recent latency and hit rates</h2>
            {data.data.stats.process === null ? (
              <Empty>This server exposes no metrics.</Empty>
            ) : (
              <Charts points={data.data.stats.process.points} intervalMs={data.data.stats.process.intervalMs} />
            )}
          </>
        ))}
    </section>
  );
}

function Charts({ points, intervalMs }: { points: MetricsPoint[]; intervalMs: number }) {
  if (points.length === 0) return <Empty>The first sample is taken {Math.round(intervalMs / 1000)} s after the server starts.</Empty>;
  const names = (pick: (p: MetricsPoint) => Record<string, unknown>) => [...new Set(points.flatMap((p) => Object.keys(pick(p))))].sort();
  const times = points.map((p) => p.at);
  const operations = names((p) => p.operations);
  const tiers = names((p) => p.tiers);
  const caches = names((p) => p.cacheHitRate);
  const p95: Series[] = operations.map((op) => ({ name: `${op} p95`, values: points.map((p) => p.operations[op]?.p95Ms ?? null) }));
  const mean: Series[] = operations.map((op) => ({ name: `${op} mean`, values: points.map((p) => p.operations[op]?.meanMs ?? null) }));
  const tier: Series[] = tiers.map((t) => ({ name: t, values: points.map((p) => p.tiers[t]?.meanMs ?? null) }));
  const hits: Series[] = caches.map((c) => ({ name: `${c} cache`, values: points.map((p) => p.cacheHitRate[c] ?? null) }));
  const percent = (v: number) => `${Math.round(v * 100)}%`;
  return (
    <>
      <p class="muted">
        The whole process (every tenant's calls), one point every {Math.round(intervalMs / 1000)} s over the last{' '}
        {windowText(points.length * intervalMs)}; latencies and ratios only.
      </p>
      <div class="charts">
        <section>
          <h3>Operation latency, mean</h3>
          <LineChart label="Mean latency per core operation" series={mean} format={formatMs} times={times} />
        </section>
        <section>
          <h3>Operation latency, p95</h3>
          <LineChart label="95th percentile latency per core operation" series={p95} format={formatMs} times={times} />
        </section>
        <section>
          <h3>Store latency per tier, mean</h3>
          <LineChart label="Mean store call latency per tier" series={tier} format={formatMs} times={times} />
        </section>
        <section>
          <h3>Cache hit rate</h3>
          <LineChart label="Cache hit rate" series={hits} format={percent} max={1} times={times} />
        </section>
      </div>
    </>
  );
}

function windowText(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}
