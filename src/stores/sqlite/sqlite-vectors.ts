import { type FilterColumns, matchesFilter } from '../../spec/memory-filter-match.js';
import type { MemoryFilter, NewMemory, ScoredId } from '../../spec/memory-store.js';
import type { MemoryRecord } from '../../spec/records.js';
import { dot, dotAt } from '../../util/vector-math.js';
import { AnnIndex, type AnnRow } from './ann-index.js';
import { InlineAnnGraphs } from './ann-inline.js';
import { type AnnRunner, AnnWorkerClient } from './ann-worker-client.js';
import type { FilterCheck } from './filter-check.js';
import { type IndexLog, LoggedIndex, type LogSpan } from './index-log.js';
import { memoryFilterSql, scopeKey } from './memory-filter-sql.js';
import { blobToVector } from './rows.js';
import { ScopeVectorCache, ScopeVectors } from './scope-vectors.js';
import type { StatementCache } from './statement-cache.js';

/** The filter columns of a scope's cached row, in the order filterColumnsAt reads them. */
const FILTER_COLUMNS = 'm.agent_id, m.namespace, m.session_id, m.kind, m.tags, m.content_hash, m.created_at, m.superseded_by, m.valid_to';
/** The columns `placeForeign` reads of a row, `m` the memories alias. */
export const FOREIGN_ROW_COLUMNS = `m.rowid, m.id, m.tenant_id, m.user_id, m.embedding_model, m.embedding, ${FILTER_COLUMNS}`;
export type ForeignRow = [
  rowid: number,
  id: string,
  tenantId: string,
  userId: string,
  model: string | null,
  embedding: Buffer | null,
  agentId: string,
  namespace: string,
  sessionId: string | null,
  kind: string,
  tags: string,
  contentHash: string,
  createdAt: number,
  supersededBy: string | null,
  validTo: number | null,
];

export interface SqliteVectorsOptions {
  readonly exactThreshold: number;
  readonly indexDir: string | null;
  /** HNSW graphs on the process's worker thread; false: on this thread (see SqliteStoreOptions.annThread). */
  readonly annThread: boolean;
}

/** A model's vectors: the main column's, then the secondary ones of migration 0004 (never both for one memory). */
const MODEL_ROWS = `SELECT rowid, tenant_id, user_id, embedding FROM memories WHERE embedding_model = ?
  UNION ALL
  SELECT m.rowid, m.tenant_id, m.user_id, e.vector FROM memory_embeddings e JOIN memories m ON m.rowid = e.memory_rowid WHERE e.model = ?`;
/** Rows read per page when building a graph (the thread is waited on between pages). */
const BUILD_PAGE = 1_024;
const MODEL_COUNT = `SELECT (SELECT count(*) FROM memories WHERE embedding_model = ?) + (SELECT count(*) FROM memory_embeddings WHERE model = ?)`;

/**
 * Vector search over each model's vectors: the `memories.embedding` column, and the secondary
 * vectors a re-embed job writes to `memory_embeddings` (src/spec/reembed-store.ts). Small scopes are scored exactly;
 * above the threshold an HNSW graph per embedding model answers, filtered to the scope.
 * This process's writes are applied to a loaded graph as they commit; writes by other
 * processes are caught up from index_log before each ANN search. The table is the truth:
 * a graph is rebuilt from it when missing, unreadable, or further behind than the log reaches.
 *
 * The graphs run on the process's HNSW thread (ann-worker-client.ts), started when the first
 * graph is loaded or built: a store whose scopes all stay at or below the exact threshold never
 * starts it. Writers call `settle()` after their commit: it waits only while the thread is behind.
 */
export class SqliteVectors {
  private readonly anns = new Map<string, AnnIndex>();
  /** Graphs being loaded or built (an async step on the thread): concurrent searches share one. */
  private readonly loading = new Map<string, Promise<AnnIndex>>();
  /** Bumped by forget(): a load that began before it is discarded. */
  private generation = 0;
  private thread: AnnRunner | null = null;
  private readonly scopeCounts = new Map<string, number>();
  /** Small scopes' vectors for exact search (scope-vectors.ts): 16k vectors, about 8 MiB at 100 dims. */
  private readonly scopeVectors = new ScopeVectorCache(16_384);

  constructor(
    private readonly sql: StatementCache,
    private readonly log: IndexLog,
    private readonly options: SqliteVectorsOptions,
    private readonly check: FilterCheck,
  ) {}

