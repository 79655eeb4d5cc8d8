/**
 * The bench phases run the compiled JavaScript, as `npm start` runs dist/: under tsx every
 * process also carries the TypeScript loader (a second V8 isolate, about 40 MiB of resident
 * memory), which is not Strata's to count against the RSS target. src/ and bench/ are compiled
 * together by tsconfig.bench.json into tmp/bench-build/, with the SQL and Lua files beside
 * them (scripts/copy-assets.mjs, as npm run build) and assets/ linked, so every path the code resolves from import.meta.url holds.
 * `--tsx` runs the phases from the TypeScript sources instead.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'tmp', 'bench-build');

/** Compiles src/ and bench/ (a few seconds); returns the compiled path of `bench/<name>.js`. */
export function compileBench(name: string): string {
  rmSync(OUT, { recursive: true, force: true });
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  execFileSync(tsc, ['-p', join(ROOT, 'tsconfig.bench.json')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'copy-assets.mjs'), join(OUT, 'src')], { cwd: ROOT, stdio: 'inherit' });
  const assets = join(OUT, 'assets');
  if (!existsSync(assets)) symlinkSync(relative(OUT, join(ROOT, 'assets')), assets, 'dir');
  return join(OUT, 'bench', `${name}.js`);
}

/** Node options for a compiled phase: the parent's, without the TypeScript loader. */
export function compiledExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if ((arg === '--import' || arg === '--loader' || arg === '--require') && execArgv[i + 1]?.includes('tsx')) {
      i++;
      continue;
    }
    if (arg.includes('tsx')) continue;
    out.push(arg);
  }
  return out;
}
