// Copies the non-TypeScript files the build needs (SQL migrations, Redis Lua scripts) next to the
// compiled code: `node scripts/copy-assets.mjs [OUT]` copies src/**/*.{sql,lua} into OUT (default
// dist), keeping their paths below src/. Run from the repository root (npm run build, bench/compiled.ts).
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? 'dist';

function walk(dir, visit) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, visit);
    else visit(path);
  }
}

walk('src', (path) => {
  if (path.endsWith('.sql') || path.endsWith('.lua')) cpSync(path, join(out, path.slice('src/'.length)));
});
