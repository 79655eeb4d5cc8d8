import type { MemoryFilter, ScoredId } from '../../spec/memory-store.js';
import type { PgDriver } from './driver.js';
import { PgParams, pgMemoryFilter } from './pg-filter.js';
import { statement } from './pg-migrate.js';

/**
 * Keyword search on the generated tsvector column (english stemming; GIN index): BM25-like
 * scores from statements/keyword-search.sql. Each term is matched as a websearch phrase of
 * its words: punctuation and operators in a term are dropped, never parsed as query syntax.
 */
export class PgKeywords {
  /** Memories per scope (BM25's N), cached briefly: a count per search would cost more than the search. */
  private readonly scopeSizes = new Map<string, { n: number; at: number }>();

  constructor(private readonly driver: PgDriver) {}

  async search(filter: MemoryFilter, terms: readonly string[], k: number): Promise<ScoredId[]> {
    if (k <= 0) return [];
    const phrases = [...new Set(terms.map(phraseOf).filter((phrase) => phrase.length > 2))];
    if (phrases.length === 0) return [];
    const params = new PgParams([phrases, k, await this.scopeSize(filter.tenantId, filter.userId)]);
    const where = pgMemoryFilter(filter, params, Date.now());
    const { rows } = await this.driver.query<{ id: string; score: number | string }>(
      statement('keyword-search').replaceAll('/*FILTER*/', where),
      params.values,
    );
    return rows.map((row) => ({ id: row.id, score: Number(row.score) }));
  }

  /** The scores `search` gives those of `ids` that the filter keeps and some term matches, best first. */
  async scores(filter: MemoryFilter, terms: readonly string[], ids: readonly string[]): Promise<ScoredId[]> {
    const phrases = [...new Set(terms.map(phraseOf).filter((phrase) => phrase.length > 2))];
    if (phrases.length === 0 || ids.length === 0) return [];
    const params = new PgParams([phrases, [...ids], await this.scopeSize(filter.tenantId, filter.userId)]);
    const where = pgMemoryFilter(filter, params, Date.now());
    const { rows } = await this.driver.query<{ id: string; score: number | string }>(
      statement('keyword-scores').replaceAll('/*FILTER*/', where),
      params.values,
    );
    return rows.map((row) => ({ id: row.id, score: Number(row.score) }));
  }

  /**
   * N of the idf: the scope's memories, counted at most every SCOPE_TTL_MS per scope. A stale
   * N moves scores slightly, never which memories match.
   */
  private async scopeSize(tenantId: string, userId: string | undefined): Promise<number> {
    const key = `${tenantId}\u0000${userId ?? ''}`;
    const now = Date.now();
    const cached = this.scopeSizes.get(key);
    if (cached && now - cached.at < SCOPE_TTL_MS) return cached.n;
    const { rows } = await this.driver.query<{ n: string | number }>(
      'SELECT count(*) AS n FROM memories WHERE tenant_id = $1 AND ($2::text IS NULL OR user_id = $2)',
      [tenantId, userId ?? null],
    );
    const n = Number(rows[0]?.n ?? 0);
    if (this.scopeSizes.size >= 10_000) this.scopeSizes.clear();
    this.scopeSizes.set(key, { n, at: now });
    return n;
  }

  /** Rows in the keyword index (the tsvector is a generated column: nothing to rebuild but the GIN index). */
  async rebuild(): Promise<number> {
    // CONCURRENTLY (outside a transaction): writers are not blocked while the index is rebuilt.
    await this.driver.query('REINDEX INDEX CONCURRENTLY memories_tsv');
    const { rows } = await this.driver.query<{ n: string | number }>('SELECT count(*) AS n FROM memories', []);
    return Number(rows[0]?.n ?? 0);
  }
}

const SCOPE_TTL_MS = 10_000;

/** `"word word"`: the term's letters and digits as one websearch phrase. */
function phraseOf(term: string): string {
  const words = term
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0 && word.toLowerCase() !== 'or');
  return `"${words.join(' ')}"`;
}
