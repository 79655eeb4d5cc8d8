import type Database from 'better-sqlite3';
import type { MemoryFilter, NewMemory, ScoredId } from '../../spec/memory-store.js';
import type { MemoryRecord } from '../../spec/records.js';
import { AnnIndex } from './ann-index.js';
import { isScopeOnly, memoryFilterSql, scopeKey } from './memory-filter-sql.js';
import { blobToVector } from './rows.js';

export interface SqliteVectorsOptions {
  readonly exactThreshold: number;
  readonly indexDir: string | null;
}

/**
 * Vector search over the `memories.embedding` column. Small scopes are scored exactly;
 * above the threshold an HNSW graph per embedding model answers, filtered to the scope,
 * and is kept in step with every insert and delete. The table is the truth: the graph is
 * rebuilt from it when missing or stale.
 */
export class SqliteVectors {
  private readonly anns = new Map<string, AnnIndex>();
  private readonly scopeCounts = new Map<string, number>();

  constructor(
    private readonly db: Database.Database,
    private readonly options: SqliteVectorsOptions,
  ) {}

  onInsert(rowid: number, memory: NewMemory): void {
    if (!memory.embedding || !memory.embeddingModel) return;
    const key = countKey(memory.embeddingModel, memory.tenantId, memory.userId);
    const count = this.scopeCounts.get(key);
    if (count !== undefined) this.scopeCounts.set(key, count + 1);
    this.anns.get(memory.embeddingModel)?.add(rowid, scopeKey(memory.tenantId, memory.userId), memory.embedding);
  }

  onUpdate(rowid: number, memory: MemoryRecord, embedding: Float32Array): void {
    for (const ann of this.anns.values()) ann.remove(rowid);
    this.scopeCounts.clear();
    if (memory.embeddingModel) this.anns.get(memory.embeddingModel)?.add(rowid, scopeKey(memory.tenantId, memory.userId), embedding);
  }

  onDelete(rowid: number, tenantId: string, userId: string, model: string | null): void {
    if (model === null) return;
    const key = countKey(model, tenantId, userId);
    const count = this.scopeCounts.get(key);
    if (count !== undefined) this.scopeCounts.set(key, Math.max(0, count - 1));
    this.anns.get(model)?.remove(rowid);
  }

  search(filter: MemoryFilter, vector: Float32Array, model: string, k: number, forceExact: boolean): ScoredId[] {
    if (k <= 0) return [];
    const useAnn = !forceExact && filter.userId !== undefined && this.scopeCount(model, filter) > this.options.exactThreshold;
    if (useAnn) {
      const hits = this.annSearch(filter, vector, model, k);
      if (hits !== null) return hits;
    }
    return this.exactSearch(filter, vector, model, k);
  }

  private exactSearch(filter: MemoryFilter, vector: Float32Array, model: string, k: number): ScoredId[] {
    const { where, params } = memoryFilterSql(filter, Date.now());
    const rows = this.db
      .prepare(`SELECT m.id AS id, m.embedding AS embedding FROM memories m WHERE ${where} AND m.embedding_model = ?`)
      .raw()
      .iterate(...params, model) as IterableIterator<[string, Buffer]>;
    const top = new TopK(k);
    const dims = vector.length;
    for (const [id, blob] of rows) {
      const other = blob.byteOffset % 4 === 0 ? new Float32Array(blob.buffer, blob.byteOffset, dims) : blobToVector(blob);
      top.push(id, dot(vector, other));
    }
    return top.sorted();
  }

