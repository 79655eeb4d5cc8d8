import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyHeapPolicy, DEFAULT_HEAP_GROWTH_PERCENT, heapGrowthFromEnv } from '../../src/config/heap-policy.js';
import { StrataError } from '../../src/errors/strata-error.js';
import { ROOT, spawnCli } from '../helpers/cli.js';

/** Runs test/fixtures/heap-churn.ts under the given growth percent in a fresh process. */
function churn(percent: number): { applied: number | null; peakMiB: number } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'fixtures', 'heap-churn.ts'), String(percent)], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { applied: number | null; peakMiB: number };
}

describe('heap policy (V8 old-generation growth)', () => {
  it('a low growth percent bounds the garbage a churning cache leaves in the old generation', () => {
    // Both runs pin V8's factor (1.2 against 4.0), so the comparison does not depend on V8's own heuristics.
    const tight = churn(20);
    const loose = churn(300);
    expect(tight.applied).toBe(20);
    expect(loose.applied).toBe(300);
    // Seen here: ~87 against ~118 MiB of heap for ~96 MiB held live.
    expect(tight.peakMiB).toBeLessThan(loose.peakMiB * 0.9);
  }, 30_000);

  it('0 leaves V8 as it is; out-of-range values are INVALID_CONFIG', () => {
    expect(applyHeapPolicy(0)).toBeNull();
    for (const bad of [-1, 301, 1.5, Number.NaN]) {
      expect(() => applyHeapPolicy(bad)).toThrow(StrataError);
    }
  });

  it('reads STRATA_HEAP_GROWTH_PERCENT, defaulting when unset or blank', () => {
    expect(heapGrowthFromEnv({})).toBe(DEFAULT_HEAP_GROWTH_PERCENT);
    expect(heapGrowthFromEnv({ STRATA_HEAP_GROWTH_PERCENT: ' ' })).toBe(DEFAULT_HEAP_GROWTH_PERCENT);
    expect(heapGrowthFromEnv({ STRATA_HEAP_GROWTH_PERCENT: '0' })).toBe(0);
    expect(heapGrowthFromEnv({ STRATA_HEAP_GROWTH_PERCENT: '80' })).toBe(80);
    for (const bad of ['abc', '-5', '301', '2.5', '50%']) {
      let caught: unknown;
      try {
        heapGrowthFromEnv({ STRATA_HEAP_GROWTH_PERCENT: bad });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(StrataError);
      expect((caught as StrataError).code).toBe('INVALID_CONFIG');
      expect((caught as StrataError).message).toContain('STRATA_HEAP_GROWTH_PERCENT');
    }
  });

  it('the CLI refuses a bad STRATA_HEAP_GROWTH_PERCENT at start, with the variable named', async () => {
    const result = await spawnCli(['search', '--help'], { STRATA_HEAP_GROWTH_PERCENT: 'lots' });
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toContain('STRATA_HEAP_GROWTH_PERCENT');
  });
});
