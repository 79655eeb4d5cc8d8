import type { MemoryFilter } from '../../spec/memory-store.js';

/**
 * The memories of some rowids that a filter keeps, as [rowid, id] in the order asked: the check
 * a search makes of its keyword and ANN candidates, at time `now` (validity). The store answers
 * it from its record cache where it can (the filter checked in process) and reads the other rows
 * whole, keeping the first `keep` that pass in its record cache: the candidates checked are the
 * ones the search hydrates next.
 */
export type FilterCheck = (rowids: readonly number[], filter: MemoryFilter, now: number, keep: number) => Array<readonly [number, string]>;
