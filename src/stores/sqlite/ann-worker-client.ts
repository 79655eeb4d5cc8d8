import { Worker } from 'node:worker_threads';

/** What AnnIndex posts to the graphs' thread (ann-worker.ts). Ops with an `id` are answered. */
export type AnnOp =
  | { op: 'ping'; id: number }
  | { op: 'init'; graph: number; dims: number; capacity: number; m: number; efConstruction: number; efSearch: number }
  | { op: 'load'; graph: number; id: number; dims: number; path: string; efSearch: number }
  | { op: 'drop'; graph: number }
  | { op: 'scopes'; graph: number; labels: Float64Array; scopes: Int32Array }
  | { op: 'resize'; graph: number; capacity: number }
  | { op: 'add'; graph: number; label: number; scope: number; vector: Float32Array; unmark: boolean }
  | { op: 'remove'; graph: number; label: number }
  /** `scope` null: every live label (the graph holds one scope). */
  | { op: 'search'; graph: number; id: number; vector: Float32Array; k: number; scope: number | null }
  /**
   * Writes the graph to `path` and `meta` (JSON) to `metaPath`, each through a temp name: in one op,
   * so two stores of one process saving at once never pair one's graph with the other's metadata.
   */
  | { op: 'save'; graph: number; id: number; path: string; metaPath: string; meta: string; tmp: string };

/**
 * One message to the thread: the ops, with their vectors packed in one transferred buffer (an op
 * keeps its slice's offset). Cloning each op's Float32Array copied its whole underlying buffer
 * (often a pooled slab far larger than the vector): postMessage was 13% of the ingest's main thread.
 */
export interface AnnBatch {
  readonly ops: AnnWireOp[];
  readonly vectors: Float32Array;
}
export type AnnWireOp = AnnOp extends infer O
  ? O extends { vector: Float32Array }
    ? Omit<O, 'vector'> & { at: number; dims: number }
    : O
  : never;

/** An answer to an op with an id, or the failure of a fire-and-forget op (the graph was dropped). */
export type AnnReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; message: string }
  | { failed: number; message: string };

export interface AnnWorkerData {
  /** Mutations (add, remove) the thread has applied, on shared memory: the writer's backlog without a message. */
  readonly applied: Int32Array;
}

/** Ops without the id a request gets. */
export type AnnRequest = AnnOp extends infer O ? (O extends { id: number } ? Omit<O, 'id'> : never) : never;

/**
 * What runs the hnswlib calls AnnIndex decides, in the order they are posted: the process's
 * HNSW thread (AnnWorkerClient), or the caller's own thread (InlineAnnGraphs, ann-inline.ts).
 */
export interface AnnRunner {
  /** False once the runner died or was stopped: acquire another. */
  readonly alive: boolean;
  /** A graph number for `init` or `load`. */
  newGraph(): number;
  /** True when the graph's runner died or one of its ops failed: its state is unknown. */
  failed(graph: number): boolean;
  /** Queues an op that is not answered. */
  post(op: Exclude<AnnOp, { id: number }>): void;
  /** Queues an op and resolves with its answer, which comes after every op queued before it. */
  request<T>(op: AnnRequest): Promise<T>;
  /** Backpressure for a writer: resolves once the runner is not too far behind. */
  settle(): Promise<void>;
  release(): void;
}

// Backlog bounds, in queued inserts and removes. The thread applies an insert in ~190 µs at 100k
// vectors, so 256 queued are ~50 ms of work: a search posted behind them waits at most that, and
// the queue holds ~256 x 0.5 KiB. A writer above HIGH waits until the thread is down to LOW.
const HIGH = 256;
const LOW = 64;
/** A thread nobody uses is stopped after this (tests and the CLI reopen stores in a row: a tsx start is ~300 ms). */
const IDLE_MS = 2_000;

type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeout: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/**
 * The process's thread for HNSW graphs, shared by every SqliteStore of the process (one per
 * process: stores and models are told apart by graph number). Ops are queued and posted in one
 * message per microtask; the thread runs them in order. A thread that dies fails what waits on
 * it, and every graph it held reports failed: the owner rebuilds them on a new thread.
 */
export class AnnWorkerClient implements AnnRunner {
  private static shared: AnnWorkerClient | null = null;

  private readonly worker: Worker;
  private readonly applied = new Int32Array(new SharedArrayBuffer(4));
  private posted = 0;
  private queue: AnnOp[] = [];
  private flushQueued = false;
  private nextId = 1;
  private nextGraph = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly failedGraphs = new Set<number>();
  private dead: Error | null = null;
  private users = 0;
  private waiting = 0;
  private idle: NodeJS.Timeout | null = null;

