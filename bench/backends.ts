/**
 * `npm run bench:backends`: the quick benchmark (bench/run.ts, its worker phases unchanged) once
 * per backend that is available here, then one table with the backends side by side.
 *
 *   node --expose-gc --import tsx bench/backends.ts [--scale N] [--queries N] [--seed N]
 *     [--only sqlite,postgres,pglite,sqlite-redis]
 *
 * Backends: sqlite (the embedded default, hnswlib ANN), postgres (the `pg` pool on DATABASE_URL
 * or the local test server; pgvector HNSW when the server has it, else exact), pglite (PGlite +
 * pgvector HNSW, in-process WASM), sqlite-redis (the SQLite file with the Redis tier in front, on
 * REDIS_URL or the local server). A backend whose server does not answer is listed as skipped.
 * Each run is its own set of processes, one after the other, at `--scale` memories (default
 * 10,000). The full reports go to bench/results/backends.json.
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BenchReport, ingestRate } from './report.js';

const RUN = fileURLToPath(new URL('./run.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const BACKENDS = {
  sqlite: { label: 'sqlite', needs: null },
  postgres: { label: 'postgres (pg)', needs: POSTGRES_URL },
  pglite: { label: 'pglite + pgvector', needs: null },
  'sqlite-redis': { label: 'sqlite + redis tier', needs: REDIS_URL },
} as const;
type Backend = keyof typeof BACKENDS;

function progress(message: string): void {
  process.stderr.write(`[bench:backends ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Whether something accepts TCP connections at the URL's host and port. */
function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const fallback = url.startsWith('redis') ? 6379 : 5432;
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || fallback), hostname, () => done(true));
  });
}

/** One bench/run.ts for the backend, in its own process tree; its report from the --out file. */
function runBackend(backend: Backend, args: readonly string[], out: string): Promise<BenchReport> {
  return new Promise((resolve, reject) => {
    const child = fork(RUN, ['--store', backend, '--out', out, ...args], {
      execArgv: process.execArgv,
      // run.ts prints its own report on stdout: only its progress lines (stderr) are shown here.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(readFileSync(out, 'utf8')) as BenchReport);
      else reject(new Error(`bench/run.ts --store ${backend} exited with code ${code}`));
    });
  });
}

interface Row {
  readonly backend: string;
  readonly report: BenchReport | null;
  readonly note: string;
}

function table(rows: readonly Row[]): string {
  const header = [
    'backend',
    'memories',
    'ingest msgs/s',
    'search p50 ms',
    'search p95 ms',
    'context p50 ms',
    'context p95 ms',
    'vector search',
    'ANN recall@10',
    'peak RSS MiB',
  ];
  const body = rows.map((row) => {
    const scale = row.report?.scales.at(-1);
    if (!row.report || !scale) return [row.backend, row.note, '', '', '', '', '', '', '', ''];
    const mode = scale.ann.vectorMode ?? '?';
    const ann = mode !== 'exact';
    const rss = Math.max(scale.ingest.peakRssMiB, scale.ann.peakRssMiB);
    return [
      row.backend,
      scale.memories.toLocaleString('en-US'),
      ingestRate(scale.ingest).pipeline.toLocaleString('en-US'),
      scale.ann.search.p50.toFixed(2),
      scale.ann.search.p95.toFixed(2),
      scale.ann.context.p50.toFixed(2),
      scale.ann.context.p95.toFixed(2),
      mode,
      ann && scale.ann.recall ? scale.ann.recall.at10.toFixed(3) : '— (no ANN)',
      String(Math.round(rss)),
    ];
  });
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((cells) => (cells[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '10000' },
      queries: { type: 'string', default: '240' },
      seed: { type: 'string', default: '42' },
      only: { type: 'string' },
    },
  });
  const wanted = (values.only?.split(',') ?? Object.keys(BACKENDS)).map((name) => name.trim());
  for (const name of wanted)
    if (!(name in BACKENDS)) throw new Error(`--only: unknown backend ${name} (${Object.keys(BACKENDS).join(', ')})`);
  const args = ['--scale', values.scale, '--queries', values.queries, '--seed', values.seed];
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-backends-'));
  const started = performance.now();
  const load = loadavg().map((n) => n.toFixed(2));
  const rows: Row[] = [];
  try {
    for (const backend of wanted as Backend[]) {
      const { label, needs } = BACKENDS[backend];
      if (needs && !(await answers(needs))) {
        progress(`${label}: skipped, nothing answers at ${needs}`);
        rows.push({ backend: label, report: null, note: `skipped: nothing answers at ${needs}` });
        continue;
      }
      progress(`${label}: ${args.join(' ')}`);
      try {
        rows.push({ backend: label, report: await runBackend(backend, args, join(dir, `${backend}.json`)), note: '' });
      } catch (error) {
        progress(`${label}: failed: ${(error as Error).message}`);
        rows.push({ backend: label, report: null, note: `failed: ${(error as Error).message}` });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const loadAfter = loadavg().map((n) => n.toFixed(2));
  const machine = rows.find((row) => row.report)?.report?.machine;
  console.log(
    `\nStrata backends side by side, ${Number(values.scale).toLocaleString('en-US')} memories, ${values.queries} queries, seed ${values.seed}`,
  );
  if (machine) console.log(`${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}`);
  console.log(
    `load average (1/5/15 min) before ${load.join(' ')}, after ${loadAfter.join(' ')}; ${Math.round((performance.now() - started) / 1000)} s\n`,
  );
  console.log(table(rows));
  console.log(
    '\ningest: messages/s through createSession + addMessages, index flush included; search: hybrid, k = 10; context: getContext,' +
      ' 2,000-token budget; recall: the store vector search against brute force on the same query vectors; RSS: the larger of the ingest and serve processes.',
  );
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, 'backends.json');
  writeFileSync(
    file,
    `${JSON.stringify({ startedAt: new Date().toISOString(), load: { before: load, after: loadAfter }, rows }, null, 2)}\n`,
  );
  progress(`wrote ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