  onInsert(rowid: number, memory: NewMemory): void {
    if (!memory.embedding || !memory.embeddingModel) return;
    const key = countKey(memory.embeddingModel, memory.tenantId, memory.userId);
    const count = this.scopeCounts.get(key);
    if (count !== undefined) this.scopeCounts.set(key, count + 1);
    this.anns.get(memory.embeddingModel)?.add(rowid, scopeKey(memory.tenantId, memory.userId), memory.embedding);
    this.scopeVectors.inserted(memory.embeddingModel, memory, memory.embedding);
  }

  /**
   * Another connection's commit wrote these rows (memories as the table holds them now, in
   * FOREIGN_ROW_COLUMNS' order). Returns the scopes whose cached vectors could not take them
   * (scope-vectors.ts placeForeign): the caller drops those.
   */
  placeForeign(rows: readonly ForeignRow[]): Array<{ tenantId: string; userId: string }> {
    const unplaced: Array<{ tenantId: string; userId: string }> = [];
    for (const values of rows) {
      const [, id, tenantId, userId, model, blob] = values;
      // Decoded only for a scope that is cached: most rows of another process's commit are not.
      const read = () => ({
        row: filterColumnsAt(tenantId, userId, values, 6),
        vector: blob === null || model === null ? null : blobToVector(blob),
      });
      if (!this.scopeVectors.placeForeign(id, tenantId, userId, model, read)) unplaced.push({ tenantId, userId });
    }
    return unplaced;
  }

  /** After a committed change to a memory's filter columns (tags, validity, kind...): exact search rereads its scope. */
  changed(tenantId: string, userId: string): void {
    this.scopeVectors.dropScope(tenantId, userId);
  }

  /**
   * The vectors of `model` the cached small scopes hold for these records (their main column:
   * a scope's entry has no secondary vectors), by id; records of scopes not cached are left out.
   */
  cachedVectors(records: readonly MemoryRecord[], model: string): Map<string, Float32Array> {
    const hits: Array<{ id: string; entry: ScopeVectors; at: number }> = [];
    for (const record of records) {
      if (record.embeddingModel !== model) continue;
      const entry = this.scopeVectors.peek(model, record.tenantId, record.userId);
      const at = entry ? entry.positionOf(record.id) : -1;
      if (entry && at >= 0) hits.push({ id: record.id, entry, at });
    }
    const found = new Map<string, Float32Array>();
    if (hits.length === 0) return found;
    // Copies in one buffer (the caller may write to them): a typed array each cost more than the copy.
    const dims = (hits[0] as (typeof hits)[number]).entry.dims;
    const out = new Float32Array(hits.length * dims);
    for (const [i, { id, entry, at }] of hits.entries()) {
      if (entry.dims !== dims) continue;
      out.set(entry.vectors.subarray(at * dims, (at + 1) * dims), i * dims);
      found.set(id, out.subarray(i * dims, (i + 1) * dims));
    }
    return found;
  }

  /** After changes this process cannot place (another process's commit, a sibling module's write). */
  dropCached(): void {
    this.scopeVectors.clear();
  }

  onUpdate(rowid: number, memory: MemoryRecord, embedding: Float32Array): void {
    this.scopeVectors.dropScope(memory.tenantId, memory.userId);
    for (const ann of this.anns.values()) {
      if (ann.model !== memory.embeddingModel && ann.has(rowid)) {
        ann.remove(rowid);
        this.scopeCounts.clear();
      }
    }
    if (memory.embeddingModel) this.anns.get(memory.embeddingModel)?.add(rowid, scopeKey(memory.tenantId, memory.userId), embedding);
  }

  onDelete(rowid: number, tenantId: string, userId: string, model: string | null): void {
    this.scopeVectors.dropScope(tenantId, userId);
    if (model !== null) {
      const key = countKey(model, tenantId, userId);
      const count = this.scopeCounts.get(key);
      if (count !== undefined) this.scopeCounts.set(key, Math.max(0, count - 1));
    }
    // Its secondary vectors (other models) went with it.
    for (const ann of this.anns.values()) if (ann.has(rowid)) ann.remove(rowid);
  }

  /** After commit: secondary vectors of `model` written (a re-embed job). */
  onSecondary(model: string, rows: ReadonlyArray<{ rowid: number; tenantId: string; userId: string; vector: Float32Array }>): void {
    const ann = this.anns.get(model);
    if (ann) for (const row of rows) ann.add(row.rowid, scopeKey(row.tenantId, row.userId), row.vector);
    if (rows.length > 0) {
      this.scopeCounts.clear();
      this.scopeVectors.clear();
    }
  }

