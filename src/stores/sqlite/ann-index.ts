import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnnRunner } from './ann-worker-client.js';
import { RowidMap } from './rowid-map.js';

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
 * The hnswlib graph itself lives on the HNSW thread (ann-worker.ts): this object keeps the
 * bookkeeping (labels, scopes, capacity, seq) on the caller's thread, decides every call, and
 * posts it. Inserts and removes return at once; a search is answered after every op posted
 * before it, so it sees this process's writes.
 *
 * Labels are memory rowids. A removed label stays in the graph marked deleted (hnswlib keeps
 * it for the walk); adding it back unmarks it and updates its vector in place, and adding a
 * live label updates it in place, so a label never occupies two slots.
 */
export class AnnIndex {
  /** Live labels and their scope numbers. */
  private readonly scopeOf = new RowidMap();
  /** Labels present in the graph but marked deleted. */
  private readonly deleted = new Set<number>();
  private readonly scopeIds = new Map<string, number>();
  private readonly scopeSizes: number[] = [];
  private orphans = 0;
  /** The thread keeps the labels' scopes (for search filters) once the graph has held a second scope. */
  private scopesTracked = false;
  private readonly options: AnnOptions;
  private readonly graph: number;
  private capacity: number;
  /** The index_log seq this graph reflects. */
  seq = 0;
  dirty = false;

  private constructor(
    readonly model: string,
    readonly dims: number,
    private readonly thread: AnnRunner,
    options: Partial<AnnOptions>,
    capacity: number,
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.capacity = Math.max(1024, capacity);
    this.graph = thread.newGraph();
  }

  /**
   * A graph of `pages` of rows, inserted in order. Waits for the thread between pages, so the
   * rows queued for it stay bounded (the caller reads each page when asked, holding no cursor open).
   */
  static async build(
    thread: AnnRunner,
    model: string,
    dims: number,
    pages: Iterable<readonly AnnRow[]>,
    expected: number,
    seq: number,
    options: Partial<AnnOptions> = {},
  ): Promise<AnnIndex> {
    const ann = new AnnIndex(model, dims, thread, options, Math.ceil(expected * 1.25));
    const { m, efConstruction, efSearch } = ann.options;
    thread.post({ op: 'init', graph: ann.graph, dims, capacity: ann.capacity, m, efConstruction, efSearch });
    for (const page of pages) {
      for (const row of page) ann.add(row.label, row.scopeKey, row.vector);
      await thread.settle();
    }
    ann.seq = seq;
    ann.dirty = true;
    return ann;
  }

