/**
 * The memories of some rowids that a filter keeps, as [rowid, id] in the order asked: the check
 * a search makes of its keyword and ANN candidates. `where` and `params` are memoryFilterSql's
 * (columns of `m`). The store answers it by reading the rows whole and keeping the first `keep`
 * in its record cache: the candidates checked are the ones the search hydrates next.
 */
export type FilterCheck = (
  rowids: readonly number[],
  where: string,
  params: readonly unknown[],
  keep: number,
) => Array<readonly [number, string]>;