  /** After commit: every vector of `model` in the given rows is gone, or the model's graph is stale. */
  forget(model: string): void {
    this.drop(model);
    this.generation++;
    this.scopeCounts.clear();
    this.scopeVectors.clear();
  }

  /** After a write transaction of this process: graphs that were current stay current. */
  advance(span: LogSpan): void {
    for (const ann of this.anns.values()) if (ann.seq === span.before) ann.seq = span.after;
  }

  async search(filter: MemoryFilter, vector: Float32Array, model: string, k: number, forceExact: boolean): Promise<ScoredId[]> {
    if (k <= 0) return [];
    const useAnn = !forceExact && filter.userId !== undefined && this.scopeCount(model, filter) > this.options.exactThreshold;
    if (useAnn) {
      const hits = await this.annSearch(filter, vector, model, k);
      if (hits !== null) return hits;
    }
    return this.exactSearch(filter, vector, model, k);
  }

  private exactSearch(filter: MemoryFilter, vector: Float32Array, model: string, k: number): ScoredId[] {
    const now = Date.now();
    const { where, params } = memoryFilterSql(filter, now);
    // Secondary vectors: driven from the scope's memories (CROSS JOIN keeps that order), only when the model has any.
    const secondary = this.sql.raw('SELECT 1 FROM memory_embeddings WHERE model = ? LIMIT 1').get(model) !== undefined;
    const cached = secondary ? undefined : this.smallScope(filter, model, vector.length);
    if (cached) {
      const top = new TopK(k);
      const dims = cached.dims;
      for (let i = 0; i < cached.size; i++) {
        if (!matchesFilter(cached.rows[i] as FilterColumns, filter, now)) continue;
        top.push(cached.ids[i] as string, dotAt(vector, cached.vectors, i * dims));
      }
      return top.sorted();
    }
    const rows = (
      secondary
        ? this.sql
            .raw(
              `SELECT m.id, m.embedding FROM memories m WHERE ${where} AND m.embedding_model = ?
               UNION ALL
               SELECT m.id, e.vector FROM memories m CROSS JOIN memory_embeddings e ON e.model = ? AND e.memory_rowid = m.rowid WHERE ${where}`,
            )
            .iterate(...params, model, model, ...params)
        : this.sql
            .raw(`SELECT m.id AS id, m.embedding AS embedding FROM memories m WHERE ${where} AND m.embedding_model = ?`)
            .iterate(...params, model)
    ) as IterableIterator<[string, Buffer]>;
    const top = new TopK(k);
    const dims = vector.length;
    for (const [id, blob] of rows) {
      const other = blob.byteOffset % 4 === 0 ? new Float32Array(blob.buffer, blob.byteOffset, dims) : blobToVector(blob);
      top.push(id, dot(vector, other));
    }
    return top.sorted();
  }

  /**
   * A user scope at most the exact threshold, from the cache or read whole (every memory of the
   * scope with a vector of `model`, whatever else the filter asks: the filter runs in process).
   */
  private smallScope(filter: MemoryFilter, model: string, dims: number): ScopeVectors | undefined {
    const { tenantId, userId } = filter;
    if (userId === undefined) return undefined;
    const hit = this.scopeVectors.get(model, tenantId, userId);
    if (hit) return hit.dims === dims ? hit : undefined;
    if (this.scopeCount(model, filter) > this.options.exactThreshold) return undefined;
    const rows = this.sql
      .raw(`SELECT id, embedding, ${FILTER_COLUMNS} FROM memories m WHERE tenant_id = ? AND user_id = ? AND embedding_model = ?`)
      .all(tenantId, userId, model) as Array<
      [string, Buffer, string, string, string | null, string, string, string, number, string | null, number | null]
    >;
    const entry = new ScopeVectors(dims);
    for (const values of rows) {
      const [id, blob] = values;
      if (blob.length !== dims * 4) return undefined;
      entry.push(id, filterColumnsAt(tenantId, userId, values, 2), blobToVector(blob));
    }
    this.scopeVectors.set(model, tenantId, userId, entry);
    return entry;
  }

