import { LRUCache } from 'lru-cache';
import type { FilterColumns } from '../../spec/memory-filter-match.js';
import type { NewMemory } from '../../spec/memory-store.js';

/** One scope's vectors of one model: ids, filter columns, and the vectors packed end to end. */
export class ScopeVectors {
  readonly ids: string[] = [];
  readonly rows: FilterColumns[] = [];
  vectors: Float32Array;
  /** Position of each id, built on the first `vectorOf`. */
  private positions: Map<string, number> | null = null;

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
    this.positions?.set(id, this.ids.length);
    this.ids.push(id);
    this.rows.push(row);
  }

  /** The memory at `position` as it is now (its filter columns, its vector). */
  replace(position: number, row: FilterColumns, vector: Float32Array): void {
    this.rows[position] = row;
    this.vectors.set(vector.subarray(0, this.dims), position * this.dims);
  }

  /** The memory's position in `vectors` (in units of `dims`), -1 when the scope holds no vector for it. */
  positionOf(id: string): number {
    if (!this.positions) this.positions = new Map(this.ids.map((each, i) => [each, i]));
    return this.positions.get(id) ?? -1;
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
  // An entry's size is its vector count; lru-cache drops the least recently searched beyond the
  // budget, and an entry that alone exceeds it is not kept.
  private readonly entries: LRUCache<string, ScopeVectors>;
  /** The models any entry was ever cached for (one, but during a re-embedding). */
  private readonly models = new Set<string>();

  constructor(maxVectors: number) {
    this.entries = new LRUCache({ maxSize: maxVectors, sizeCalculation: (entry) => Math.max(1, entry.size) });
  }

  get(model: string, tenantId: string, userId: string): ScopeVectors | undefined {
    return this.entries.get(keyOf(model, tenantId, userId));
  }

  /** As `get`, without making the entry the most recently used. */
  peek(model: string, tenantId: string, userId: string): ScopeVectors | undefined {
    return this.entries.peek(keyOf(model, tenantId, userId));
  }

  /** Keeps a scope's entry just read from the table (unless it alone is over the budget). */
  set(model: string, tenantId: string, userId: string, entry: ScopeVectors): void {
    this.models.add(model);
    this.entries.set(keyOf(model, tenantId, userId), entry);
  }

  /** A committed new memory: appended to its scope's entry, if that scope is cached. */
  inserted(model: string, memory: NewMemory, vector: Float32Array): void {
    const key = keyOf(model, memory.tenantId, memory.userId);
    const entry = this.entries.peek(key);
    if (!entry) return;
    if (vector.length !== entry.dims) {
      this.dropScope(memory.tenantId, memory.userId);
      return;
    }
    this.append(key, entry, memory.id, filterColumns(memory), vector);
  }

  private append(key: string, entry: ScopeVectors, id: string, row: FilterColumns, vector: Float32Array): void {
    entry.push(id, row, vector);
    // Put back: lru-cache counts an entry's size when it is added, not when the same value is set again.
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  /**
   * A memory another connection wrote, as the table holds it now (`model` and `vector` null when
   * it has none). True when the cached entries account for it: its scope has none, or the
   * scope's entry of its model takes it (appended, or in place of what it held: every append
   * rewrites the previous turn's context, which changes nothing here). False when the caller
   * must drop the scope: it lost its vector, or the scope has an entry of another model.
   */
  placeForeign(
    id: string,
    tenantId: string,
    userId: string,
    model: string | null,
    read: () => { row: FilterColumns; vector: Float32Array | null },
  ): boolean {
    let own: ScopeVectors | undefined;
    for (const cached of this.models) {
      const entry = this.entries.peek(keyOf(cached, tenantId, userId));
      if (!entry) continue;
      if (cached !== model) return false;
      own = entry;
    }
    // An entry found is of `model` (any other returned above): without one, nothing to place.
    if (!own || model === null) return true;
    const position = own.positionOf(id);
    const { row, vector } = read();
    if (vector === null) return position < 0;
    if (vector.length !== own.dims) return false;
    if (position >= 0) own.replace(position, row, vector);
    else this.append(keyOf(model, tenantId, userId), own, id, row, vector);
    return true;
  }

  /** Any other change to a memory of the scope (update, delete): its entries (every model) go. */
  dropScope(tenantId: string, userId: string): void {
    const suffix = `\u0001${tenantId}\u0000${userId}`;
    for (const key of [...this.entries.keys()]) if (key.endsWith(suffix)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Only the columns a filter reads: a cached row must not hold the memory's text or vector. */
function filterColumns(memory: NewMemory): FilterColumns {
  const { tenantId, userId, agentId, namespace, sessionId, kind, tags, contentHash, createdAt, validTo } = memory;
  return { tenantId, userId, agentId, namespace, sessionId, kind, tags, contentHash, createdAt, supersededBy: null, validTo };
}

function keyOf(model: string, tenantId: string, userId: string): string {
  return `${model}\u0001${tenantId}\u0000${userId}`;
}
