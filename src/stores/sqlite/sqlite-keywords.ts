import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { MemoryFilter, ScoredId } from '../../spec/memory-store.js';
import type { FilterCheck } from './filter-check.js';
import { cachedStemmer, countAsciiTokens, isAscii } from './fts5-tokenizer.js';
import { type IndexLog, LoggedIndex, type LogSpan } from './index-log.js';
import { type ColumnWeights, type DocTokens, type KeywordDoc, KeywordIndex, type KeywordScope } from './keyword-index.js';
import { memoryFilterSql, scopeKey } from './memory-filter-sql.js';
import type { StatementCache } from './statement-cache.js';

/** The tokenizer the index replicates (FTS5's), also used to tokenize text the replica does not cover. */
const FTS_TOKENIZE = `tokenize = 'porter unicode61 remove_diacritics 2'`;
/** Extra candidates checked against the full filter in the first round (a scope filter rarely drops any). */
const OVERFETCH = 16;
/** A filter keeping at most this many memories is applied before scoring, not after. */
const NARROW = 20_000;
/** Rows read per chunk when building. */
const BUILD_CHUNK = 2_000;
const FILE = 'keywords.idx';

export interface SqliteKeywordsOptions {
  /** Indexes of tables with more memories than this are persisted (smaller ones are rebuilt on open). */
  readonly threshold: number;
  readonly weights: ColumnWeights;
  readonly indexDir: string | null;
}

/**
 * Keyword search (BM25 over text and context) through an in-memory index: KeywordIndex
 * answers top-k without visiting matching rows, with FTS5's own scores. Loaded from the
 * sidecar directory (or built from the table) on first use, and kept in step like the HNSW
 * graphs: this process's writes as they commit, other processes' writes from index_log
 * before each search. Tokens are FTS5's `porter unicode61 remove_diacritics 2`: a JavaScript
 * replica for text of ASCII letters and digits, SQLite itself (a contentless FTS5 table in
 * `temp`) for the rest.
 */
export class SqliteKeywords {
  private index: KeywordIndex | null = null;
  private readonly stem = cachedStemmer();
  private oracleReady = false;

  constructor(
    private readonly db: Database.Database,
    private readonly sql: StatementCache,
    private readonly log: IndexLog,
    private readonly options: SqliteKeywordsOptions,
    private readonly check: FilterCheck,
  ) {}

  /** Top-k by `-bm25(text, context)` within the filter; each term is matched as FTS5 matches `"term"`. */
  search(filter: MemoryFilter, terms: readonly string[], k: number): ScoredId[] {
    if (k <= 0) return [];
    const phrases = terms.map((term) => this.tokens(term, '').order).filter((phrase) => phrase.length > 0);
    if (phrases.length === 0) return [];
    const index = this.ensure();
    const scope: KeywordScope =
      filter.userId === undefined ? { tenantId: filter.tenantId } : { scopeKey: scopeKey(filter.tenantId, filter.userId) };
    const now = Date.now();
    const round = (limit: number, allowed?: ReadonlySet<number>): { passed: ScoredId[]; complete: boolean; kept: number } => {
      const hits = index.search(phrases, scope, this.options.weights, limit, allowed);
      const ids = new Map(
        this.check(
          hits.map((hit) => hit.rowid),
          filter,
          now,
          k,
        ),
      );
      const passed: ScoredId[] = [];
      for (const hit of hits) {
        const id = ids.get(hit.rowid);
        if (id !== undefined) passed.push({ id, score: hit.score });
        if (passed.length === k) break;
      }
      return { passed, complete: passed.length === k || hits.length < limit, kept: ids.size / Math.max(1, hits.length) };
    };
    let limit = k + OVERFETCH;
    let result = round(limit);
    if (!result.complete && result.kept < 0.5) {
      // A narrow filter (a session, tags, a time window): resolve it in SQL on its indexes and
      // score only what it keeps, rather than paging through the scope's best matches.
      const { where, params } = memoryFilterSql(filter, now);
      const allowed = this.sql.raw(`SELECT m.rowid FROM memories m WHERE ${where} LIMIT ?`).all(...params, NARROW + 1) as Array<[number]>;
      if (allowed.length <= NARROW) return round(k, new Set(allowed.map(([rowid]) => rowid))).passed;
    }
    while (!result.complete) {
      limit *= 4;
      result = round(limit);
    }
    return result.passed;
  }

