import type { EmbedderResult, IngestResult, ServeResult } from './protocol.js';
import type { Latency } from './stats.js';

export const TARGETS = {
  ingestPerSecond: 2_000,
  searchP95Ms: 10,
  contextP95Ms: 20,
  recallAt10: 0.95,
  peakRssMiB: 400,
} as const;

export interface ScaleResult {
  readonly memories: number;
  readonly ingest: IngestResult;
  readonly ann: ServeResult;
  readonly exact: ServeResult;
  /** The ANN phase again under V8's own heap policy (heapGrowthPercent 0), for its peak RSS. */
  readonly annV8Heap?: ServeResult;
  /** Mean overlap of the hybrid top-10 lists, ANN vs exact. */
  readonly hybridTop10Agreement: number;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly durationS: number;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly memoryGiB: number; readonly node: string };
  /** The store measured: sqlite (default), postgres, pglite. */
  readonly store?: string;
  /** What the phases ran: the compiled JavaScript (as npm start) or the sources under tsx (--tsx). */
  readonly runtime?: 'compiled' | 'tsx';
  readonly seed: number;
  readonly queries: number;
  readonly quick: boolean;
  readonly targets: typeof TARGETS;
  readonly embedder: EmbedderResult;
  readonly scales: readonly ScaleResult[];
  readonly verdict: ReadonlyArray<{ readonly check: string; readonly value: number; readonly target: string; readonly pass: boolean }>;
}

export function ingestRate(ingest: IngestResult): { calls: number; pipeline: number } {
  return {
    calls: Math.round(ingest.messages / (ingest.ingestMs / 1000)),
    pipeline: Math.round(ingest.messages / ((ingest.ingestMs + ingest.indexFlushMs) / 1000)),
  };
}

/** Pass/fail of each target; latency targets apply at the largest scale measured. */
export function verdict(scales: readonly ScaleResult[]): BenchReport['verdict'] {
  const out: Array<BenchReport['verdict'][number]> = [];
  const largest = scales[scales.length - 1];
  if (!largest) return out;
  const at = `@${largest.memories.toLocaleString('en-US')}`;
  for (const scale of scales) {
    const rate = ingestRate(scale.ingest).pipeline;
    out.push({
      check: `ingest msgs/s to ${scale.memories.toLocaleString('en-US')}`,
      value: rate,
      target: `>= ${TARGETS.ingestPerSecond}`,
      pass: rate >= TARGETS.ingestPerSecond,
    });
  }
  const search = largest.ann.search.p95;
  out.push({ check: `search p95 ms ${at}`, value: search, target: `<= ${TARGETS.searchP95Ms}`, pass: search <= TARGETS.searchP95Ms });
  const context = largest.ann.context.p95;
  out.push({ check: `context p95 ms ${at}`, value: context, target: `<= ${TARGETS.contextP95Ms}`, pass: context <= TARGETS.contextP95Ms });
  for (const scale of scales) {
    const recall = scale.ann.recall?.at10 ?? 0;
    out.push({
      check: `ANN recall@10 @${scale.memories.toLocaleString('en-US')}`,
      value: recall,
      target: `>= ${TARGETS.recallAt10}`,
      pass: recall >= TARGETS.recallAt10,
    });
  }
  const rss = Math.max(...scales.flatMap((s) => [s.ingest.peakRssMiB, s.ann.peakRssMiB]));
  out.push({
    check: 'peak RSS MiB (ingest, ANN serving)',
    value: rss,
    target: `<= ${TARGETS.peakRssMiB}`,
    pass: rss <= TARGETS.peakRssMiB,
  });
  return out;
}

const lat = (l: Latency): string => `${fmt(l.p50)} / ${fmt(l.p95)} / ${fmt(l.p99)}`;