  /** Returns null when the ANN answer cannot be trusted to fill k (narrow filters): the caller goes exact. */
  private annSearch(filter: MemoryFilter, vector: Float32Array, model: string, k: number): ScoredId[] | null {
    const ann = this.ensureAnn(model, vector.length);
    const narrow = !isScopeOnly(filter) || filter.agentId !== undefined || filter.namespace !== undefined;
    const fetch = narrow ? k * 8 : k;
    const hits = ann.search(vector, fetch, scopeKey(filter.tenantId, filter.userId));
    if (hits.length === 0) return [];
    const similarity = new Map(hits.map((hit) => [hit.label, hit.similarity]));
    const { where, params } = memoryFilterSql(filter, Date.now());
    const rows = this.db
      .prepare(`SELECT m.rowid AS rowid, m.id AS id FROM memories m WHERE ${where} AND m.rowid IN (SELECT value FROM json_each(?))`)
      .all(...params, JSON.stringify([...similarity.keys()])) as Array<{ rowid: number; id: string }>;
    if (narrow && rows.length < k) return null;
    return rows
      .map((row) => ({ id: row.id, score: similarity.get(row.rowid) ?? 0 }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  private ensureAnn(model: string, dims: number): AnnIndex {
    const loaded = this.anns.get(model);
    if (loaded) return loaded;
    const version = this.version();
    const scopes = () =>
      (
        this.db.prepare('SELECT rowid, tenant_id, user_id FROM memories WHERE embedding_model = ?').raw().all(model) as Array<
          [number, string, string]
        >
      ).map(([label, tenant, user]) => ({ label, scopeKey: scopeKey(tenant, user) }));
    let ann = this.options.indexDir ? AnnIndex.load(this.options.indexDir, model, dims, version, scopes()) : null;
    if (!ann) ann = this.buildAnn(model, dims);
    this.anns.set(model, ann);
    return ann;
  }

  private buildAnn(model: string, dims: number): AnnIndex {
    const expected = (this.db.prepare('SELECT count(*) AS n FROM memories WHERE embedding_model = ?').get(model) as { n: number }).n;
    const rows = this.db
      .prepare('SELECT rowid, tenant_id, user_id, embedding FROM memories WHERE embedding_model = ?')
      .raw()
      .iterate(model) as IterableIterator<[number, string, string, Buffer]>;
    const items = (function* () {
      for (const [label, tenant, user, blob] of rows) {
        yield { label, scopeKey: scopeKey(tenant, user), vector: blobToVector(blob) };
      }
    })();
    return AnnIndex.build(model, dims, items, expected);
  }

  /** Rebuilds every model's graph from the table (and persists it). */
  rebuildAll(): Array<{ model: string; vectors: number }> {
    this.anns.clear();
    this.scopeCounts.clear();
    const models = this.db
      .prepare(
        'SELECT embedding_model AS model, length(embedding) / 4 AS dims FROM memories WHERE embedding_model IS NOT NULL GROUP BY embedding_model',
      )
      .all() as Array<{ model: string; dims: number }>;
    const report = models.map(({ model, dims }) => {
      const ann = this.buildAnn(model, dims);
      this.anns.set(model, ann);
      return { model, vectors: ann.size };
    });
    this.persist();
    return report;
  }

  /** Writes loaded graphs that changed since they were read. */
  persist(): void {
    if (!this.options.indexDir) return;
    const version = this.version();
    for (const ann of this.anns.values()) if (ann.dirty) ann.save(this.options.indexDir, version);
  }

  private version(): number {
    return (this.db.prepare(`SELECT version FROM index_state WHERE name = 'vectors'`).get() as { version: number }).version;
  }

  private scopeCount(model: string, filter: MemoryFilter): number {
    const key = countKey(model, filter.tenantId, filter.userId ?? '');
    let count = this.scopeCounts.get(key);
    if (count === undefined) {
      count = (
        this.db
          .prepare('SELECT count(*) AS n FROM memories WHERE tenant_id = ? AND user_id = ? AND embedding_model = ?')
          .get(filter.tenantId, filter.userId, model) as { n: number }
      ).n;
      this.scopeCounts.set(key, count);
    }
    return count;
  }
}

function countKey(model: string, tenantId: string, userId: string): string {
  return `${model}\u0001${tenantId}\u0000${userId}`;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** Keeps the k best (id, score) pairs seen. */
class TopK {
  private readonly items: ScoredId[] = [];
  private min = Number.NEGATIVE_INFINITY;
  constructor(private readonly k: number) {}
  push(id: string, score: number): void {
    if (this.items.length < this.k) {
      this.items.push({ id, score });
      if (this.items.length === this.k) this.min = Math.min(...this.items.map((item) => item.score));
      return;
    }
    if (score <= this.min) return;
    let at = 0;
    for (let i = 1; i < this.items.length; i++) if ((this.items[i] as ScoredId).score < (this.items[at] as ScoredId).score) at = i;
    this.items[at] = { id, score };
    this.min = Math.min(...this.items.map((item) => item.score));
  }
  sorted(): ScoredId[] {
    return [...this.items].sort((a, b) => b.score - a.score);
  }
}
