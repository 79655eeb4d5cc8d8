/**
 * `npm run bench`: ingest rate, search and context latency, ANN recall and peak RSS of the
 * embedded default (SQLite + offline embedder) at 10k and 100k memories in one user's scope,
 * each beside the exact brute-force baseline measured in the same run.
 *
 *   node --expose-gc --import tsx bench/run.ts [--quick] [--seed N] [--queries N] [--keep] [--dir PATH]
 *     [--store sqlite|postgres|pglite|sqlite-redis] [--max N] [--scale N] [--out FILE] [--tsx]
 *
 * --quick stops at 10k; --max N stops at N memories; --scale N measures at N memories only.
 * Each phase runs in its own process on the compiled JavaScript (bench/compiled.ts); --tsx runs
 * the TypeScript sources instead (then every RSS figure includes the loader's ~40 MiB).
 * Results go to stdout and bench/results/latest.json (latest-<store>.json for another store, or
 * --out). `npm run bench:backends` (bench/backends.ts) runs this once per backend. `--store postgres` runs on
 * DATABASE_URL (default the local test server) in a fresh schema, dropped at the end unless
 * --keep; `--store pglite` on PGlite + pgvector in the bench directory; `--store sqlite-redis` on
 * the SQLite file with the Redis tier in front (REDIS_URL or the local server).
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BenchStore, dropRedisPrefix } from './bench-store.js';
import { compileBench, compiledExecArgv } from './compiled.js';
import type { CorpusPosition, EmbedderResult, IngestResult, PhaseRequest, PhaseResult, ServeResult } from './protocol.js';
import { type BenchReport, renderReport, type ScaleResult, TARGETS, verdict } from './report.js';
import { round } from './stats.js';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
/** The phase worker: compiled JavaScript unless --tsx (see compiled.ts); set in main. */
let worker = { path: fileURLToPath(new URL('./worker.ts', import.meta.url)), execArgv: process.execArgv };

function runPhase<T extends PhaseResult>(request: PhaseRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(worker.path, [JSON.stringify(request)], {
      execArgv: worker.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: T | undefined;
    child.on('message', (message) => {
      result = message as T;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(`bench phase ${request.phase} exited with code ${code}`));
    });
  });
}

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      seed: { type: 'string', default: '42' },
      queries: { type: 'string', default: '240' },
      keep: { type: 'boolean', default: false },
      dir: { type: 'string' },
      store: { type: 'string', default: 'sqlite' },
      max: { type: 'string' },
      scale: { type: 'string' },
      out: { type: 'string' },
      tsx: { type: 'boolean', default: false },
    },
  });
  const started = performance.now();
  if (!values.tsx) {
    progress('compiling src/ and bench/ (the phases run the JavaScript, as npm start does; --tsx for the sources)');
    worker = { path: compileBench('worker'), execArgv: compiledExecArgv(process.execArgv) };
  }
  const seed = Number(values.seed);
  const queries = Number(values.queries);
  const max = values.max === undefined ? Number.POSITIVE_INFINITY : Number(values.max);
  const scales =
    values.scale !== undefined ? [Number(values.scale)] : (values.quick ? [10_000] : [10_000, 100_000]).filter((scale) => scale <= max);
  if (scales.length === 0) scales.push(max);
  if (!scales.every((scale) => Number.isInteger(scale) && scale > 0)) throw new Error('--scale and --max take a positive integer');
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'strata-bench-'));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'bench.db');
  const store = benchStore(values.store ?? 'sqlite', dir);
  progress(
    store.kind === 'sqlite' || store.kind === 'sqlite-redis'
      ? `database ${path}${store.kind === 'sqlite-redis' ? `, Redis tier at ${store.redisUrl} (prefix ${store.prefix})` : ''}`
      : `store ${store.kind}, schema ${store.schema}`,
  );

  progress('embedder throughput');
  const embedder = await runPhase<EmbedderResult>({ phase: 'embedder', seed });

  const results: ScaleResult[] = [];
  let from: CorpusPosition = { session: 0, offset: 0 };
  for (const target of scales) {
    progress(`ingest to ${target.toLocaleString('en-US')} memories`);
    const ingest = await runPhase<IngestResult>({ phase: 'ingest', path, store, seed, from, target });
    from = ingest.next;
    const sessions = from.offset > 0 ? from.session + 1 : from.session;
    progress(`serve (ANN) at ${target.toLocaleString('en-US')}`);
    const annRequest = { phase: 'serve', path, store, seed, mode: 'ann', queries, sessions } as const;
    // The FTS5 cross-check reads the SQLite file: SQLite only.
    const ann = await runPhase<ServeResult>({ ...annRequest, verifyKeywords: store.kind === 'sqlite' && target === scales[0] });
    progress(`serve (ANN, V8's own heap growth) at ${target.toLocaleString('en-US')}`);
    const annV8Heap = await runPhase<ServeResult>({ ...annRequest, heapGrowthPercent: 0 });
    progress(`serve (exact baseline) at ${target.toLocaleString('en-US')}`);
    // Exact search reads every vector of the scope from SQLite: fewer queries above 10k keep the run short.
    const baselineQueries = target > 10_000 ? Math.min(queries, 60) : queries;
    const exact = await runPhase<ServeResult>({ phase: 'serve', path, store, seed, mode: 'exact', queries: baselineQueries, sessions });
    results.push({ memories: ingest.memories, ingest, ann, exact, annV8Heap, hybridTop10Agreement: overlap(ann.top10, exact.top10) });
  }
  if (store.kind === 'postgres' && !values.keep) await dropSchema(store.url, store.schema);
  if (store.kind === 'sqlite-redis') await dropRedisPrefix(store.redisUrl, store.prefix);
  if (!values.keep && values.dir === undefined) rmSync(dir, { recursive: true, force: true });

  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    durationS: round((performance.now() - started) / 1000, 1),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    store: store.kind,
    runtime: values.tsx ? 'tsx' : 'compiled',
    seed,
    queries,
    quick: values.quick === true,
    targets: TARGETS,
    embedder,
    scales: results.map((scale) => ({
      ...scale,
      ann: { ...scale.ann, top10: [] },
      exact: { ...scale.exact, top10: [] },
    })),
    verdict: verdict(results),
  };
  console.log(renderReport(report));
  mkdirSync(RESULTS, { recursive: true });
  const file = values.out ?? join(RESULTS, store.kind === 'sqlite' ? 'latest.json' : `latest-${store.kind}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  progress(`wrote ${file}`);
}

function benchStore(kind: string, dir: string): BenchStore {
  const schema = `strata_bench_${process.pid}`;
  if (kind === 'sqlite') return { kind };
  if (kind === 'postgres') return { kind, url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', schema };
  if (kind === 'pglite') return { kind, dir: join(dir, 'pglite'), schema };
  if (kind === 'sqlite-redis')
    return { kind, redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: `strata-bench-${process.pid}` };
  throw new Error(`--store must be sqlite, postgres, pglite or sqlite-redis, not ${kind}`);
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

/** Mean |a ∩ b| / |b| over paired top-k lists. */
function overlap(a: readonly (readonly string[])[], b: readonly (readonly string[])[]): number {
  let sum = 0;
  b.forEach((truth, i) => {
    const got = new Set(a[i] ?? []);
    sum += truth.length === 0 ? 1 : truth.filter((id) => got.has(id)).length / truth.length;
  });
  return round(sum / Math.max(1, b.length), 4);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