function fmt(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

const int = (value: number): string => Math.round(value).toLocaleString('en-US');

/** The human-readable table: each figure beside its exact baseline and target. */
export function renderReport(report: BenchReport): string {
  const lines: string[] = [];
  const e = report.embedder;
  lines.push(
    `Strata bench  ${report.startedAt}  ${report.machine.cpus} CPU (${report.machine.cpuModel}), ${report.machine.memoryGiB} GiB, Node ${report.machine.node}${report.runtime ? `, ${report.runtime === 'tsx' ? 'TypeScript sources under tsx' : 'compiled JavaScript'}` : ''}`,
  );
  lines.push(`store ${report.store ?? 'sqlite'}, seed ${report.seed}, one user scope, embedder ${e.model}`);
  lines.push(
    'ANN: the default store (HNSW graph, in-memory BM25 index). Exact baseline: the same store forced to brute-force vector search.',
  );
  lines.push('');
  const rows: Array<[string, string, string, string]> = [['', 'ANN (default store)', 'exact baseline', 'target']];
  const section = (title: string): void => {
    rows.push([title, '', '', '']);
  };
  section('embedder (offline)');
  rows.push(['  provider throughput, texts/s (batches of 256)', int(e.providerPerSecond), '', '']);
  rows.push(["  through core's Embedder (hash + LRU), texts/s", int(e.embedderPerSecond), '', '']);
  rows.push(['  single query p50 / p95 / p99, ms', lat(e.queryLatency), '', '']);
  for (const scale of report.scales) {
    const { ingest, ann, exact } = scale;
    const rate = ingestRate(ingest);
    section(`${int(scale.memories)} memories`);
    rows.push([
      `  ingest ${int(ingest.memories - ingest.messages)} -> ${int(ingest.memories)}, msgs/s (whole pipeline)`,
      int(rate.pipeline),
      '',
      `>= ${int(TARGETS.ingestPerSecond)}`,
    ]);
    rows.push([
      '    addMessages only / index flush at the end',
      `${int(rate.calls)} msgs/s / ${fmt(ingest.indexFlushMs / 1000)} s`,
      '',
      '',
    ]);
    rows.push(['    CPU per message, µs', int((ingest.cpuMs * 1000) / ingest.messages), '', '']);
    rows.push(['  addMessages p50 / p95 / p99, ms (1-10 msgs/call)', lat(ingest.addLatency), '', '']);
    rows.push(['  search p50 / p95 / p99, ms (hybrid, k=10)', lat(ann.search), lat(exact.search), `p95 <= ${TARGETS.searchP95Ms}`]);
    rows.push(['    CPU per search, ms', fmt(ann.cpuPerSearchMs), fmt(exact.cpuPerSearchMs), '']);
    rows.push(['  context p50 / p95 / p99, ms (2000 tokens)', lat(ann.context), lat(exact.context), `p95 <= ${TARGETS.contextP95Ms}`]);
    rows.push(['    CPU per context, ms', fmt(ann.cpuPerContextMs), fmt(exact.cpuPerContextMs), '']);
    rows.push(['    queries measured', int(ann.search.n), int(exact.search.n), '']);
    rows.push([
      '  recall@10 / @50 of vector search vs exact',
      ann.recall ? `${ann.recall.at10.toFixed(3)} / ${ann.recall.at50.toFixed(3)}` : '-',
      '1.000 / 1.000',
      `>= ${TARGETS.recallAt10}`,
    ]);
    rows.push(['  hybrid top-10 overlap with exact', scale.hybridTop10Agreement.toFixed(3), '1.000', '']);
    if (ann.keywordCheck) {
      const check = ann.keywordCheck;
      rows.push([
        '  keyword top-50 identical to SQLite FTS5 bm25',
        `${check.identical}/${check.queries} queries`,
        `max diff ${check.maxScoreDiff.toExponential(1)}`,
        '',
      ]);
    }
    rows.push(['  peak RSS MiB (serving)', fmt(ann.peakRssMiB), fmt(exact.peakRssMiB), `<= ${TARGETS.peakRssMiB}`]);
    rows.push(['  peak RSS MiB (ingest process)', fmt(ingest.peakRssMiB), '', `<= ${TARGETS.peakRssMiB}`]);
    if (scale.annV8Heap) {
      // The lines above run under the CLI's heap policy (src/config/heap-policy.ts); this is the same
      // ANN phase under V8's own, as in a program that embeds the library without the policy.
      rows.push(["    serving under V8's own heap growth: peak RSS MiB", fmt(scale.annV8Heap.peakRssMiB), '', '']);
      rows.push(['    ... search / context p95, ms', `${fmt(scale.annV8Heap.search.p95)} / ${fmt(scale.annV8Heap.context.p95)}`, '', '']);
    }
    rows.push([
      '  open / warm indexes / first search, ms',
      `${fmt(ann.openMs)} / ${fmt(ann.warmMs)} / ${fmt(ann.firstSearchMs)}`,
      `${fmt(exact.openMs)} / ${fmt(exact.warmMs)} / ${fmt(exact.firstSearchMs)}`,
      '',
    ]);
    rows.push(['  p95 embed / keyword / vector / hydrate, ms', parts(ann), parts(exact), '']);
    rows.push([
      '  db / index sidecars on disk, MiB',
      `${fmt(ingest.dbBytes / 2 ** 20)} / ${fmt(ingest.vectorIndexBytes / 2 ** 20)}`,
      '',
      '',
    ]);
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  for (const row of rows) {
    lines.push(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[i] ?? 0))).join('   '));
  }
  lines.push('');
  lines.push('reference: Mem0 reports 148 ms p50 / 200 ms p95 for search alone');
  lines.push('');
  for (const check of report.verdict) {
    lines.push(`${check.pass ? 'PASS' : 'MISS'}  ${check.check}: ${check.value} (target ${check.target})`);
  }
  lines.push(`\ntook ${report.durationS.toFixed(0)} s`);
  return lines.join('\n');
}

function parts(result: ServeResult): string {
  const p = result.parts;
  return `${fmt(p.embedQuery.p95)} / ${fmt(p.keyword.p95)} / ${fmt(p.vector.p95)} / ${fmt(p.hydrate.p95)}`;
}
