import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';

export interface AnnRow {
  readonly label: number;
  readonly scopeKey: string;
  readonly vector: Float32Array;
}

export interface AnnHit {
  readonly label: number;
  /** Cosine similarity. */
  readonly similarity: number;
}

export interface AnnOptions {
  readonly m: number;
  readonly efConstruction: number;
  readonly efSearch: number;
}

// Measured on the bench corpus at 100k vectors (100 dims, bench/run.ts): efConstruction 64
// builds at ~70 µs a point (100: ~92 µs). With turn chunks in the corpus (longer texts, a third
// more memories) efSearch 256 fell to recall@10 0.943; 400 gives 0.960 (vector part p95 < 1 ms).
const DEFAULTS: AnnOptions = { m: 16, efConstruction: 64, efSearch: 400 };
/** Scope number of a label the graph holds but the table no longer has (removed by catch-up). */
const ORPHAN = -1;

/**
 * One HNSW graph (cosine) for the vectors of one embedding model, across scopes. A scope
 * filter runs inside the graph walk, and is skipped when the graph holds one scope only.
 * The graph is derived data: it is persisted beside the database with the index_log seq it
 * reflects, and caught up from the log (or rebuilt) when it is behind.
 *
 * Labels are memory rowids. A removed label stays in the graph marked deleted (hnswlib keeps
 * it for the walk); adding it back unmarks it and updates its vector in place, and adding a
 * live label updates it in place, so a label never occupies two slots.
 */
export class AnnIndex {
  private readonly index: hnswlib.HierarchicalNSW;
  /** Live labels and their scope numbers. */
  private readonly scopeOf = new Map<number, number>();
  /** Labels present in the graph but marked deleted. */
  private readonly deleted = new Set<number>();
  private readonly scopeIds = new Map<string, number>();
  private readonly scopeSizes: number[] = [];
  private orphans = 0;
  private readonly options: AnnOptions;
  private capacity: number;
  /** The index_log seq this graph reflects. */
  seq = 0;
  dirty = false;

  private constructor(
    readonly model: string,
    readonly dims: number,
    options: Partial<AnnOptions>,
    capacity: number,
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.capacity = Math.max(1024, capacity);
    this.index = new hnswlib.HierarchicalNSW('cosine', dims);
  }

  static build(
    model: string,
    dims: number,
    rows: Iterable<AnnRow>,
    expected: number,
    seq: number,
    options: Partial<AnnOptions> = {},
  ): AnnIndex {
    const ann = new AnnIndex(model, dims, options, Math.ceil(expected * 1.25));
    ann.index.initIndex({
      maxElements: ann.capacity,
      m: ann.options.m,
      efConstruction: ann.options.efConstruction,
      randomSeed: 42,
      allowReplaceDeleted: false,
    });
    ann.index.setEf(ann.options.efSearch);
    for (const row of rows) ann.add(row.label, row.scopeKey, row.vector);
    ann.seq = seq;
    ann.dirty = true;
    return ann;
  }

  /**
   * Loads a persisted graph with the scopes of the labels the table holds now; returns it
   * with the seq it was saved at (the caller catches it up), or null when missing or unreadable.
   */
  static load(
    dir: string,
    model: string,
    dims: number,
    scopes: Iterable<{ label: number; scopeKey: string }>,
    options: Partial<AnnOptions> = {},
  ): AnnIndex | null {
    const { graph, meta } = paths(dir, model);
    if (!existsSync(graph) || !existsSync(meta)) return null;
    try {
      const info = JSON.parse(readFileSync(meta, 'utf8')) as { seq?: unknown; dims?: unknown; deleted?: unknown };
      if (typeof info.seq !== 'number' || info.dims !== dims || !Array.isArray(info.deleted)) return null;
      const ann = new AnnIndex(model, dims, options, 1024);
      ann.index.readIndexSync(graph, false);
      ann.capacity = ann.index.getMaxElements();
      ann.index.setEf(ann.options.efSearch);
      for (const label of info.deleted as number[]) ann.deleted.add(label);
      // Labels of the graph the table holds get their scope; the rest are orphans.
      const inGraph = new Set(ann.index.getIdsList());
      for (const label of ann.deleted) inGraph.delete(label);
      for (const { label, scopeKey } of scopes) if (inGraph.delete(label)) ann.setScope(label, ann.scopeId(scopeKey));
      for (const label of inGraph) ann.setScope(label, ORPHAN);
      if (ann.index.getCurrentCount() !== ann.scopeOf.size + ann.deleted.size) return null;
      ann.seq = info.seq;
      return ann;
    } catch {
      return null;
    }
  }

