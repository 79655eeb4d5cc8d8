import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const CLIENT_DIR = join(ROOT, 'src', 'client');

describe('the strata/client package entry', () => {
  it('is exported as ./client (ESM + types) from dist/client', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(pkg.exports['./client']).toEqual({ types: './dist/client/index.d.ts', import: './dist/client/index.js' });
  });

  it('loads nothing at run time but its own files: the schemas and zod come in as types only', () => {
    const files = readdirSync(CLIENT_DIR).filter((name) => name.endsWith('.ts'));
    expect(files).toContain('index.ts');
    for (const file of files) {
      const source = readFileSync(join(CLIENT_DIR, file), 'utf8');
      const runtime = [...source.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)].map((match) => match[1]);
      for (const specifier of runtime) expect(specifier, `${file} imports ${specifier} at run time`).toMatch(/^\.\/[a-z-]+\.js$/);
    }
  });
});
