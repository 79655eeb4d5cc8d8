import { setFlagsFromString } from 'node:v8';
import { StrataError } from '../errors/strata-error.js';

/**
 * How far V8 lets the old generation grow past its live size before the next full collection.
 *
 * With a large heap limit (any machine with more than a few GiB of memory), V8 lets the heap grow
 * up to 4x what the last full collection left alive. A Strata process holds about 60 MiB of live
 * heap at 100k memories, and every search replaces cache entries (records, the soft match's
 * per-text words, token counts): that garbage is old-generation garbage, and it accumulated to
 * 210-250 MiB before each full collection. Growth of 1 + 50% keeps the serving process's peak
 * RSS at 100k memories about 110 MiB lower (bench: ~490 -> ~380 MiB) at no measurable cost per
 * search; full collections of a 60 MiB heap are mostly concurrent.
 *
 * The CLI (`strata serve`, `strata mcp` and every other command) applies it at start, as does the
 * bench. A program that embeds the library keeps its own V8 settings unless it calls
 * `applyHeapPolicy()` (the flag is process-wide).
 */
export const DEFAULT_HEAP_GROWTH_PERCENT = 50;

/**
 * The growth percent from STRATA_HEAP_GROWTH_PERCENT (an integer 1-300; `0` leaves V8's own
 * policy), default DEFAULT_HEAP_GROWTH_PERCENT.
 */
export function heapGrowthFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.STRATA_HEAP_GROWTH_PERCENT;
  if (raw === undefined || raw.trim() === '') return DEFAULT_HEAP_GROWTH_PERCENT;
  const value = Number(raw);
  if (!isGrowthPercent(value)) {
    throw new StrataError('INVALID_CONFIG', `STRATA_HEAP_GROWTH_PERCENT must be an integer from 0 (V8's own policy) to 300, not "${raw}"`, {
      details: { field: 'STRATA_HEAP_GROWTH_PERCENT', value: raw },
    });
  }
  return value;
}

/**
 * Sets V8's heap growth for this process (`--heap-growing-percent`); `0` leaves V8's policy as it
 * is. Takes effect from the next full collection. Returns the percent applied, or null.
 */
export function applyHeapPolicy(percent: number = DEFAULT_HEAP_GROWTH_PERCENT): number | null {
  if (!isGrowthPercent(percent)) {
    throw new StrataError('INVALID_CONFIG', `heap growth percent must be an integer from 0 to 300, not ${percent}`, {
      details: { field: 'heapGrowthPercent', value: percent },
    });
  }
  if (percent === 0) return null;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}

/** An integer from 0 (V8's own policy) to 300. */
function isGrowthPercent(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 300;
}