  /**
   * Loads a persisted graph with the scopes of the labels the table holds now; returns it
   * with the seq it was saved at (the caller catches it up), or null when missing or unreadable.
   */
  static async load(
    thread: AnnRunner,
    dir: string,
    model: string,
    dims: number,
    scopes: () => Iterable<{ label: number; scopeKey: string }>,
    options: Partial<AnnOptions> = {},
  ): Promise<AnnIndex | null> {
    const { graph, meta } = paths(dir, model);
    if (!existsSync(graph) || !existsSync(meta)) return null;
    const ann = new AnnIndex(model, dims, thread, options, 1024);
    try {
      const info = JSON.parse(readFileSync(meta, 'utf8')) as { seq?: unknown; dims?: unknown; deleted?: unknown };
      if (typeof info.seq !== 'number' || info.dims !== dims || !Array.isArray(info.deleted)) return null;
      const read = await thread.request<{ labels: number[]; capacity: number; count: number }>({
        op: 'load',
        graph: ann.graph,
        dims,
        path: graph,
        efSearch: ann.options.efSearch,
      });
      ann.capacity = read.capacity;
      for (const label of info.deleted as number[]) ann.deleted.add(label);
      // Labels of the graph the table holds get their scope; the rest are orphans.
      const inGraph = new Set(read.labels);
      for (const label of ann.deleted) inGraph.delete(label);
      for (const { label, scopeKey } of scopes()) if (inGraph.delete(label)) ann.setScope(label, ann.scopeId(scopeKey));
      for (const label of inGraph) ann.setScope(label, ORPHAN);
      if (read.count !== ann.scopeOf.size + ann.deleted.size) {
        ann.dispose();
        return null;
      }
      ann.trackScopes();
      ann.seq = info.seq;
      return ann;
    } catch {
      ann.dispose();
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

  /** The thread died or one of this graph's calls failed there: the graph must be rebuilt. */
  get broken(): boolean {
    return this.thread.failed(this.graph);
  }

  has(label: number): boolean {
    return this.scopeOf.has(label);
  }

  add(label: number, scopeKey: string, vector: Float32Array): void {
    const scope = this.scopeId(scopeKey);
    const unmark = this.deleted.delete(label);
    if (!unmark && !this.scopeOf.has(label) && this.scopeOf.size + this.deleted.size >= this.capacity) {
      // Steps of a quarter: a graph keeps at most a fifth of its memory unused.
      this.capacity = Math.ceil(this.capacity * 1.25);
      this.thread.post({ op: 'resize', graph: this.graph, capacity: this.capacity });
    }
    this.thread.post({ op: 'add', graph: this.graph, label, scope, vector, unmark });
    this.setScope(label, scope);
    this.trackScopes();
    this.dirty = true;
  }

  remove(label: number): void {
    if (!this.scopeOf.has(label)) return;
    this.setScope(label, null);
    this.thread.post({ op: 'remove', graph: this.graph, label });
    this.deleted.add(label);
    this.dirty = true;
  }

  async search(vector: Float32Array, k: number, scopeKey: string): Promise<AnnHit[]> {
    const scope = this.scopeIds.get(scopeKey);
    if (scope === undefined) return [];
    const inScope = this.scopeSizes[scope] ?? 0;
    if (inScope === 0) return [];
    // One scope in the graph: no filter callback (it costs a call into JS per visited node).
    const filter = inScope === this.scopeOf.size ? null : scope;
    const result = await this.thread.request<{ labels: number[]; distances: number[] }>({
      op: 'search',
      graph: this.graph,
      vector,
      k: Math.min(k, inScope),
      scope: filter,
    });
    return result.labels.map((label, i) => ({ label, similarity: 1 - (result.distances[i] ?? 1) }));
  }

  async save(dir: string): Promise<void> {
    // Unused capacity (the last growth step) would be allocated again by every open.
    const used = this.scopeOf.size + this.deleted.size;
    if (this.capacity > Math.max(1024, used * 1.1)) {
      this.capacity = Math.max(1024, Math.ceil(used * 1.05));
      this.thread.post({ op: 'resize', graph: this.graph, capacity: this.capacity });
    }
    mkdirSync(dir, { recursive: true });
    const { graph, meta } = paths(dir, this.model);
    // Temp names per process: several server processes (serve --workers) may persist at once.
    const tmp = `.${process.pid}.tmp`;
    // The metadata is taken now: it describes the graph as of the ops posted so far, which is what the thread writes.
    const info = JSON.stringify({ model: this.model, dims: this.dims, seq: this.seq, deleted: [...this.deleted] });
    this.dirty = false;
    try {
      await this.thread.request({ op: 'save', graph: this.graph, path: graph, metaPath: meta, meta: info, tmp });
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }

  /** Frees the graph on the thread; the object is not used after. */
  dispose(): void {
    this.thread.post({ op: 'drop', graph: this.graph });
  }

  /** Once the graph holds a second scope (orphans count as one): tells the thread every live label's scope. */
  private trackScopes(): void {
    if (this.scopesTracked || this.scopeSizes.length + (this.orphans > 0 ? 1 : 0) < 2) return;
    this.scopesTracked = true;
    const labels = new Float64Array(this.scopeOf.size);
    const scopes = new Int32Array(this.scopeOf.size);
    let i = 0;
    this.scopeOf.forEach((label, scope) => {
      labels[i] = label;
      scopes[i++] = scope;
    });
    this.thread.post({ op: 'scopes', graph: this.graph, labels, scopes });
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