  /**
   * The scores `search` gives memories, best first, for those some term matches: `kept` (rowid
   * and id, already known to pass the filter) and those of `ids` that the filter keeps.
   */
  scores(
    filter: MemoryFilter,
    terms: readonly string[],
    kept: ReadonlyArray<readonly [number, string]>,
    ids: readonly string[],
  ): ScoredId[] {
    const phrases = terms.map((term) => this.tokens(term, '').order).filter((phrase) => phrase.length > 0);
    if (phrases.length === 0 || kept.length + ids.length === 0) return [];
    const index = this.ensure();
    const scope: KeywordScope =
      filter.userId === undefined ? { tenantId: filter.tenantId } : { scopeKey: scopeKey(filter.tenantId, filter.userId) };
    const rows = [...kept];
    if (ids.length > 0) {
      const { where, params } = memoryFilterSql(filter, Date.now());
      // json_each outer: each id is one lookup on memories_by_id.
      const found = this.sql
        .raw(`SELECT m.rowid, m.id FROM json_each(?) AS j CROSS JOIN memories m ON m.tenant_id = ? AND m.id = j.value WHERE ${where}`)
        .all(JSON.stringify(ids), filter.tenantId, ...params) as Array<[number, string]>;
      rows.push(...found);
    }
    const scores = index.scores(
      phrases,
      scope,
      this.options.weights,
      rows.map(([rowid]) => rowid),
    );
    const out: ScoredId[] = [];
    for (const [i, [, id]] of rows.entries()) if ((scores[i] as number) > 0) out.push({ id, score: scores[i] as number });
    return out.sort((a, b) => b.score - a.score);
  }

  onInsert(rowid: number, tenantId: string, userId: string, text: string, context: string | null): void {
    this.index?.add(this.doc(rowid, tenantId, userId, text, context));
  }

  onDelete(rowid: number): void {
    this.index?.remove(rowid);
  }

  /** After a write transaction of this process: an index that was current stays current. */
  advance(span: LogSpan): void {
    if (this.index && this.index.seq === span.before) this.index.seq = span.after;
  }

  /** Loads or builds the index now instead of at the first search. */
  warm(): void {
    this.ensure();
  }

  /** Rebuilds the index from the table; returns how many memories it holds. */
  rebuild(): number {
    this.index = this.build();
    this.persist();
    return this.index.size;
  }

  /** Writes the index to the sidecar directory when it changed and the table is large enough to keep it. */
  persist(): void {
    const index = this.index;
    if (!index?.dirty || !this.options.indexDir || index.size <= this.options.threshold) return;
    mkdirSync(this.options.indexDir, { recursive: true });
    const path = join(this.options.indexDir, FILE);
    // A temp name per process: several server processes (serve --workers) may persist at once.
    const tmp = `${path}.${process.pid}.tmp`;
    index.save(tmp);
    renameSync(tmp, path);
  }

  /** The index, loaded or built on first use, caught up with the log. */
  private ensure(): KeywordIndex {
    if (this.index === null) {
      const loaded = this.load();
      if (loaded) {
        this.index = loaded;
        this.catchUp(loaded);
        const total = (this.sql.raw('SELECT count(*) FROM memories').get() as [number])[0];
        if (this.index.size !== total) this.index = this.build();
      } else {
        this.index = this.build();
      }
      return this.index;
    }
    this.catchUp(this.index);
    return this.index;
  }

  private load(): KeywordIndex | null {
    if (!this.options.indexDir) return null;
    const path = join(this.options.indexDir, FILE);
    if (!existsSync(path)) return null;
    try {
      return KeywordIndex.deserialize(readFileSync(path));
    } catch {
      return null;
    }
  }