  /** Live vectors. */
  get size(): number {
    return this.scopeOf.size;
  }

  /** Live vectors of one scope. */
  scopeSize(scopeKey: string): number {
    const scope = this.scopeIds.get(scopeKey);
    return scope === undefined ? 0 : (this.scopeSizes[scope] ?? 0);
  }

  /** Marked-deleted slots still in the graph. */
  get deletedCount(): number {
    return this.deleted.size;
  }

  /** Live labels the table did not have at load; catching up from the log removes them. */
  get orphanCount(): number {
    return this.orphans;
  }

  has(label: number): boolean {
    return this.scopeOf.has(label);
  }

  add(label: number, scopeKey: string, vector: Float32Array): void {
    const point = Array.from(vector);
    const scope = this.scopeId(scopeKey);
    if (this.deleted.delete(label)) this.index.unmarkDelete(label);
    else if (!this.scopeOf.has(label) && this.index.getCurrentCount() >= this.capacity) {
      // Steps of a quarter: a graph keeps at most a fifth of its memory unused.
      this.capacity = Math.ceil(this.capacity * 1.25);
      this.index.resizeIndex(this.capacity);
    }
    // An existing label is updated in place; a new one is inserted.
    this.index.addPoint(point, label, false);
    this.setScope(label, scope);
    this.dirty = true;
  }

  remove(label: number): void {
    if (!this.scopeOf.has(label)) return;
    this.setScope(label, null);
    this.index.markDelete(label);
    this.deleted.add(label);
    this.dirty = true;
  }

  search(vector: Float32Array, k: number, scopeKey: string): AnnHit[] {
    const scope = this.scopeIds.get(scopeKey);
    if (scope === undefined) return [];
    const inScope = this.scopeSizes[scope] ?? 0;
    if (inScope === 0) return [];
    // One scope in the graph: no filter callback (it costs a call into JS per visited node).
    const filter = inScope === this.scopeOf.size ? undefined : (label: number): boolean => this.scopeOf.get(label) === scope;
    const result = this.index.searchKnn(Array.from(vector), Math.min(k, inScope), filter);
    return result.neighbors.map((label, i) => ({ label, similarity: 1 - (result.distances[i] ?? 1) }));
  }

  save(dir: string): void {
    // Unused capacity (the last growth step) would be allocated again by every open.
    const used = this.index.getCurrentCount();
    if (this.capacity > Math.max(1024, used * 1.1)) {
      this.capacity = Math.max(1024, Math.ceil(used * 1.05));
      this.index.resizeIndex(this.capacity);
    }
    mkdirSync(dir, { recursive: true });
    const { graph, meta } = paths(dir, this.model);
    // Temp names per process: several server processes (serve --workers) may persist at once.
    const tmp = `.${process.pid}.tmp`;
    this.index.writeIndexSync(`${graph}${tmp}`);
    renameSync(`${graph}${tmp}`, graph);
    const info = { model: this.model, dims: this.dims, seq: this.seq, deleted: [...this.deleted] };
    writeFileSync(`${meta}${tmp}`, JSON.stringify(info));
    renameSync(`${meta}${tmp}`, meta);
    this.dirty = false;
  }

  private scopeId(scopeKey: string): number {
    let id = this.scopeIds.get(scopeKey);
    if (id === undefined) {
      id = this.scopeSizes.length;
      this.scopeIds.set(scopeKey, id);
      this.scopeSizes.push(0);
    }
    return id;
  }

  /** Moves a label to a scope (null: no longer live), keeping the per-scope counts. */
  private setScope(label: number, scope: number | null): void {
    const before = this.scopeOf.get(label);
    if (before !== undefined) {
      if (before === ORPHAN) this.orphans--;
      else this.scopeSizes[before] = (this.scopeSizes[before] ?? 0) - 1;
    }
    if (scope === null) {
      this.scopeOf.delete(label);
      return;
    }
    this.scopeOf.set(label, scope);
    if (scope === ORPHAN) this.orphans++;
    else this.scopeSizes[scope] = (this.scopeSizes[scope] ?? 0) + 1;
  }
}

function paths(dir: string, model: string): { graph: string; meta: string } {
  const safe = model.replace(/[^A-Za-z0-9._-]+/g, '_');
  return { graph: join(dir, `${safe}.hnsw`), meta: join(dir, `${safe}.json`) };
}
