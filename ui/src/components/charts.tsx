/** Small inline SVG charts: no chart library. */

export interface Series {
  readonly name: string;
  readonly values: ReadonlyArray<number | null>;
}

const COLORS = ['var(--c1)', 'var(--c2)', 'var(--c3)', 'var(--c4)', 'var(--c5)', 'var(--c6)'];

/**
 * A line chart over evenly spaced points (gaps where a value is null), with its maximum on the
 * axis and a legend. `label` names it for assistive technology; a table of the last values follows.
 */
export function LineChart({
  label,
  series,
  format,
  max: fixedMax,
  times,
}: {
  label: string;
  series: readonly Series[];
  format: (value: number) => string;
  max?: number;
  times?: readonly number[];
}) {
  const width = 560;
  const height = 140;
  const pad = { left: 56, right: 8, top: 10, bottom: 22 };
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = fixedMax ?? Math.max(...all, 0) * 1.1;
  const count = Math.max(...series.map((s) => s.values.length), 2);
  const x = (i: number) => pad.left + (i / (count - 1)) * (width - pad.left - pad.right);
  const y = (v: number) => pad.top + (1 - (max === 0 ? 0 : v / max)) * (height - pad.top - pad.bottom);
  const paths = series.map((s) => {
    let d = '';
    let open = false;
    s.values.forEach((value, i) => {
      if (value === null) {
        open = false;
        return;
      }
      d += `${open ? 'L' : 'M'}${x(i).toFixed(1)},${y(value).toFixed(1)}`;
      open = true;
    });
    return d;
  });
  const first = times?.[0];
  const last = times?.[times.length - 1];
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} preserveAspectRatio="none">
        <title>{label}</title>
        <line class="axis" x1={pad.left} x2={width - pad.right} y1={y(0)} y2={y(0)} />
        <line class="grid" x1={pad.left} x2={width - pad.right} y1={y(max)} y2={y(max)} />
        <text class="tick" x={pad.left - 6} y={y(max) + 4} text-anchor="end">
          {all.length ? format(max) : ''}
        </text>
        <text class="tick" x={pad.left - 6} y={y(0) + 4} text-anchor="end">
          {format(0)}
        </text>
        {first !== undefined && last !== undefined && (
          <>
            <text class="tick" x={pad.left} y={height - 6}>
              {new Date(first).toISOString().slice(11, 19)}
            </text>
            <text class="tick" x={width - pad.right} y={height - 6} text-anchor="end">
              {new Date(last).toISOString().slice(11, 19)} UTC
            </text>
          </>
        )}
        {paths.map((d, i) => (
          <path
            key={series[i]?.name}
            d={d}
            fill="none"
            stroke={COLORS[i % COLORS.length]}
            stroke-width="2"
            vector-effect="non-scaling-stroke"
          />
        ))}
        {series.map((line, i) =>
          // A point with no neighbour draws no line: a dot shows it.
          line.values.map((value, j) =>
            value !== null && (line.values[j - 1] ?? null) === null && (line.values[j + 1] ?? null) === null ? (
              <circle key={`${line.name}-${j}`} cx={x(j)} cy={y(value)} r="3" fill={COLORS[i % COLORS.length]} />
            ) : null,
          ),
        )}
        {all.length === 0 && (
          <text class="tick" x={width / 2} y={height / 2} text-anchor="middle">
            no calls in this window
          </text>
        )}
      </svg>
      <figcaption>
        <ul class="legend">
          {series.map((s, i) => {
            const latest = [...s.values].reverse().find((v) => v !== null);
            return (
              <li key={s.name}>
                <span class="swatch" style={{ background: COLORS[i % COLORS.length] }} aria-hidden="true" />
                {s.name}, last: <strong>{latest === undefined || latest === null ? '—' : format(latest)}</strong>
              </li>
            );
          })}
        </ul>
      </figcaption>
    </figure>
  );
}

/** A horizontal bar for one value in [0, max]. */
export function Meter({ value, max, label }: { value: number | null; max: number; label: string }) {
  const share = value === null || max <= 0 ? 0 : Math.max(0, Math.min(1, value / max));
  return (
    <span class="meter" role="img" aria-label={`${label}: ${value === null ? 'none' : value.toFixed(3)}`}>
      <span class="meter-fill" style={{ width: `${(share * 100).toFixed(1)}%` }} />
    </span>
  );
}
