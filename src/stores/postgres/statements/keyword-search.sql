-- keyword-search: BM25-like ranking on the tsvector index (GIN).
--   $1 text[]  the query terms (each one websearch phrase)
--   $2 int     k
--   $3 float8  N: memories in the scope (tenant, and user when given), counted by the caller
--   and the memory filter over `m` (in place of the FILTER marker below), parameters from $4
-- Each matching term adds idf(term) * ts_rank(text A=1.0, context C=0.2, length-normalised), with
-- idf = ln(1 + (N - n + 0.5) / (n + 0.5)) as in BM25, n the memories of the filter matching the
-- term: statistics of the scope searched, never of other tenants.
-- MATERIALIZED: each CTE runs once per query (inlined, the counts ran once per candidate row).
WITH terms AS MATERIALIZED (
  SELECT t.ord, q
  FROM unnest($1::text[]) WITH ORDINALITY AS t(term, ord), LATERAL websearch_to_tsquery('english', t.term) AS q
  WHERE numnode(q) > 0
), hits AS MATERIALIZED (
  -- Per term, its matches in the scope through the GIN index (terms.q is a parameter of the scan).
  SELECT terms.ord, hit.row_id, hit.id, ts_rank('{0, 0.2, 0, 1.0}', hit.tsv, terms.q, 1) AS rank
  FROM terms CROSS JOIN LATERAL (
    SELECT m.row_id, m.id, m.tsv FROM memories m WHERE m.tsv @@ terms.q AND /*FILTER*/
  ) AS hit
), df AS MATERIALIZED (
  SELECT ord, count(*)::float8 AS n FROM hits GROUP BY ord
)
SELECT hits.id, sum(ln(1 + (greatest($3::float8, df.n) - df.n + 0.5) / (df.n + 0.5)) * hits.rank) AS score
FROM hits JOIN df USING (ord)
GROUP BY hits.row_id, hits.id
ORDER BY score DESC, hits.row_id
LIMIT $2
