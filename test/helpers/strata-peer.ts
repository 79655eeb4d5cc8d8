import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Request } from './strata-process.js';

const WORKER = fileURLToPath(new URL('./strata-process.ts', import.meta.url));

/**
 * Another Strata process (test/helpers/strata-process.ts), forked and driven over IPC. `env`
 * tells it where its stores are: DATABASE_URL and STRATA_PG_SCHEMA, and optionally REDIS_URL
 * and STRATA_REDIS_PREFIX.
 */
export class StrataPeer {
  private next = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  /** The peer's pid, once it has opened its memory. */
  readonly ready: Promise<number>;
  private readonly child: ChildProcess;

  constructor(env: Record<string, string>) {
    this.child = fork(WORKER, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', (code) => reject(new Error(`the Strata process exited with code ${code}`)));
      this.child.on('message', (message: { id?: number; ready?: boolean; pid: number; result?: unknown; error?: string }) => {
        if (message.ready) return resolve(message.pid);
        const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
        if (!waiter || message.id === undefined) return;
        this.pending.delete(message.id);
        if (message.error) waiter.reject(new Error(message.error));
        else waiter.resolve(message.result);
      });
    });
  }

  call<T>(op: Request['op'], ...args: unknown[]): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, op, args } satisfies Request);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.call('close').catch(() => this.child.kill());
    await exited;
  }
}