  /**
   * The graph's nearest neighbours in the scope, checked against the full filter; fetches more
   * while the filter drops too many. Returns null when the filter keeps so few of them that
   * exact search is the better answer (a narrow session, tag or time filter), and when the
   * HNSW thread failed (the graph is dropped, and rebuilt on the next search).
   */
  private async annSearch(filter: MemoryFilter, vector: Float32Array, model: string, k: number): Promise<ScoredId[] | null> {
    const ann = await this.ensureAnn(model, vector.length);
    const scope = scopeKey(filter.tenantId, filter.userId);
    const now = Date.now();
    for (let fetch = k; ; fetch *= 4) {
      let hits: Awaited<ReturnType<AnnIndex['search']>>;
      try {
        hits = await ann.search(vector, fetch, scope);
      } catch {
        if (this.anns.get(model) === ann) this.drop(model);
        return null;
      }
      if (hits.length === 0) return [];
      const similarity = new Map(hits.map((hit) => [hit.label, hit.similarity]));
      const rows = this.check([...similarity.keys()], filter, now, k);
      if (rows.length >= k || hits.length < fetch) {
        return rows
          .map(([rowid, id]) => ({ id, score: similarity.get(rowid) ?? 0 }))
          .sort((a, b) => b.score - a.score)
          .slice(0, k);
      }
      if (fetch * 4 > k * 64) return null;
    }
  }

  /** The model's graph, loaded or built on first use and caught up with the log. */
  private async ensureAnn(model: string, dims: number): Promise<AnnIndex> {
    const loaded = this.anns.get(model);
    if (loaded && !loaded.broken && this.catchUp(loaded)) return loaded;
    // Broken (the thread failed) or too far behind the log: built again from the table.
    const fromDisk = loaded === undefined;
    if (loaded) this.drop(model);
    let pending = this.loading.get(model);
    if (!pending) {
      pending = this.openAnn(model, dims, fromDisk).finally(() => this.loading.delete(model));
      this.loading.set(model, pending);
    }
    return pending;
  }

  /**
   * Loads the persisted graph, or builds one, then catches it up from the log: this process's
   * writes while the thread was reading or building are there too.
   */
  private async openAnn(model: string, dims: number, fromDisk: boolean): Promise<AnnIndex> {
    for (;;) {
      const generation = this.generation;
      const thread = this.acquireThread();
      let ann = fromDisk ? await this.loadAnn(thread, model, dims) : null;
      if (ann === null) {
        ann = await this.build(thread, model, dims);
        this.catchUp(ann);
      }
      if (generation === this.generation && !ann.broken && ann.seq === this.log.head()) {
        this.drop(model);
        this.anns.set(model, ann);
        this.scopeCounts.clear();
        return ann;
      }
      // forget() ran meanwhile (that graph may hold what is gone), the thread failed, or the log was pruned past it.
      ann.dispose();
      fromDisk = false;
    }
  }

  /** The persisted graph caught up with the log, or null when missing, unreadable or stale. */
  private async loadAnn(thread: AnnRunner, model: string, dims: number): Promise<AnnIndex | null> {
    const { indexDir } = this.options;
    if (!indexDir) return null;
    // Streamed, not read into an array: at 100k+ rows the array and its strings were a peak of tens of MiB at load.
    // load() reads it in one go after the thread has read the graph (no await while the statement is open).
    const statement = this.sql.raw(`SELECT rowid, tenant_id, user_id FROM (${MODEL_ROWS})`);
    const scopes = function* (): Generator<{ label: number; scopeKey: string }> {
      const rows = statement.iterate(model, model) as IterableIterator<[number, string, string]>;
      for (const [label, tenant, user] of rows) yield { label, scopeKey: scopeKey(tenant, user) };
    };
    const ann = await AnnIndex.load(thread, indexDir, model, dims, scopes);
    if (ann === null) return null;
    const count = () => (this.sql.raw(MODEL_COUNT).get(model, model) as [number])[0];
    if (this.catchUp(ann) && ann.size === count() && ann.orphanCount === 0) return ann;
    ann.dispose();
    return null;
  }

  private acquireThread(): AnnRunner {
    if (this.thread && !this.thread.alive) {
      this.thread.release();
      this.thread = null;
    }
    this.thread ??= this.options.annThread ? AnnWorkerClient.acquire() : new InlineAnnGraphs();
    return this.thread;
  }

  /** Forgets the model's graph and frees it on the thread. */
  private drop(model: string): void {
    this.anns.get(model)?.dispose();
    this.anns.delete(model);
  }

