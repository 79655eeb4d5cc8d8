import { GraphTable } from './ann-graphs.js';
import { type AnnOp, type AnnRequest, type AnnRunner, type AnnWireOp, packOps } from './ann-worker-client.js';

/**
 * Runs the HNSW graphs' ops on the caller's thread, at once, as the store did before the HNSW
 * thread (`annThread: false`). No second thread (whose V8 heap and malloc arena measured ~20-120
 * MiB of peak RSS in the bench's ingest at 100k) and no messages, but every insert is paid on
 * the writer's thread (~190 µs a vector at 100k). Each store has its own.
 */
export class InlineAnnGraphs implements AnnRunner {
  private readonly graphs = new GraphTable();
  private readonly failedGraphs = new Set<number>();
  private nextGraph = 1;
  private stopped = false;

  get alive(): boolean {
    return !this.stopped;
  }

  newGraph(): number {
    return this.nextGraph++;
  }

  failed(graph: number): boolean {
    return this.failedGraphs.has(graph);
  }

  post(op: Exclude<AnnOp, { id: number }>): void {
    try {
      this.run(op);
    } catch {
      if ('graph' in op) this.failedGraphs.add(op.graph);
    }
  }

  request<T>(op: AnnRequest): Promise<T> {
    try {
      return Promise.resolve(this.run({ ...op, id: 0 } as AnnOp) as T);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  settle(): Promise<void> {
    return Promise.resolve();
  }

  release(): void {
    this.stopped = true;
  }

  private run(op: AnnOp): unknown {
    const { ops, vectors } = packOps([op]);
    return this.graphs.run(ops[0] as AnnWireOp, vectors);
  }
}
