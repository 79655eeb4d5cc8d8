import cluster, { type Worker } from 'node:cluster';
import { prepareDataDir } from './create-server.js';
import type { ServerSettings } from './settings.js';

/**
 * `strata serve --workers N`: a primary process that prepares the data directory once, forks N
 * workers that each run the whole server (createServer + listen) on the shared port, and keeps
 * them running. They share one SQLite file (WAL); each worker's in-process indexes catch up on
 * the others' writes through index_log before it answers, so a write acknowledged by one worker
 * is read by every other at once.
 *
 * Shutdown: SIGINT/SIGTERM to the primary asks every worker to drain and close (the same path
 * as a single process), then exits 0 once all have; a second signal kills them. A worker that
 * dies while serving is replaced, unless workers keep dying (RESTART_LIMIT in RESTART_WINDOW_MS),
 * when the primary stops the rest and exits 1.
 */

/** What a worker tells its primary. */
export type WorkerMessage = { readonly type: 'listening'; readonly url: string } | { readonly type: 'failed'; readonly message: string };
/** What a primary tells its workers. */
export type PrimaryMessage = { readonly type: 'shutdown' };

const RESTART_LIMIT = 5;
const RESTART_WINDOW_MS = 60_000;

export interface ClusterStarted {
  readonly url: string;
  readonly firstAdminKey: string | null;
  readonly dataDir: string;
  readonly workers: number;
}

/**
 * Runs the primary: resolves once every worker listens (with the URL and the first admin key
 * to print), rejects when one cannot start (the others are stopped). `onExit` gets the code the
 * primary should exit with once the cluster has stopped.
 */
export async function startCluster(settings: ServerSettings, onExit: (code: number) => void): Promise<ClusterStarted> {
  const { paths, firstAdminKey } = await prepareDataDir(settings);
  // One embedding model for every worker: the chain is run here once and its choice pinned.
  const { workerEmbeddingEnv } = await import('./embedding-from-settings.js');
  const workerEnv = await workerEmbeddingEnv(settings.embedding, paths.dir);
  const workers = new Set<Worker>();
  let stopping = false;
  let started = false;
  const restarts: number[] = [];

  const stopAll = (force: boolean): void => {
    for (const worker of workers) {
      if (force) worker.process.kill('SIGKILL');
      else if (worker.isConnected()) worker.send({ type: 'shutdown' } satisfies PrimaryMessage);
      else worker.process.kill('SIGTERM');
    }
  };
  let exitCode = 0;
  const finishIfDone = (): void => {
    if (stopping && workers.size === 0) onExit(exitCode);
  };

  const listening = new Promise<string>((resolve, reject) => {
    let ready = 0;
    let url = '';
    const fork = (): void => {
      const worker = cluster.fork(workerEnv);
      workers.add(worker);
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'listening') {
          url = message.url;
          if (!started && ++ready === settings.workers) {
            started = true;
            resolve(url);
          }
        } else if (message.type === 'failed' && !started) {
          stopping = true;
          exitCode = 2;
          stopAll(false);
          reject(new Error(message.message));
        }
      });
      worker.on('exit', (code, signal) => {
        workers.delete(worker);
        if (stopping) {
          if (code !== 0) exitCode = exitCode || 1;
          finishIfDone();
          return;
        }
        if (!started) {
          stopping = true;
          exitCode = 2;
          stopAll(false);
          reject(new Error(`a worker exited with ${signal ?? code} before listening`));
          finishIfDone();
          return;
        }
        const now = Date.now();
        restarts.push(now);
        while ((restarts[0] ?? now) < now - RESTART_WINDOW_MS) restarts.shift();
        if (restarts.length > RESTART_LIMIT) {
          process.stderr.write(`strata serve: workers keep exiting (${restarts.length} in ${RESTART_WINDOW_MS / 1000} s); stopping\n`);
          stopping = true;
          exitCode = 1;
          stopAll(false);
          finishIfDone();
          return;
        }
        process.stderr.write(`strata serve: worker ${worker.process.pid} exited with ${signal ?? code}; starting another\n`);
        fork();
      });
    };
    for (let i = 0; i < settings.workers; i++) fork();
  });

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`strata serve: ${signal} again, killing the workers without draining\n`);
      stopAll(true);
      exitCode = 1;
      return;
    }
    stopping = true;
    process.stderr.write(`strata serve: ${signal}, draining the workers' in-flight requests and closing\n`);
    stopAll(false);
    finishIfDone();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const url = await listening;
  return { url, firstAdminKey, dataDir: paths.dir, workers: settings.workers };
}

/** In a worker: tells the primary it listens, or why it could not start. */
export function reportToPrimary(message: WorkerMessage): void {
  process.send?.(message);
}

/**
 * In a worker: calls `stop` once, on the primary's shutdown message, on a signal (a terminal's
 * Ctrl-C reaches the whole process group, so a worker may see both), or when the primary is gone.
 */
export function onWorkerShutdown(stop: () => void): void {
  let called = false;
  const once = (): void => {
    if (called) return;
    called = true;
    stop();
  };
  process.on('message', (message: PrimaryMessage) => {
    if (message?.type === 'shutdown') once();
  });
  process.on('SIGINT', once);
  process.on('SIGTERM', once);
  process.on('disconnect', once);
}