  /**
   * Applies the vector changes other processes logged since the graph's seq. False when the
   * log no longer reaches back that far, or the graph is mostly deleted slots: rebuild it.
   */
  private catchUp(ann: AnnIndex): boolean {
    const head = this.log.head();
    if (ann.seq === head) return true;
    const changed = this.log.changedSince(ann.seq, LoggedIndex.vectors);
    if (changed === null || ann.deletedCount > Math.max(4096, ann.size)) return false;
    if (changed.length > 0) {
      const rows = this.sql
        .raw(
          `SELECT m.rowid, m.tenant_id, m.user_id,
                  CASE WHEN m.embedding_model = ? THEN m.embedding
                       ELSE (SELECT e.vector FROM memory_embeddings e WHERE e.model = ? AND e.memory_rowid = m.rowid) END
             FROM memories m WHERE m.rowid IN (SELECT value FROM json_each(?))`,
        )
        .all(ann.model, ann.model, JSON.stringify(changed)) as Array<[number, string, string, Buffer | null]>;
      const byRowid = new Map(rows.map((row) => [row[0], row]));
      for (const rowid of changed) {
        const row = byRowid.get(rowid);
        if (row && row[3] !== null) ann.add(rowid, scopeKey(row[1], row[2]), blobToVector(row[3]));
        else ann.remove(rowid);
      }
      this.scopeCounts.clear();
    }
    ann.seq = head;
    return true;
  }

  /**
   * A graph of every vector of the model, in the order of MODEL_ROWS (rowid within each part),
   * read a page at a time: the thread is waited on between pages, with no statement open.
   */
  private async build(thread: AnnRunner, model: string, dims: number): Promise<AnnIndex> {
    const seq = this.log.head();
    const expected = (this.sql.raw(MODEL_COUNT).get(model, model) as [number])[0];
    const primary = this.sql.raw(
      'SELECT rowid, tenant_id, user_id, embedding FROM memories WHERE embedding_model = ? AND rowid > ? ORDER BY rowid LIMIT ?',
    );
    const secondary = this.sql.raw(
      `SELECT m.rowid, m.tenant_id, m.user_id, e.vector FROM memory_embeddings e JOIN memories m ON m.rowid = e.memory_rowid
        WHERE e.model = ? AND e.memory_rowid > ? ORDER BY e.memory_rowid LIMIT ?`,
    );
    const pages = function* (): Generator<AnnRow[]> {
      for (const statement of [primary, secondary]) {
        for (let after = 0; ; ) {
          const rows = statement.all(model, after, BUILD_PAGE) as Array<[number, string, string, Buffer]>;
          yield rows.map(([label, tenant, user, blob]) => ({ label, scopeKey: scopeKey(tenant, user), vector: blobToVector(blob) }));
          if (rows.length < BUILD_PAGE) break;
          after = (rows.at(-1) as [number, string, string, Buffer])[0];
        }
      }
    };
    return AnnIndex.build(thread, model, dims, pages(), expected, seq);
  }

  /**
   * Loads (or builds) the graph of the model most recently written, when some scope is above
   * the threshold (counted on the scope index, without reading rows). Graphs of older models
   * load on their first search.
   */
  async warm(activeModel: string | null = null): Promise<void> {
    const largest = (
      this.sql.raw('SELECT max(n) FROM (SELECT count(*) AS n FROM memories GROUP BY tenant_id, user_id)').get() as [number | null]
    )[0];
    if (largest === null || largest <= this.options.exactThreshold) return;
    const latest = (
      activeModel === null
        ? this.sql
            .raw(
              'SELECT embedding_model, length(embedding) / 4 FROM memories WHERE embedding_model IS NOT NULL ORDER BY rowid DESC LIMIT 1',
            )
            .get()
        : this.sql.raw(`SELECT ?, length(embedding) / 4 FROM (${MODEL_ROWS}) LIMIT 1`).get(activeModel, activeModel, activeModel)
    ) as [string, number] | undefined;
    if (latest) await this.ensureAnn(latest[0], latest[1]);
  }

  /** Rebuilds every model's graph from the table (and persists it). */
  async rebuildAll(): Promise<Array<{ model: string; vectors: number }>> {
    for (const model of [...this.anns.keys()]) this.drop(model);
    this.generation++;
    this.scopeCounts.clear();
    const models = this.sql
      .get(
        `SELECT model, max(dims) AS dims FROM (
           SELECT embedding_model AS model, length(embedding) / 4 AS dims FROM memories WHERE embedding_model IS NOT NULL GROUP BY embedding_model
           UNION ALL
           SELECT model, length(vector) / 4 AS dims FROM memory_embeddings GROUP BY model)
         GROUP BY model`,
      )
      .all() as Array<{ model: string; dims: number }>;
    const report: Array<{ model: string; vectors: number }> = [];
    for (const { model, dims } of models) report.push({ model, vectors: (await this.openAnn(model, dims, false)).size });
    await this.persist();
    return report;
  }

