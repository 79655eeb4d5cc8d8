/**
 * The HNSW graphs' thread (worker_threads): runs the hnswlib calls that AnnIndex decides on the
 * main thread, in the order they were posted. Inserts were ~29% of the ingest's main-thread CPU
 * (~190 µs a vector at 100k); here they run on the second core. Searches are answered in the
 * same FIFO, so a search sees every insert posted before it (read-your-writes).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { GraphTable } from './ann-graphs.js';
import type { AnnBatch, AnnReply, AnnWireOp, AnnWorkerData } from './ann-worker-client.js';

const graphs = new GraphTable();
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
    const value = graphs.run(op, vectors);
    if (id !== undefined) port?.postMessage({ id, ok: true, value } satisfies AnnReply);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    port?.postMessage(
      id !== undefined
        ? ({ id, ok: false, message } satisfies AnnReply)
        : ({ failed: 'graph' in op ? op.graph : -1, message } satisfies AnnReply),
    );
  }
}
