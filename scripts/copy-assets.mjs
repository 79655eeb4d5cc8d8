// Copies the non-TypeScript files the build needs (SQL migrations, Redis Lua scripts) next to the compiled code.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir, visit) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, visit);
    else visit(path);
  }
}

walk('src', (path) => {
  if (path.endsWith('.sql') || path.endsWith('.lua')) cpSync(path, join('dist', path.slice('src/'.length)));
});
