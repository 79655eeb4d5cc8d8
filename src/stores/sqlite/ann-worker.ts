/**
 * The HNSW graphs' thread (worker_threads): runs the hnswlib calls that AnnIndex decides on the
 * main thread, in the order they were posted. Inserts were ~29% of the ingest's main-thread CPU
 * (~190 µs a vector at 100k); here they run on the second core. Searches are answered in the
 * same FIFO, so a search sees every insert posted before it (read-your-writes).
 *
 * Kept to hnswlib and node: built-ins (types only from the client), so the thread loads nothing else.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import hnswlib from 'hnswlib-node';
import type { AnnBatch, AnnReply, AnnWireOp, AnnWorkerData } from './ann-worker-client.js';

interface Graph {
  readonly index: hnswlib.HierarchicalNSW;
  /**
   * Scope number of each live label: the filter of a search in one scope among several. Null
   * while the graph holds one scope (no search filters): 100k entries are ~5-10 MiB.
   */
  scopeOf: Map<number, number> | null;
}

const graphs = new Map<number, Graph>();
const { applied } = workerData as AnnWorkerData;
const port = parentPort;
if (!port) throw new Error('ann-worker.ts runs as a worker thread');

port.on('message', ({ ops, vectors }: AnnBatch) => {
  let mutations = 0;
  for (const op of ops) {
    if (op.op === 'add' || op.op === 'remove') mutations++;
    run(op, vectors);
  }
  // The writer's backlog (ann-worker-client.ts) is what it posted minus what ran.
  if (mutations > 0) {
    Atomics.add(applied, 0, mutations);
    Atomics.notify(applied, 0);
  }
});

function run(op: AnnWireOp, vectors: Float32Array): void {
  const id = 'id' in op ? op.id : undefined;
  try {
    const value = apply(op, vectors);
    if (id !== undefined) port?.postMessage({ id, ok: true, value } satisfies AnnReply);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A graph whose call failed is no longer the one the main thread describes: drop it (it is rebuilt from the table).
    if ('graph' in op) graphs.delete(op.graph);
    port?.postMessage(
      id !== undefined
        ? ({ id, ok: false, message } satisfies AnnReply)
        : ({ failed: 'graph' in op ? op.graph : -1, message } satisfies AnnReply),
    );
  }
}

/** The op's vector as hnswlib takes it. */
function point(op: { at: number; dims: number }, vectors: Float32Array): number[] {
  return Array.from(vectors.subarray(op.at, op.at + op.dims));
}

function apply(op: AnnWireOp, vectors: Float32Array): unknown {
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
      graphs.set(op.graph, { index, scopeOf: null });
      return null;
    }
    case 'load': {
      const index = new hnswlib.HierarchicalNSW('cosine', op.dims);
      index.readIndexSync(op.path, false);
      index.setEf(op.efSearch);
      graphs.set(op.graph, { index, scopeOf: null });
      return { labels: index.getIdsList(), capacity: index.getMaxElements(), count: index.getCurrentCount() };
    }
    case 'drop':
      graphs.delete(op.graph);
      return null;
  }
  const graph = graphs.get(op.graph);
  // Ops for a graph dropped after a failure: the main thread learns of it from the failure message.
  if (!graph) {
    if ('id' in op) throw new Error(`graph ${op.graph} is gone`);
    return null;
  }
  switch (op.op) {
    case 'scopes':
      graph.scopeOf ??= new Map();
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