  private constructor() {
    this.worker = startWorker({ applied: this.applied });
    // Only a wait on the thread keeps the process alive; queued inserts of a process exiting without close are lost (the log catches up).
    this.worker.unref();
    this.worker.on('message', (reply: AnnReply) => this.onReply(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the HNSW thread exited (code ${code})`)));
  }

  /** The process's thread, started on first use; `release` when done. */
  static acquire(): AnnWorkerClient {
    AnnWorkerClient.shared ??= new AnnWorkerClient();
    const client = AnnWorkerClient.shared;
    client.users++;
    if (client.idle) clearTimeout(client.idle);
    client.idle = null;
    return client;
  }

  release(): void {
    if (--this.users > 0 || this.dead) return;
    this.idle = setTimeout(() => {
      if (this.users > 0) return;
      if (AnnWorkerClient.shared === this) AnnWorkerClient.shared = null;
      this.dead = new Error('the HNSW thread was stopped');
      void this.worker.terminate();
    }, IDLE_MS);
    this.idle.unref();
  }

  /** A graph number for `init` or `load`. */
  newGraph(): number {
    return this.nextGraph++;
  }

  /** False once the thread died or was stopped: acquire another. */
  get alive(): boolean {
    return this.dead === null;
  }

  /** True when the graph's thread died or one of its ops failed: its state is unknown. */
  failed(graph: number): boolean {
    return this.dead !== null || this.failedGraphs.has(graph);
  }

  /** Queues an op that is not answered. */
  post(op: Exclude<AnnOp, { id: number }>): void {
    if (this.dead) return;
    if (op.op === 'add' || op.op === 'remove') this.posted = (this.posted + 1) | 0;
    this.queue.push(op);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Queues an op and resolves with its answer, which comes after every op queued before it. */
  request<T>(op: AnnRequest): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return this.waitFor(
      new Promise<T>((resolve, reject) => {
        this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        this.queue.push({ ...op, id } as AnnOp);
        this.flush();
      }),
    );
  }

  /** Inserts and removes posted that the thread has not applied yet. */
  get backlog(): number {
    return (this.posted - Atomics.load(this.applied, 0)) | 0;
  }

  /** Backpressure for a writer: returns at once unless the backlog is above HIGH, then waits until it is down to LOW. */
  async settle(): Promise<void> {
    if (this.backlog <= HIGH) return;
    this.flush();
    await this.waitFor(this.below(LOW));
  }

  private async below(limit: number): Promise<void> {
    while (!this.dead && this.backlog > limit) {
      const seen = Atomics.load(this.applied, 0);
      if (((this.posted - seen) | 0) <= limit) return;
      // The timeout rechecks `dead` (a thread that exited never notifies).
      const wait = waitAsync(this.applied, 0, seen, 200);
      if (wait.async) await wait.value;
    }
  }

  /** Keeps the process alive while something waits on the thread. */
  private async waitFor<T>(promise: Promise<T>): Promise<T> {
    if (this.waiting++ === 0) this.worker.ref();
    try {
      return await promise;
    } finally {
      if (--this.waiting === 0) this.worker.unref();
    }
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.queue.length === 0 || this.dead) return;
    const batch = packOps(this.queue);
    this.queue = [];
    this.worker.postMessage(batch, [batch.vectors.buffer as ArrayBuffer]);
  }

  private onReply(reply: AnnReply): void {
    if ('failed' in reply) {
      this.failedGraphs.add(reply.failed);
      return;
    }
    const waiter = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (reply.ok) waiter?.resolve(reply.value);
    else waiter?.reject(new Error(reply.message));
  }

  private fail(error: Error): void {
    if (this.dead === null) this.dead = error;
    if (AnnWorkerClient.shared === this) AnnWorkerClient.shared = null;
    for (const waiter of this.pending.values()) waiter.reject(this.dead);
    this.pending.clear();
    this.queue = [];
  }
}

/** Ops as the graphs take them (ann-graphs.ts): their vectors copied into one buffer, each op keeping its slice's offset. */
export function packOps(queued: readonly AnnOp[]): AnnBatch {
  let floats = 0;
  for (const op of queued) if ('vector' in op) floats += op.vector.length;
  const vectors = new Float32Array(floats);
  let at = 0;
  const ops = queued.map((op): AnnWireOp => {
    if (!('vector' in op)) return op;
    const { vector, ...rest } = op;
    vectors.set(vector, at);
    at += vector.length;
    return { ...rest, at: at - vector.length, dims: vector.length };
  });
  return { ops, vectors };
}

/**
 * The thread runs ann-worker.js beside this file (dist/, the compiled bench). Under the
 * TypeScript sources (tsx, vitest) that file is ann-worker.ts, which a thread cannot load by
 * itself (the parent's loader hooks do not reach it): tsx, a dev dependency, loads it there.
 */
// The thread's garbage (a number[] per insert for hnswlib) is short-lived: a 4 MiB young generation
// instead of V8's default cut the 12k-message ingest's peak RSS at 100k from 492 to 434 MiB (1 MiB: 434).
const LIMITS = { maxYoungGenerationSizeMb: 4 };

function startWorker(data: AnnWorkerData): Worker {
  const here = import.meta.url;
  if (!new URL(here).pathname.endsWith('.ts'))
    return new Worker(new URL('./ann-worker.js', here), { workerData: data, resourceLimits: LIMITS });
  const entry = JSON.stringify(new URL('./ann-worker.ts', here).href);
  const source = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${entry}, ${JSON.stringify(here)}))`;
  return new Worker(source, { eval: true, workerData: data, resourceLimits: LIMITS });
}