  /** Writes loaded graphs that changed since they were read, labelled with the seq they reflect. */
  async persist(): Promise<void> {
    if (!this.options.indexDir) return;
    for (const ann of this.anns.values()) {
      if (!ann.dirty || ann.broken) continue;
      try {
        await ann.save(this.options.indexDir);
      } catch (error) {
        // The thread died meanwhile: nothing to save (the next open catches up or rebuilds from the table).
        if (!ann.broken) throw error;
      }
    }
  }

  /** Backpressure for writers, after their commit: waits only while the HNSW thread is behind. */
  settle(): Promise<void> {
    return this.thread?.settle() ?? Promise.resolve();
  }

  /** Persists the graphs, frees them and lets the HNSW thread go (store close). */
  async close(): Promise<void> {
    // A graph still loading would use the connection after it closes.
    await Promise.allSettled(this.loading.values());
    try {
      await this.persist();
    } finally {
      for (const model of [...this.anns.keys()]) this.drop(model);
      this.thread?.release();
      this.thread = null;
    }
  }

  /**
   * Vectors in the filter's scope, to choose exact or ANN search: the loaded graph's own count,
   * else the scope's memories counted on the scope index (an upper bound: it includes memories
   * of other models), cached and kept up to date by this process's writes.
   */
  private scopeCount(model: string, filter: MemoryFilter): number {
    const ann = this.anns.get(model);
    if (ann) return ann.scopeSize(scopeKey(filter.tenantId, filter.userId));
    const key = countKey(model, filter.tenantId, filter.userId ?? '');
    let count = this.scopeCounts.get(key);
    if (count === undefined) {
      count = (
        this.sql.raw('SELECT count(*) FROM memories WHERE tenant_id = ? AND user_id = ?').get(filter.tenantId, filter.userId) as [number]
      )[0];
      this.scopeCounts.set(key, count);
    }
    return count;
  }
}

/** A scope's filter columns from a raw row holding agent_id ... valid_to (FILTER_COLUMNS) from `at`. */
function filterColumnsAt(tenantId: string, userId: string, values: readonly unknown[], at: number): FilterColumns {
  return {
    tenantId,
    userId,
    agentId: values[at] as string,
    namespace: values[at + 1] as string,
    sessionId: values[at + 2] as string | null,
    kind: values[at + 3] as FilterColumns['kind'],
    tags: JSON.parse(values[at + 4] as string) as string[],
    contentHash: values[at + 5] as string,
    createdAt: values[at + 6] as number,
    supersededBy: values[at + 7] as string | null,
    validTo: values[at + 8] as number | null,
  };
}

function countKey(model: string, tenantId: string, userId: string): string {
  return `${model}\u0001${tenantId}\u0000${userId}`;
}

/**
 * Keeps the k best (id, score) pairs seen: a min-heap of the k, so that a better pair replaces
 * the worst in O(log k). (A scan for the worst on every replacement, with an array of the
 * scores to take their minimum, was a sixth of a small user's search at k = 100.)
 */
export class TopK {
  private readonly ids: string[] = [];
  private readonly scores: number[] = [];
  constructor(private readonly k: number) {}

  push(id: string, score: number): void {
    const { ids, scores } = this;
    if (ids.length < this.k) {
      // Sift up from the end.
      let i = ids.length;
      ids.push(id);
      scores.push(score);
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if ((scores[parent] as number) <= score) break;
        ids[i] = ids[parent] as string;
        scores[i] = scores[parent] as number;
        i = parent;
      }
      ids[i] = id;
      scores[i] = score;
      return;
    }
    if (this.k === 0 || score <= (scores[0] as number)) return;
    // Replace the root (the worst kept) and sift down.
    const n = ids.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (scores[right] as number) < (scores[left] as number) ? right : left;
      if ((scores[child] as number) >= score) break;
      ids[i] = ids[child] as string;
      scores[i] = scores[child] as number;
      i = child;
    }
    ids[i] = id;
    scores[i] = score;
  }

  /** The pairs kept, best first. */
  sorted(): ScoredId[] {
    return this.ids.map((id, i): ScoredId => ({ id, score: this.scores[i] as number })).sort((a, b) => b.score - a.score);
  }
}
