import type { FilterColumns } from '../../spec/memory-filter-match.js';

/** One scope's vectors of one model: ids, filter columns, and the vectors packed end to end. */
export class ScopeVectors {
  readonly ids: string[] = [];
  readonly rows: FilterColumns[] = [];
  vectors: Float32Array;

  constructor(readonly dims: number) {
    this.vectors = new Float32Array(dims * 16);
  }

  get size(): number {
    return this.ids.length;
  }

  push(id: string, row: FilterColumns, vector: Float32Array): void {
    const at = this.ids.length * this.dims;
    if (at + this.dims > this.vectors.length) {
      const grown = new Float32Array(this.vectors.length * 2);
      grown.set(this.vectors);
      this.vectors = grown;
    }
    this.vectors.set(vector.subarray(0, this.dims), at);
    this.ids.push(id);
    this.rows.push(row);
  }
}

/**
 * The vectors of small scopes (at most the exact-search threshold), so that exact search
 * scores them in memory instead of reading every row of the scope from SQLite (about 5 µs a
 * row, most of a small user's search). Least recently searched scopes go first beyond
 * `maxVectors` in all. The owner keeps it exact: a committed insert is appended to its
 * scope's entry, any other change to a scope's memories drops the entry, and a change it
 * cannot place (another process's commit, a sibling module's write, a re-embedding) drops all.
 */
export class ScopeVectorCache {
  private readonly entries = new Map<string, ScopeVectors>();
  private total = 0;

  constructor(private readonly maxVectors: number) {}

  get(model: string, tenantId: string, userId: string): ScopeVectors | undefined {
    const key = keyOf(model, tenantId, userId);
    const entry = this.entries.get(key);
    if (entry) {
      // Map order is the LRU order: re-inserting marks it most recent.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Keeps a scope's entry just read from the table (unless it alone is over the budget). */
  set(model: string, tenantId: string, userId: string, entry: ScopeVectors): void {
    this.dropKey(keyOf(model, tenantId, userId));
    if (entry.size > this.maxVectors) return;
    this.entries.set(keyOf(model, tenantId, userId), entry);
    this.total += entry.size;
    for (const [key, old] of this.entries) {
      if (this.total <= this.maxVectors) break;
      this.entries.delete(key);
      this.total -= old.size;
    }
  }

  /** A committed new memory: appended to its scope's entry, if that scope is cached. */
  inserted(model: string, id: string, row: FilterColumns, vector: Float32Array): void {
    const entry = this.entries.get(keyOf(model, row.tenantId, row.userId));
    if (!entry) return;
    if (vector.length !== entry.dims) {
      this.dropScope(row.tenantId, row.userId);
      return;
    }
    entry.push(id, row, vector);
    this.total++;
  }

  /** Any other change to a memory of the scope (update, delete): its entries (every model) go. */
  dropScope(tenantId: string, userId: string): void {
    const suffix = `\u0001${tenantId}\u0000${userId}`;
    for (const key of [...this.entries.keys()]) if (key.endsWith(suffix)) this.dropKey(key);
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  private dropKey(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.size;
  }
}

function keyOf(model: string, tenantId: string, userId: string): string {
  return `${model}\u0001${tenantId}\u0000${userId}`;
}
