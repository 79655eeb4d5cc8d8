/**
 * The hnswlib graphs of one runner, and the ops AnnIndex posts to them (ann-worker-client.ts):
 * run on the HNSW thread (ann-worker.ts), or on the caller's thread (InlineAnnGraphs, ann-inline.ts).
 *
 * Kept to hnswlib and node: built-ins (types only from the client), so the thread loads nothing else.
 */
import { renameSync, writeFileSync } from 'node:fs';
import hnswlib from 'hnswlib-node';
import type { AnnWireOp } from './ann-worker-client.js';
import { RowidMap } from './rowid-map.js';

interface Graph {
  readonly index: hnswlib.HierarchicalNSW;
  /**
   * Scope number of each live label: the filter of a search in one scope among several. Null
   * while the graph holds one scope (no search filters): 100k entries are ~5-10 MiB.
   */
  scopeOf: RowidMap | null;
}

/** The op's vector as hnswlib takes it. */
function point(op: { at: number; dims: number }, vectors: Float32Array): number[] {
  return Array.from(vectors.subarray(op.at, op.at + op.dims));
}

export class GraphTable {
  private readonly graphs = new Map<number, Graph>();

  /** Runs one op (its vector, if any, at `op.at` in `vectors`); throws when it fails, after dropping its graph. */
  run(op: AnnWireOp, vectors: Float32Array): unknown {
    try {
      return this.apply(op, vectors);
    } catch (error) {
      // A graph whose call failed is no longer the one the caller describes: drop it (it is rebuilt from the table).
      if ('graph' in op) this.graphs.delete(op.graph);
      throw error;
    }
  }

  private apply(op: AnnWireOp, vectors: Float32Array): unknown {
    switch (op.op) {
      case 'ping':
        return null;
      case 'init': {
        const index = new hnswlib.HierarchicalNSW('cosine', op.dims);
        index.initIndex({
          maxElements: op.capacity,
          m: op.m,
          efConstruction: op.efConstruction,
          randomSeed: 42,
          allowReplaceDeleted: false,
        });
        index.setEf(op.efSearch);
        this.graphs.set(op.graph, { index, scopeOf: null });
        return null;
      }
      case 'load': {
        const index = new hnswlib.HierarchicalNSW('cosine', op.dims);
        index.readIndexSync(op.path, false);
        index.setEf(op.efSearch);
        this.graphs.set(op.graph, { index, scopeOf: null });
        return { labels: index.getIdsList(), capacity: index.getMaxElements(), count: index.getCurrentCount() };
      }
      case 'drop':
        this.graphs.delete(op.graph);
        return null;
    }
    const graph = this.graphs.get(op.graph);
    // Ops for a graph dropped after a failure: the caller learns of it from the failure.
    if (!graph) {
      if ('id' in op) throw new Error(`graph ${op.graph} is gone`);
      return null;
    }
    switch (op.op) {
      case 'scopes':
        graph.scopeOf ??= new RowidMap();
        for (let i = 0; i < op.labels.length; i++) graph.scopeOf.set(op.labels[i] as number, op.scopes[i] as number);
        return null;
      case 'resize':
        graph.index.resizeIndex(op.capacity);
        return null;
      case 'add':
        if (op.unmark) graph.index.unmarkDelete(op.label);
        // An existing label is updated in place; a new one is inserted.
        graph.index.addPoint(point(op, vectors), op.label, false);
        graph.scopeOf?.set(op.label, op.scope);
        return null;
      case 'remove':
        graph.index.markDelete(op.label);
        graph.scopeOf?.delete(op.label);
        return null;
      case 'search': {
        const { scope } = op;
        const { scopeOf } = graph;
        if (scope !== null && scopeOf === null) throw new Error('a scope filter on a graph of one scope');
        const filter = scope === null ? undefined : (label: number): boolean => scopeOf?.get(label) === scope;
        const result = graph.index.searchKnn(point(op, vectors), op.k, filter);
        return { labels: result.neighbors, distances: result.distances };
      }
      case 'save':
        graph.index.writeIndexSync(`${op.path}${op.tmp}`);
        renameSync(`${op.path}${op.tmp}`, op.path);
        writeFileSync(`${op.metaPath}${op.tmp}`, op.meta);
        renameSync(`${op.metaPath}${op.tmp}`, op.metaPath);
        return null;
    }
  }
}
