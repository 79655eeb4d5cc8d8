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

const DEFAULTS: AnnOptions = { m: 16, efConstruction: 100, efSearch: 96 };

/**
 * One HNSW graph (cosine) for the vectors of one embedding model, across scopes. A scope
 * filter runs inside the graph walk. The graph is derived data: it is persisted beside the
 * database with the vector-version counter it reflects, and rebuilt when that differs.
 */
export class AnnIndex {
  private readonly index: hnswlib.HierarchicalNSW;
  private readonly scopeOf = new Map<number, string>();
  private readonly options: AnnOptions;
  private capacity: number;
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

  static build(model: string, dims: number, rows: Iterable<AnnRow>, expected: number, options: Partial<AnnOptions> = {}): AnnIndex {
    const ann = new AnnIndex(model, dims, options, Math.ceil(expected * 1.25));
    ann.index.initIndex({
      maxElements: ann.capacity,
      m: ann.options.m,
      efConstruction: ann.options.efConstruction,
      randomSeed: 42,
      allowReplaceDeleted: true,
    });
    ann.index.setEf(ann.options.efSearch);
    for (const row of rows) ann.add(row.label, row.scopeKey, row.vector);
    ann.dirty = true;
    return ann;
  }

  /** Loads a persisted graph if it reflects `version`; returns null when missing or stale. */
  static load(
    dir: string,
    model: string,
    dims: number,
    version: number,
    scopes: Iterable<{ label: number; scopeKey: string }>,
    options: Partial<AnnOptions> = {},
  ): AnnIndex | null {
    const { graph, meta } = paths(dir, model);
    if (!existsSync(graph) || !existsSync(meta)) return null;
    try {
      const info = JSON.parse(readFileSync(meta, 'utf8')) as { version?: number; dims?: number; capacity?: number };
      if (info.version !== version || info.dims !== dims) return null;
      const ann = new AnnIndex(model, dims, options, info.capacity ?? 1024);
      ann.index.readIndexSync(graph, true);
      ann.capacity = ann.index.getMaxElements();
      ann.index.setEf(ann.options.efSearch);
      for (const { label, scopeKey } of scopes) ann.scopeOf.set(label, scopeKey);
      if (ann.scopeOf.size !== ann.index.getCurrentCount() - ann.deletedCount(ann.scopeOf)) return null;
      return ann;
    } catch {
      return null;
    }
  }

  get size(): number {
    return this.scopeOf.size;
  }

  add(label: number, scopeKey: string, vector: Float32Array): void {
    if (this.scopeOf.has(label)) this.index.markDelete(label);
    if (this.index.getCurrentCount() >= this.capacity) {
      this.capacity = Math.ceil(this.capacity * 1.5);
      this.index.resizeIndex(this.capacity);
    }
    this.index.addPoint(Array.from(vector), label, true);
    this.scopeOf.set(label, scopeKey);
    this.dirty = true;
  }

  remove(label: number): void {
    if (!this.scopeOf.delete(label)) return;
    this.index.markDelete(label);
    this.dirty = true;
  }

  search(vector: Float32Array, k: number, scopeKey: string): AnnHit[] {
    const count = this.scopeOf.size;
    if (count === 0) return [];
    const filter = (label: number): boolean => this.scopeOf.get(label) === scopeKey;
    const result = this.index.searchKnn(Array.from(vector), Math.min(k, count), filter);
    return result.neighbors.map((label, i) => ({ label, similarity: 1 - (result.distances[i] ?? 1) }));
  }

  save(dir: string, version: number): void {
    mkdirSync(dir, { recursive: true });
    const { graph, meta } = paths(dir, this.model);
    this.index.writeIndexSync(`${graph}.tmp`);
    renameSync(`${graph}.tmp`, graph);
    writeFileSync(meta, JSON.stringify({ model: this.model, dims: this.dims, version, capacity: this.capacity }));
    this.dirty = false;
  }

  private deletedCount(_live: Map<number, string>): number {
    // Marked-deleted points still count in getCurrentCount(); ids not live are the deleted ones.
    let deleted = 0;
    for (const label of this.index.getIdsList()) if (!this.scopeOf.has(label)) deleted++;
    return deleted;
  }
}

function paths(dir: string, model: string): { graph: string; meta: string } {
  const safe = model.replace(/[^A-Za-z0-9._-]+/g, '_');
  return { graph: join(dir, `${safe}.hnsw`), meta: join(dir, `${safe}.json`) };
}
