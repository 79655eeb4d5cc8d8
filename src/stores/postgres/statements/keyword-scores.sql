-- keyword-scores: the scores keyword-search gives some memories, by id.
--   $1 text[]  the query terms (each one websearch phrase)
--   $2 text[]  the memory ids to score
--   $3 float8  N: memories in the scope (tenant, and user when given), counted by the caller
--   and the memory filter over `m` (in place of both FILTER markers below), parameters from $4
-- The idf counts every memory of the filter matching the term, as keyword-search does; only
-- the rank is read for the given ids.
WITH terms AS MATERIALIZED (
  SELECT t.ord, q
  FROM unnest($1::text[]) WITH ORDINALITY AS t(term, ord), LATERAL websearch_to_tsquery('english', t.term) AS q
  WHERE numnode(q) > 0
), df AS MATERIALIZED (
  SELECT terms.ord, (SELECT count(*) FROM memories m WHERE m.tsv @@ terms.q AND /*FILTER*/)::float8 AS n
  FROM terms
), hits AS MATERIALIZED (
  SELECT terms.ord, m.row_id, m.id, ts_rank('{0, 0.2, 0, 1.0}', m.tsv, terms.q, 1) AS rank
  FROM terms CROSS JOIN memories m
  WHERE m.id = ANY($2::text[]) AND m.tsv @@ terms.q AND /*FILTER*/
)
SELECT hits.id, sum(ln(1 + (greatest($3::float8, df.n) - df.n + 0.5) / (df.n + 0.5)) * hits.rank) AS score
FROM hits JOIN df USING (ord)
GROUP BY hits.row_id, hits.id
ORDER BY score DESC, hits.row_id
