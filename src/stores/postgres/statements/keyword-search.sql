-- keyword-search: BM25-like ranking on the tsvector index.
--   $1 text[]  the query terms (each one websearch phrase)
--   $2 text    tenant id (document frequencies are counted in the tenant ...)
--   $3 text    user id or NULL (... and the user, when given)
--   $4 int     k
--   and the memory filter over `m` (in place of the FILTER marker below), parameters from $5
-- Each matching term adds idf(term) * ts_rank(text A=1.0, context C=0.2, length-normalised),
-- idf = ln(1 + (N - n + 0.5) / (n + 0.5)) as in BM25, N and n counted within the scope.
WITH terms AS (
  SELECT q
  FROM unnest($1::text[]) AS t(term), LATERAL websearch_to_tsquery('english', t.term) AS q
  WHERE numnode(q) > 0
), scope AS (
  SELECT count(*)::float8 AS n FROM memories s WHERE s.tenant_id = $2 AND ($3::text IS NULL OR s.user_id = $3)
), df AS (
  SELECT terms.q, ln(1 + (scope.n - d.n + 0.5) / (d.n + 0.5)) AS idf
  FROM terms CROSS JOIN scope
  CROSS JOIN LATERAL (
    SELECT count(*)::float8 AS n FROM memories s
    WHERE s.tenant_id = $2 AND ($3::text IS NULL OR s.user_id = $3) AND s.tsv @@ terms.q
  ) AS d
)
SELECT m.id, sum(df.idf * ts_rank('{0, 0.2, 0, 1.0}', m.tsv, df.q, 1)) AS score
FROM memories m JOIN df ON m.tsv @@ df.q
WHERE /*FILTER*/
GROUP BY m.row_id, m.id
ORDER BY score DESC, m.row_id
LIMIT $4