  /** Applies the keyword changes logged since the index's seq (other processes' writes). */
  private catchUp(index: KeywordIndex): void {
    const head = this.log.head();
    if (index.seq === head) return;
    const changed = this.log.changedSince(index.seq, LoggedIndex.keywords);
    if (changed === null) {
      this.index = this.build();
      return;
    }
    if (changed.length > 0) {
      const rows = this.sql
        .raw('SELECT rowid, tenant_id, user_id, text, context FROM memories WHERE rowid IN (SELECT value FROM json_each(?))')
        .all(JSON.stringify(changed)) as Array<[number, string, string, string, string | null]>;
      const byRowid = new Map(rows.map((row) => [row[0], row]));
      for (const rowid of changed) {
        const row = byRowid.get(rowid);
        if (row) index.add(this.doc(...row));
        else index.remove(rowid);
      }
    }
    index.seq = head;
  }

  private build(): KeywordIndex {
    const seq = this.log.head();
    const index = KeywordIndex.build(() => this.allDocs());
    // Rows that changed while building are in the log after this seq: caught up at the next search.
    index.seq = seq;
    index.dirty = true;
    return index;
  }

  /** Every memory, read in rowid chunks (a statement is never open while the oracle runs). */
  private *allDocs(): Generator<KeywordDoc> {
    let after = Number.NEGATIVE_INFINITY;
    for (;;) {
      const rows = this.sql
        .raw('SELECT rowid, tenant_id, user_id, text, context FROM memories WHERE rowid > ? ORDER BY rowid LIMIT ?')
        .all(after, BUILD_CHUNK) as Array<[number, string, string, string, string | null]>;
      for (const row of rows) yield this.doc(...row);
      if (rows.length < BUILD_CHUNK) return;
      after = rows[rows.length - 1]?.[0] ?? after;
    }
  }

  private doc(rowid: number, tenantId: string, userId: string, text: string, context: string | null): KeywordDoc {
    return { rowid, tenantId, scopeKey: scopeKey(tenantId, userId), tokens: this.tokens(text, context ?? '') };
  }

  private tokens(text: string, context: string): DocTokens & { readonly order: string[] } {
    if (isAscii(text) && isAscii(context)) {
      const inText = new Map<string, number>();
      const inContext = new Map<string, number>();
      const order: string[] = [];
      const length = countAsciiTokens(text, inText, this.stem, order) + countAsciiTokens(context, inContext, this.stem);
      return { text: inText, context: inContext, length, order };
    }
    return this.oracle(text, context);
  }

  /** Tokens as FTS5 itself produces them, through a contentless FTS5 table in `temp`. */
  private oracle(text: string, context: string): DocTokens & { readonly order: string[] } {
    if (!this.oracleReady) {
      this.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.strata_tokenize USING fts5(text, context, content = '', ${FTS_TOKENIZE});
        CREATE VIRTUAL TABLE IF NOT EXISTS temp.strata_tokenize_vocab USING fts5vocab(temp, strata_tokenize, 'instance');`);
      this.oracleReady = true;
    }
    this.sql.get('INSERT INTO temp.strata_tokenize (rowid, text, context) VALUES (1, ?, ?)').run(text, context);
    const rows = this.sql.raw('SELECT term, col, offset FROM temp.strata_tokenize_vocab ORDER BY col, offset').all() as Array<
      [string, string, number]
    >;
    this.sql.get(`INSERT INTO temp.strata_tokenize (strata_tokenize) VALUES ('delete-all')`).run();
    const inText = new Map<string, number>();
    const inContext = new Map<string, number>();
    const order: string[] = [];
    for (const [term, column] of rows) {
      const counts = column === 'text' ? inText : inContext;
      counts.set(term, (counts.get(term) ?? 0) + 1);
      if (column === 'text') order.push(term);
    }
    return { text: inText, context: inContext, length: rows.length, order };
  }
}
